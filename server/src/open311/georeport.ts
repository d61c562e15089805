import { z } from 'zod';
import { CATEGORIES, CATEGORY_GROUPS } from '@cityops/domain';
import { IsoTime, type IncidentDto } from '@cityops/protocol';
import type { Ctx } from '../context.ts';
import { HttpError, parse } from '../http/errors.ts';
import { createIncident } from '../incidents/create-incident.ts';
import { getIncident, listIncidents } from '../incidents/query-incidents.ts';

/** Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the same services as /api. */

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: false;
  type: 'realtime';
  keywords: string;
  group: string;
}

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string | null;
  service_code: string;
  description: string;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  address: string | null;
  address_id: null;
  zipcode: null;
  lat: number;
  long: number;
  media_url: string | null;
}

const groupName = new Map(CATEGORY_GROUPS.map((g) => [g.code, g.name]));
const categoryName = new Map(CATEGORIES.map((c) => [c.code, c.name]));

export function listServices(): Open311Service[] {
  return CATEGORIES.map((c) => ({
    service_code: c.code,
    service_name: c.name,
    description: `${groupName.get(c.group) ?? c.group} › ${c.name} (${c.kind === 'component' ? '部件' : '事件'}); ${c.nameEn}`,
    metadata: false,
    type: 'realtime',
    keywords: [c.nameEn, c.group].join(','),
    group: groupName.get(c.group) ?? c.group,
  }));
}

export function toOpen311(i: IncidentDto): Open311Request {
  const closed = i.state === 'closed' || i.state === 'rejected';
  return {
    service_request_id: String(i.id),
    status: closed ? 'closed' : 'open',
    status_notes: i.state,
    service_name: categoryName.get(i.category) ?? null,
    service_code: i.category,
    description: i.description,
    agency_responsible: i.department,
    service_notice: null,
    requested_datetime: i.reportedAt,
    updated_datetime: i.updatedAt,
    expected_datetime: i.deadline,
    address: i.address,
    address_id: null,
    zipcode: null,
    lat: i.lat,
    long: i.lng,
    media_url: i.photos[0] ? `/api/photos/${i.photos[0]}` : null,
  };
}

const RequestsQuery = z.object({
  service_request_id: z
    .string()
    .regex(/^\d+(,\d+)*$/)
    .max(2000)
    // An id past 2^53 cannot be one of ours, and would overflow the bigint column.
    .refine((v) => v.split(',').every((id) => Number.isSafeInteger(Number(id))), 'ids up to 2^53')
    .optional(),
  service_code: z.string().max(64).optional(),
  start_date: IsoTime.optional(),
  status: z.enum(['open', 'closed']).optional(),
});

/** GET requests: the spec's filters, newest first, at most 500, within the caller's scope. */
export async function listRequests({
  ctx,
  query,
}: {
  ctx: Ctx;
  query: unknown;
}): Promise<Open311Request[]> {
  const q = parse(RequestsQuery, query, 'query');
  if (q.service_request_id) {
    const out: Open311Request[] = [];
    for (const id of q.service_request_id.split(',').slice(0, 100).map(Number)) {
      try {
        out.push(toOpen311(await getIncident({ ctx, id })));
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 404)) throw err;
      }
    }
    return out;
  }
  const page = await listIncidents({
    ctx,
    query: {
      category: q.service_code,
      since: q.start_date,
      open: q.status === undefined ? undefined : q.status === 'open' ? 'true' : 'false',
      limit: '500',
    },
  });
  return page.items.map(toOpen311);
}

export async function getRequest({ ctx, id }: { ctx: Ctx; id: number }): Promise<Open311Request[]> {
  return [toOpen311(await getIncident({ ctx, id }))];
}

const PostRequest = z.object({
  service_code: z.string().min(1).max(64),
  lat: z.coerce.number(),
  long: z.coerce.number(),
  description: z.string().optional(),
  address_string: z.string().max(200).optional(),
  first_name: z.string().max(30).optional(),
  last_name: z.string().max(30).optional(),
  phone: z.string().max(30).optional(),
});

/** POST requests: a report through the normal intake (validation, grid, deadline, event, idempotency). */
export async function postRequest({
  ctx,
  input,
  idempotencyKey,
}: {
  ctx: Ctx;
  input: unknown;
  idempotencyKey?: string | undefined;
}): Promise<{ status: number; body: unknown }> {
  const p = parse(PostRequest, input, 'request');
  const reporterName = [p.last_name, p.first_name].filter(Boolean).join('') || undefined;
  const result = await createIncident({
    ctx,
    idempotencyKey,
    input: {
      category: p.service_code,
      lng: p.long,
      lat: p.lat,
      description: p.description ?? '',
      address: p.address_string,
      source: 'open311',
      reporterName,
      reporterPhone: p.phone,
    },
  });
  if (result.status >= 400) return result;
  const dto = result.body as IncidentDto;
  return {
    status: 201,
    body: [{ service_request_id: String(dto.id), service_notice: null, account_id: null }],
  };
}

import { z } from 'zod';
import { INCIDENT_STATES, PRIORITIES, SOURCES, type Action } from '@cityops/domain';
import type { Event } from './events.ts';

const trimmed = (max: number) => z.string().trim().min(1).max(max);
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
/**
 * An ISO 8601 instant with its offset, in the years 1–9999 once in UTC: Postgres has no year 0,
 * and a year past 9999 prints as `+010000-…`, which it refuses.
 */
export const IsoTime = z.iso.datetime({ offset: true }).refine((v) => {
  const t = Date.parse(v);
  return t >= FIRST_INSTANT && t <= LAST_INSTANT;
}, 'a time in the years 1 to 9999');
export const Lng = z.number().min(-180).max(180);
export const Lat = z.number().min(-90).max(90);

/** POST /api/incidents */
export const CreateIncident = z.object({
  category: z.string().min(1).max(64),
  lng: Lng,
  lat: Lat,
  description: trimmed(2000),
  priority: z.enum(PRIORITIES).optional(),
  source: z.enum(SOURCES).optional(),
  address: z.string().trim().max(200).optional(),
  photos: z
    .array(z.string().regex(/^[a-f0-9]{64}$/))
    .max(3)
    .optional(),
  reporterName: z.string().trim().max(60).optional(),
  reporterPhone: z.string().trim().max(30).optional(),
});
export type CreateIncident = z.infer<typeof CreateIncident>;

export const ExtensionRequestDto = z.object({
  until: z.string(),
  reason: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
});

/** An incident as every client sees it. */
export const IncidentDto = z.object({
  id: z.number().int(),
  version: z.number().int(),
  state: z.enum(INCIDENT_STATES),
  category: z.string(),
  priority: z.enum(PRIORITIES),
  source: z.enum(SOURCES),
  description: z.string(),
  address: z.string().nullable(),
  lng: z.number(),
  lat: z.number(),
  gridCode: z.string(),
  /** Region path from the city down to the grid. */
  path: z.array(z.string()),
  department: z.string().nullable(),
  deadline: z.string(),
  overdue: z.boolean(),
  escalated: z.boolean(),
  reminded: z.boolean(),
  returnCount: z.number().int(),
  reworkCount: z.number().int(),
  mergedInto: z.number().int().nullable(),
  extension: ExtensionRequestDto.nullable(),
  photos: z.array(z.string()),
  reporter: z.string().nullable(),
  reportedAt: z.string(),
  filedAt: z.string().nullable(),
  dispatchedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type IncidentDto = z.infer<typeof IncidentDto>;

const note = z.string().trim().max(2000);
const reason = trimmed(500);

/** POST /api/incidents/:id/actions — every action carries the version it was decided on. */
export const ActionBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('file'), note: note.optional() }),
  z.object({ action: z.literal('reject'), reason }),
  z.object({
    action: z.literal('dispatch'),
    department: z.string().min(1).max(64),
    deadline: IsoTime.optional(),
    note: note.optional(),
  }),
  z.object({ action: z.literal('sign') }),
  z.object({ action: z.literal('return'), reason }),
  z.object({
    action: z.literal('resolve'),
    note: trimmed(2000),
    photos: z
      .array(z.string().regex(/^[a-f0-9]{64}$/))
      .max(3)
      .optional(),
  }),
  z.object({
    action: z.literal('verify'),
    passed: z.boolean(),
    note: note,
    photos: z
      .array(z.string().regex(/^[a-f0-9]{64}$/))
      .max(3)
      .optional(),
  }),
  z.object({ action: z.literal('close'), note: note.optional() }),
  z.object({ action: z.literal('self_resolve'), note: trimmed(2000) }),
  z.object({ action: z.literal('merge'), into: z.number().int().positive() }),
  z.object({ action: z.literal('escalate'), note: trimmed(2000) }),
  z.object({ action: z.literal('request_extension'), until: IsoTime, reason }),
  z.object({ action: z.literal('decide_extension'), approved: z.boolean(), note: note.optional() }),
  z.object({ action: z.literal('note'), text: trimmed(2000) }),
]) satisfies z.ZodType<Action>;

export const ActionRequest = z.intersection(
  ActionBody,
  z.object({ expectedVersion: z.number().int().positive() }),
);
export type ActionRequest = z.infer<typeof ActionRequest>;

/** GET /api/incidents query. */
export const IncidentQuery = z.object({
  scope: z.string().max(32).optional(),
  state: z
    .union([z.enum(INCIDENT_STATES), z.array(z.enum(INCIDENT_STATES))])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  category: z.string().max(64).optional(),
  department: z.string().max(64).optional(),
  source: z.enum(SOURCES).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  open: z.enum(['true', 'false']).optional(),
  near: z
    .string()
    .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/)
    .optional(),
  radius: z.coerce.number().positive().max(5000).optional(),
  since: IsoTime.optional(),
  // An id from `nextCursor`; a larger one would overflow the bigint column.
  cursor: z
    .string()
    .regex(/^\d{1,16}$/, 'a nextCursor from an earlier page')
    .refine((v) => Number.isSafeInteger(Number(v)), 'a nextCursor from an earlier page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type IncidentQuery = z.infer<typeof IncidentQuery>;

export interface IncidentPage {
  items: IncidentDto[];
  nextCursor: string | null;
}

/** GET /api/incidents/:id: the incident, its grid's name and its timeline (oldest first). */
export type IncidentDetail = IncidentDto & { gridName: string | null; timeline: Event[] };

/** GET /api/incidents/:id/nearby: a likely duplicate and how far it is. */
export type NearbyIncident = IncidentDto & { distanceMetres: number };

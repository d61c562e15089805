import { eq, inArray } from 'drizzle-orm';
import { deadlineFrom, encodePath, findCategory, type Principal } from '@cityops/domain';
import { CreateIncident, type IncidentDto } from '@cityops/protocol';
import { incidents, photos as photoTable } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { badRequest, forbidden, parse } from '../http/errors.ts';
import { canSee } from '../auth/scope.ts';
import { appendEvent } from '../events/append-event.ts';
import { claimKey, completeKey, releaseKey, requestHash } from './idempotency.ts';
import { toDto } from './incident-row.ts';

export interface CreateResult {
  status: number;
  body: IncidentDto;
  replayed: boolean;
}

function reporterOf(p: Principal): { id: number | null; name: string | null } {
  return p.kind === 'user' ? { id: p.userId, name: p.username } : { id: null, name: null };
}

/** 上报: validate, place in a grid, set the deadline, write the incident and its event together. */
export async function createIncident({
  ctx,
  input,
  idempotencyKey,
}: {
  ctx: Ctx;
  input: unknown;
  idempotencyKey?: string | undefined;
}): Promise<CreateResult> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user' || principal.role === 'operator')
    throw forbidden('this account cannot report incidents');
  const body = parse(CreateIncident, input, 'incident');
  const category = findCategory(body.category);
  if (!category)
    throw badRequest(`unknown category ${body.category}`, {
      category: `unknown category ${body.category}`,
    });
  const grid = svc.regions.gridAt(body.lng, body.lat);
  if (!grid)
    throw badRequest('the location is outside every grid of the city', {
      lng: 'outside the city',
      lat: 'outside the city',
    });
  if (!canSee(svc.regions, principal, grid.path))
    throw forbidden('the location is outside your region');
  if (body.photos?.length) {
    const found = await svc.db
      .select({ sha: photoTable.sha256 })
      .from(photoTable)
      .where(inArray(photoTable.sha256, body.photos));
    if (found.length !== new Set(body.photos).size)
      throw badRequest('unknown photo', { photos: 'upload the photos first' });
  }

  const now = svc.now();
  let claim: Awaited<ReturnType<typeof claimKey>> | null = null;
  if (idempotencyKey !== undefined) {
    if (!/^[\w.:-]{1,128}$/.test(idempotencyKey)) {
      throw badRequest('invalid Idempotency-Key', {
        'Idempotency-Key': '1–128 letters, digits, or . _ : -',
      });
    }
    claim = await claimKey(svc.db, principal.userId, idempotencyKey, requestHash(body), now);
    if (claim.kind === 'replay')
      return { status: claim.status, body: claim.body as IncidentDto, replayed: true };
  }

  const reporter = reporterOf(principal);
  try {
    const dto = await svc.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(incidents)
        .values({
          state: 'reported',
          version: 1,
          categoryCode: category.code,
          priority: body.priority ?? 'normal',
          source: body.source ?? (principal.role === 'field' ? 'grid' : 'app'),
          description: body.description,
          address: body.address ?? null,
          lng: body.lng,
          lat: body.lat,
          gridCode: grid.code,
          path: encodePath(grid.path),
          reporterId: reporter.id,
          reporterName: body.reporterName ?? reporter.name,
          deadline: deadlineFrom(category, body.priority ?? 'normal', now),
          photos: body.photos ?? [],
          reportedAt: now,
          updatedAt: now,
        })
        .returning();
      const created = toDto(row!);
      if (claim?.kind === 'new') await completeKey(tx, claim.storageKey, 201, created);
      // Last: the event-order lock it takes is held until the commit.
      await appendEvent(tx, {
        type: 'incident.reported',
        at: now,
        actor: reporter.name,
        scope: grid.path,
        incidentId: created.id,
        data: { action: 'report', incident: created },
      });
      return created;
    });
    svc.signal.committed();
    return { status: 201, body: dto, replayed: false };
  } catch (err) {
    if (claim?.kind === 'new') await releaseKey(svc.db, claim.storageKey).catch(() => undefined);
    throw err;
  }
}

export async function incidentExists(ctx: Ctx, id: number): Promise<boolean> {
  const rows = await ctx.svc.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(eq(incidents.id, id));
  return rows.length > 0;
}

import { and, eq, gte, lte, ne, notInArray } from 'drizzle-orm';
import { distanceMetres } from '@cityops/domain';
import type { NearbyIncident } from '@cityops/protocol';
import { incidents } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { canSee } from '../auth/scope.ts';
import { notFound } from '../http/errors.ts';
import { toDto } from './incident-row.ts';

/** A likely duplicate lies within this distance of the incident … */
export const DUPLICATE_RADIUS_M = 200;
/** … and was reported within this long before or after it. */
export const DUPLICATE_WINDOW_MS = 72 * 3_600_000;

/**
 * GET /api/incidents/:id/nearby: open incidents of the same category within 200 m and 72 h of
 * this one, nearest first, in the caller's region: the likely duplicates a dispatcher may merge.
 */
export async function findNearby({
  ctx,
  id,
}: {
  ctx: Ctx;
  id: number;
}): Promise<{ items: NearbyIncident[] }> {
  const { svc, principal } = ctx;
  const [row] = await svc.db.select().from(incidents).where(eq(incidents.id, id));
  if (!row || !canSee(svc.regions, principal, toDto(row).path)) throw notFound(`incident ${id}`);
  const dLat = DUPLICATE_RADIUS_M / 111_320;
  const dLng = DUPLICATE_RADIUS_M / (111_320 * Math.cos((row.lat * Math.PI) / 180));
  const at = row.reportedAt.getTime();
  const rows = await svc.db
    .select()
    .from(incidents)
    .where(
      and(
        ne(incidents.id, id),
        eq(incidents.categoryCode, row.categoryCode),
        notInArray(incidents.state, ['closed', 'rejected']),
        gte(incidents.reportedAt, new Date(at - DUPLICATE_WINDOW_MS)),
        lte(incidents.reportedAt, new Date(at + DUPLICATE_WINDOW_MS)),
        gte(incidents.lat, row.lat - dLat),
        lte(incidents.lat, row.lat + dLat),
        gte(incidents.lng, row.lng - dLng),
        lte(incidents.lng, row.lng + dLng),
      ),
    )
    .limit(200);
  const items: NearbyIncident[] = [];
  for (const r of rows) {
    const dto = toDto(r);
    if (!canSee(svc.regions, principal, dto.path)) continue;
    const metres = distanceMetres([row.lng, row.lat], [r.lng, r.lat]);
    if (metres <= DUPLICATE_RADIUS_M) items.push({ ...dto, distanceMetres: Math.round(metres) });
  }
  items.sort((a, b) => a.distanceMetres - b.distanceMetres || a.id - b.id);
  return { items };
}

import { and, asc, desc, eq, gte, inArray, like, lt, lte, notInArray, type SQL } from 'drizzle-orm';
import { distanceMetres, encodePath } from '@cityops/domain';
import { IncidentQuery, type IncidentDetail, type IncidentPage } from '@cityops/protocol';
import { events, incidents } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { canSee, resolveScope } from '../auth/scope.ts';
import { notFound, parse } from '../http/errors.ts';
import { toWire } from '../events/append-event.ts';
import { toDto } from './incident-row.ts';

/** GET /api/incidents: filters within the caller's scope, newest first, cursor paging by id. */
export async function listIncidents({
  ctx,
  query,
}: {
  ctx: Ctx;
  query: unknown;
}): Promise<IncidentPage> {
  const q = parse(IncidentQuery, query, 'query');
  const scope = resolveScope(ctx.svc.regions, ctx.principal, q.scope);
  const where: SQL[] = [like(incidents.path, `${encodePath(scope.path)}%`)];
  if (q.state) where.push(inArray(incidents.state, q.state));
  if (q.category)
    where.push(
      q.category.includes('.')
        ? eq(incidents.categoryCode, q.category)
        : like(incidents.categoryCode, `${q.category}.%`),
    );
  if (q.department) where.push(eq(incidents.departmentCode, q.department));
  if (q.source) where.push(eq(incidents.source, q.source));
  if (q.overdue) where.push(eq(incidents.overdue, q.overdue === 'true'));
  if (q.open === 'true') where.push(notInArray(incidents.state, ['closed', 'rejected']));
  if (q.open === 'false') where.push(inArray(incidents.state, ['closed', 'rejected']));
  if (q.since) where.push(gte(incidents.reportedAt, new Date(q.since)));
  let centre: [number, number] | null = null;
  const radius = q.radius ?? 200;
  if (q.near) {
    const [lng, lat] = q.near.split(',').map(Number) as [number, number];
    centre = [lng, lat];
    const dLat = radius / 111_320;
    const dLng = radius / (111_320 * Math.cos((lat * Math.PI) / 180));
    where.push(
      gte(incidents.lat, lat - dLat),
      lte(incidents.lat, lat + dLat),
      gte(incidents.lng, lng - dLng),
      lte(incidents.lng, lng + dLng),
    );
  }
  if (q.cursor) {
    const c = Number.parseInt(q.cursor, 10);
    if (Number.isFinite(c)) where.push(lt(incidents.id, c));
  }
  const rows = await ctx.svc.db
    .select()
    .from(incidents)
    .where(and(...where))
    .orderBy(desc(incidents.id))
    .limit(q.limit + 1);
  let items = rows.slice(0, q.limit).map(toDto);
  if (centre) items = items.filter((i) => distanceMetres(centre, [i.lng, i.lat]) <= radius);
  const last = rows[q.limit - 1];
  return { items, nextCursor: rows.length > q.limit && last ? String(last.id) : null };
}

/** GET /api/incidents/:id with its whole event timeline. */
export async function getIncident({ ctx, id }: { ctx: Ctx; id: number }): Promise<IncidentDetail> {
  const [row] = await ctx.svc.db.select().from(incidents).where(eq(incidents.id, id));
  if (!row) throw notFound(`incident ${id}`);
  const dto = toDto(row);
  if (!canSee(ctx.svc.regions, ctx.principal, dto.path)) throw notFound(`incident ${id}`);
  const timeline = await ctx.svc.db
    .select()
    .from(events)
    .where(eq(events.incidentId, id))
    .orderBy(asc(events.id));
  const gridName = ctx.svc.regions.get(dto.gridCode)?.name ?? null;
  return { ...dto, gridName, timeline: timeline.map(toWire) };
}

import { and, eq } from 'drizzle-orm';
import { encodePath, isWithin, type Principal, type RegionPath } from '@cityops/domain';
import { CheckinRequest, type CheckinResult } from '@cityops/protocol';
import { checkins } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { badRequest, forbidden, parse } from '../http/errors.ts';
import { principalScope } from '../auth/scope.ts';
import type { Services } from '../context.ts';
import { appendEvent } from '../events/append-event.ts';

/**
 * Where a principal may check in. A grid worker's own scope is one grid, but patrols cross
 * grid lines: anywhere in the worker's street is accepted, and flagged when outside the grid.
 */
export function patrolArea(svc: Services, principal: Principal): RegionPath {
  const own = principalScope(svc.regions, principal).path;
  if (principal.kind !== 'user' || principal.role !== 'field' || !principal.gridCode) return own;
  const home = svc.regions.get(principal.gridCode);
  if (!home) return own;
  const street = home.path.findIndex((code) => svc.regions.get(code)?.level === 'street');
  return street >= 0 ? home.path.slice(0, street + 1) : own;
}

/**
 * How old a queued check-in may be. An older one is refused: its day starts the statistics'
 * history, which is rebuilt day by day from there (one from year 1 broke every daily report).
 */
export const MAX_CHECKIN_AGE_DAYS = 7;

/** 巡查打卡: a grid worker's position. Outside their own grid is allowed, and flagged. */
export async function checkIn({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: unknown;
}): Promise<CheckinResult> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user' || (principal.role !== 'field' && principal.role !== 'admin')) {
    throw forbidden('only grid workers check in');
  }
  const body = parse(CheckinRequest, input, 'check-in');
  if (body.at && svc.now().getTime() - Date.parse(body.at) > MAX_CHECKIN_AGE_DAYS * 86_400_000)
    throw badRequest('the check-in is too old', {
      at: `at most ${MAX_CHECKIN_AGE_DAYS} days ago`,
    });
  const grid = svc.regions.gridAt(body.lng, body.lat);
  if (!grid)
    throw badRequest('the location is outside every grid of the city', {
      lng: 'outside the city',
      lat: 'outside the city',
    });
  if (!isWithin(grid.path, patrolArea(svc, principal)))
    throw forbidden('the location is outside the street you patrol');
  const now = svc.now();
  // A queued offline check-in keeps the time it was made, but never a future one.
  const at = body.at && new Date(body.at) < now ? new Date(body.at) : now;
  const outsideGrid = principal.gridCode !== null && principal.gridCode !== grid.code;
  const kind = body.kind ?? 'checkin';
  if (body.at) {
    // A queued check-in sent again after a lost reply: same worker, time, place → the same check-in.
    const [dup] = await svc.db
      .select({
        id: checkins.id,
        gridCode: checkins.gridCode,
        outsideGrid: checkins.outsideGrid,
        at: checkins.at,
      })
      .from(checkins)
      .where(
        and(
          eq(checkins.userId, principal.userId),
          eq(checkins.at, at),
          eq(checkins.kind, kind),
          eq(checkins.lng, body.lng),
          eq(checkins.lat, body.lat),
        ),
      )
      .limit(1);
    if (dup)
      return {
        id: dup.id,
        gridCode: dup.gridCode,
        outsideGrid: dup.outsideGrid,
        at: dup.at.toISOString(),
      };
  }
  const result = await svc.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(checkins)
      .values({
        userId: principal.userId,
        gridCode: grid.code,
        homeGridCode: principal.gridCode,
        outsideGrid,
        path: encodePath(grid.path),
        kind,
        lng: body.lng,
        lat: body.lat,
        note: body.note ?? null,
        at,
      })
      .returning({ id: checkins.id });
    await appendEvent(tx, {
      type: 'patrol.checkin',
      at,
      actor: principal.username,
      scope: grid.path,
      incidentId: null,
      data: {
        userId: principal.userId,
        username: principal.username,
        name: principal.displayName,
        gridCode: grid.code,
        lng: body.lng,
        lat: body.lat,
        kind,
        outsideGrid,
        ...(body.note ? { note: body.note } : {}),
      },
    });
    return { id: row!.id, gridCode: grid.code, outsideGrid, at: at.toISOString() };
  });
  svc.signal.committed();
  return result;
}

import { encodePath } from '@cityops/domain';
import { CheckinRequest } from '@cityops/protocol';
import { checkins } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { badRequest, forbidden, parse } from '../http/errors.ts';
import { canSee } from '../auth/scope.ts';
import { appendEvent } from '../events/append-event.ts';

export interface CheckinResult {
  id: number;
  gridCode: string;
  outsideGrid: boolean;
  at: string;
}

/** 巡查打卡: a grid worker's position. Outside their own grid is allowed, and flagged. */
export async function checkIn({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<CheckinResult> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user' || (principal.role !== 'field' && principal.role !== 'admin')) {
    throw forbidden('only grid workers check in');
  }
  const body = parse(CheckinRequest, input, 'check-in');
  const grid = svc.regions.gridAt(body.lng, body.lat);
  if (!grid) throw badRequest('the location is outside every grid of the city', { lng: 'outside the city', lat: 'outside the city' });
  if (!canSee(svc.regions, principal, grid.path)) throw forbidden('the location is outside your region');
  const now = svc.now();
  // A queued offline check-in keeps the time it was made, but never a future one.
  const at = body.at && new Date(body.at) < now ? new Date(body.at) : now;
  const outsideGrid = principal.gridCode !== null && principal.gridCode !== grid.code;
  const kind = body.kind ?? 'checkin';
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
      data: { userId: principal.userId, username: principal.username, gridCode: grid.code, lng: body.lng, lat: body.lat, kind, outsideGrid, ...(body.note ? { note: body.note } : {}) },
    });
    return { id: row!.id, gridCode: grid.code, outsideGrid, at: at.toISOString() };
  });
  svc.signal.committed();
  return result;
}

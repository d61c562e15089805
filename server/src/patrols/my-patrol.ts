import type { MyPatrol } from '@cityops/protocol';
import { and, asc, eq, gte } from 'drizzle-orm';
import { localDayStart } from '@cityops/domain';
import { checkins } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { forbidden } from '../http/errors.ts';

/** GET /api/checkins/mine: the caller's own check-ins today (local day), oldest first. */
export async function myPatrol({ ctx }: { ctx: Ctx }): Promise<MyPatrol> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user') throw forbidden('display tokens have no patrols');
  const dayStart = localDayStart(svc.now(), svc.utcOffsetMinutes);
  const rows = await svc.db
    .select()
    .from(checkins)
    .where(and(eq(checkins.userId, principal.userId), gte(checkins.at, dayStart)))
    .orderBy(asc(checkins.at), asc(checkins.id))
    .limit(1000);
  let startedAt: string | null = null;
  for (const r of rows) {
    if (r.kind === 'start') startedAt = r.at.toISOString();
    if (r.kind === 'end') startedAt = null;
  }
  return {
    onPatrol: startedAt !== null,
    startedAt,
    gridCode: principal.gridCode,
    checkins: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      gridCode: r.gridCode,
      outsideGrid: r.outsideGrid,
      lng: r.lng,
      lat: r.lat,
      note: r.note,
      at: r.at.toISOString(),
    })),
  };
}

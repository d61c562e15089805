import { and, desc, eq, gte, like, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { computeKpis, encodePath, localDayStart, type KpiFigures } from '@cityops/domain';
import type { Event, Snapshot, WorkerPosition } from '@cityops/protocol';
import { checkins, events, incidents, users, type Tx } from '@cityops/db';
import type { Ctx, Services } from '../context.ts';
import type { RegionNode } from '../regions/region-index.ts';
import { maxEventId } from '../events/read-events.ts';
import { resolveScope } from '../auth/scope.ts';
import { toWire } from '../events/append-event.ts';
import { toDto } from '../incidents/incident-row.ts';

const DAY = 86_400_000;

/** The ticker's backlog in a snapshot: the newest events in scope. */
export const RECENT_EVENTS = 40;

/**
 * The incidents a board holds, under `prefix` (an encoded path with its `%`): every open one,
 * and the finished ones closed or reported today.
 */
export function onBoard(prefix: string, dayStart: Date): SQL {
  return and(
    like(incidents.path, prefix),
    or(
      notInArray(incidents.state, ['closed', 'rejected']),
      gte(incidents.closedAt, dayStart),
      gte(incidents.reportedAt, dayStart),
    ),
  )!;
}

/** Grid code → last check-in today, under `prefix`. */
async function gridVisits(tx: Tx, prefix: string, dayStart: Date): Promise<Map<string, string>> {
  const visits = await tx
    .select({ grid: checkins.gridCode, last: sql<Date>`max(${checkins.at})` })
    .from(checkins)
    .where(and(like(checkins.path, prefix), gte(checkins.at, dayStart)))
    .groupBy(checkins.gridCode);
  return new Map(visits.map((v) => [v.grid, new Date(v.last).toISOString()]));
}

async function recentEvents(tx: Tx, prefix: string): Promise<Event[]> {
  const rows = await tx
    .select()
    .from(events)
    .where(like(events.path, prefix))
    .orderBy(desc(events.id))
    .limit(RECENT_EVENTS);
  return rows.reverse().map(toWire);
}

/** What a snapshot takes from the region index for `scope`. */
export function scopeFields(
  svc: Services,
  scope: RegionNode,
): Pick<Snapshot, 'scope' | 'children' | 'gridCount'> {
  return {
    scope: svc.regions.summary(scope),
    children: svc.regions.children(scope.code).map((c) => svc.regions.summary(c)),
    gridCount: svc.regions.countGridsWithin(scope.code),
  };
}

/** A snapshot's reads besides its incidents (the KPI strip is counted over those). */
export interface SnapshotParts extends Pick<
  Snapshot,
  'workers' | 'yesterday' | 'recent' | 'hourly' | 'departmentReturns'
> {
  /** Grid code → last check-in today. */
  visits: Map<string, string>;
}

/** Read everything but the incidents under `prefix`, inside the caller's transaction. */
export async function readSnapshotParts(
  tx: Tx,
  q: { prefix: string; now: Date; dayStart: Date; gridCount: number; utcOffsetMinutes: number },
): Promise<SnapshotParts> {
  const { prefix, now, dayStart } = q;
  return {
    workers: await workerPositions(tx, prefix, dayStart),
    visits: await gridVisits(tx, prefix, dayStart),
    yesterday: await yesterdayFigures(tx, prefix, now, dayStart, q.gridCount),
    recent: await recentEvents(tx, prefix),
    hourly: await hourly(tx, prefix, dayStart, q.utcOffsetMinutes),
    departmentReturns: await departmentReturns(tx, prefix, dayStart),
  };
}

/**
 * Everything the board shows now for a scope, read in one repeatable-read transaction after
 * taking `lastEventId`: the client subscribes with `since = lastEventId` and applies by
 * version, so nothing between the two reads is lost or applied twice. This is the full view;
 * the board view (`?view=board`) is kept in memory by BoardSnapshots and brought up to date
 * from the events, with the same figures.
 */
export async function getSnapshot({
  ctx,
  scopeCode,
}: {
  ctx: Ctx;
  scopeCode?: string | undefined;
}): Promise<Snapshot> {
  const { svc, principal } = ctx;
  const scope = resolveScope(svc.regions, principal, scopeCode);
  const prefix = `${encodePath(scope.path)}%`;
  const now = svc.now();
  const dayStart = localDayStart(now, svc.utcOffsetMinutes);

  return svc.db.transaction(
    async (tx) => {
      const lastEventId = await maxEventId(tx);
      const list = (await tx.select().from(incidents).where(onBoard(prefix, dayStart))).map(toDto);
      const fields = scopeFields(svc, scope);
      const { visits, ...parts } = await readSnapshotParts(tx, {
        prefix,
        now,
        dayStart,
        gridCount: fields.gridCount,
        utcOffsetMinutes: svc.utcOffsetMinutes,
      });
      return {
        ...fields,
        ...parts,
        lastEventId,
        serverTime: now.toISOString(),
        gridVisits: Object.fromEntries(visits),
        kpis: computeKpis({
          incidents: list,
          workers: parts.workers,
          gridsVisited: visits.size,
          gridCount: fields.gridCount,
          now,
          dayStart,
        }),
        incidents: list,
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function workerPositions(tx: Tx, prefix: string, since: Date): Promise<WorkerPosition[]> {
  const rows = await tx
    .selectDistinctOn([checkins.userId], {
      userId: checkins.userId,
      username: users.username,
      name: users.displayName,
      gridCode: checkins.gridCode,
      lng: checkins.lng,
      lat: checkins.lat,
      at: checkins.at,
      kind: checkins.kind,
    })
    .from(checkins)
    .innerJoin(users, sql`${users.id} = ${checkins.userId}`)
    .where(and(like(checkins.path, prefix), gte(checkins.at, since)))
    .orderBy(checkins.userId, desc(checkins.at));
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

/** The KPI figures as they stood at this time yesterday, for the strip's deltas. */
export async function yesterdayFigures(
  tx: Tx,
  prefix: string,
  now: Date,
  dayStart: Date,
  gridCount: number,
): Promise<KpiFigures> {
  const t = new Date(now.getTime() - DAY);
  const yStart = new Date(dayStart.getTime() - DAY);
  // The incidents that mattered then: open at t, or reported/resolved/filed yesterday before t.
  const rows = await tx
    .select({
      state: incidents.state,
      reportedAt: incidents.reportedAt,
      filedAt: incidents.filedAt,
      resolvedAt: incidents.resolvedAt,
      closedAt: incidents.closedAt,
      deadline: incidents.deadline,
    })
    .from(incidents)
    .where(
      and(
        like(incidents.path, prefix),
        sql`${incidents.reportedAt} <= ${t}`,
        or(sql`${incidents.closedAt} is null`, sql`${incidents.closedAt} > ${yStart}`),
      ),
    );
  // Rewind each incident to time t: timestamps after t had not happened yet.
  const before = (d: Date | null): string | null => (d && d <= t ? d.toISOString() : null);
  const asThen = rows.map((r) => {
    const closed = r.closedAt && r.closedAt <= t;
    const resolved = before(r.resolvedAt);
    const state = closed
      ? r.state
      : resolved
        ? ('resolved' as const)
        : r.filedAt && r.filedAt <= t
          ? ('filed' as const)
          : ('reported' as const);
    return {
      state,
      reportedAt: r.reportedAt.toISOString(),
      filedAt: before(r.filedAt),
      resolvedAt: resolved,
      deadline: r.deadline.toISOString(),
      overdue: r.deadline <= t && !resolved,
    };
  });
  const workers = await tx
    .selectDistinctOn([checkins.userId], { at: checkins.at, kind: checkins.kind })
    .from(checkins)
    .where(and(like(checkins.path, prefix), gte(checkins.at, yStart), sql`${checkins.at} <= ${t}`))
    .orderBy(checkins.userId, desc(checkins.at));
  const [visited] = await tx
    .select({ n: sql<number>`count(distinct ${checkins.gridCode})::int` })
    .from(checkins)
    .where(and(like(checkins.path, prefix), gte(checkins.at, yStart), sql`${checkins.at} <= ${t}`));
  return computeKpis({
    incidents: asThen,
    workers: workers.map((w) => ({ at: w.at.toISOString(), kind: w.kind })),
    gridsVisited: visited?.n ?? 0,
    gridCount,
    now: t,
    dayStart: yStart,
  });
}

/**
 * Reports per local hour: today's, and the mean over the 7 days before today. Counted in the
 * database (48 groups back, not a row per report); the hour is localHour's, in SQL.
 */
async function hourly(
  tx: Tx,
  prefix: string,
  dayStart: Date,
  offset: number,
): Promise<{ today: number[]; avg7: number[] }> {
  const from = new Date(dayStart.getTime() - 7 * DAY);
  const isToday = sql<boolean>`${incidents.reportedAt} >= ${dayStart}`;
  const hour = sql<number>`extract(hour from (${incidents.reportedAt} at time zone 'UTC') + ${offset} * interval '1 minute')::int`;
  const rows = await tx
    .select({ today: isToday, hour, n: sql<number>`count(*)::int` })
    .from(incidents)
    .where(and(like(incidents.path, prefix), gte(incidents.reportedAt, from)))
    // By position: the same expression bound twice would be two parameters to Postgres.
    .groupBy(sql.raw('1'), sql.raw('2'));
  const today = new Array<number>(24).fill(0);
  const past = new Array<number>(24).fill(0);
  for (const r of rows) (r.today ? today : past)[Number(r.hour)] = Number(r.n);
  return { today, avg7: past.map((n) => Math.round((n / 7) * 10) / 10) };
}

/** Returns (退回) per department today: the returning department is in the event's data. */
async function departmentReturns(
  tx: Tx,
  prefix: string,
  dayStart: Date,
): Promise<Record<string, number>> {
  const dept = sql<string | null>`${events.data}->>'department'`;
  const rows = await tx
    .select({ department: dept, n: sql<number>`count(*)::int` })
    .from(events)
    .where(
      and(
        like(events.path, prefix),
        eq(events.type, 'incident.returned'),
        gte(events.at, dayStart),
      ),
    )
    .groupBy(dept);
  const out: Record<string, number> = {};
  for (const r of rows) if (r.department) out[r.department] = Number(r.n);
  return out;
}

/**
 * One local day of statistics, derived from the events: every counted event of the day, with
 * the department and deadline in force when it happened (looked up in the incident's earlier
 * events), turned into counts by the domain's `eventEffect`; plus patrol check-ins and the
 * incidents overdue and open at the end of the day (or at `until`, for today).
 */
import { sql } from 'drizzle-orm';
import {
  COUNTED_EVENT_TYPES,
  CLOCK_STATES,
  EMPTY_COUNTS,
  applyEffect,
  eventEffect,
  localHour,
  type IndicatorCounts,
} from '@cityops/domain';
import type { DbOrTx, statsDaily, statsOverdue } from '@cityops/db';

export type RollupRow = typeof statsDaily.$inferInsert & {
  resolutionMinutes: number[];
  reportedByHour: number[];
  checkins: number;
  overdueOpen: number;
};
export type OverdueRow = typeof statsOverdue.$inferInsert;

export interface BuiltDay {
  rows: RollupRow[];
  overdue: OverdueRow[];
}

interface EventRow {
  type: string;
  action: string | null;
  passed: boolean | null;
  at: number;
  grid_code: string;
  path: string;
  category_code: string;
  source: string;
  reported_at: number;
  department: string | null;
  deadline: number | null;
}

interface CheckinRow {
  path: string;
  grid: string;
  n: number;
}

interface OverdueQueryRow {
  id: number | string;
  path: string;
  grid_code: string;
  category_code: string;
  source: string;
  state: string;
  department: string | null;
  reported_at: number;
  deadline: number;
  overdue_since: number | null;
}

const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);

/** Rows of a raw query, PGlite and node-postgres alike. */
export async function rowsOf<T>(db: DbOrTx, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * Build the rollup of the day [start, until) for paths under `prefix` ('' for everything).
 * `until` is the end of the day for a closed day, or now for today.
 */
export async function buildDay(
  db: DbOrTx,
  opts: {
    day: string;
    start: Date;
    until: Date;
    prefix: string;
    utcOffsetMinutes: number;
    /** The day before, already in the rollup (its overdue list seeds today's); null before the history. */
    previousDay: string | null;
  },
): Promise<BuiltDay> {
  const { day, start, until, prefix } = opts;
  const like = `${prefix}%`;
  const types = sql.join(
    COUNTED_EVENT_TYPES.map((t) => sql`${t}`),
    sql`, `,
  );
  const events = await rowsOf<EventRow>(
    db,
    sql`
    select e.type, e.data->>'action' as action, (e.data->>'passed')::boolean as passed, ${ms('e.at')} as at,
      i.grid_code, i.path, i.category_code, i.source, ${ms('i.reported_at')} as reported_at,
      case
        when e.type in ('incident.dispatched', 'incident.returned') then e.data->>'department'
        when e.type in ('incident.reported', 'incident.filed', 'incident.rejected', 'incident.merged') then null
        else (select p.data->'after'->>'department' from events p
              where p.incident_id = e.incident_id and p.id < e.id and p.data->'after' ? 'department'
              order by p.id desc limit 1)
      end as department,
      case when e.type in ('incident.resolved', 'incident.closed') then
        (extract(epoch from coalesce(
          (select (p.data->'after'->>'deadline')::timestamptz from events p
           where p.incident_id = e.incident_id and p.id < e.id and p.data->'after' ? 'deadline'
           order by p.id desc limit 1),
          (select (r.data->'incident'->>'deadline')::timestamptz from events r
           where r.incident_id = e.incident_id and r.type = 'incident.reported' limit 1)
        )) * 1000)::float8
      end as deadline
    from events e join incidents i on i.id = e.incident_id
    where e.at >= ${start} and e.at < ${until} and e.type in (${types}) and e.path like ${like}`,
  );

  const rows = new Map<string, RollupRow & IndicatorCounts>();
  const rowFor = (
    grid: string,
    path: string,
    department: string,
    category: string,
    source: string,
  ): RollupRow & IndicatorCounts => {
    const key = `${grid}|${department}|${category}|${source}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        day,
        path,
        gridCode: grid,
        departmentCode: department,
        categoryCode: category,
        source,
        ...EMPTY_COUNTS,
        overdueOpen: 0,
        checkins: 0,
        resolutionMinutes: [],
        reportedByHour: new Array<number>(24).fill(0),
      };
      rows.set(key, row);
    }
    return row;
  };

  for (const e of events) {
    const effect = eventEffect({
      type: e.type,
      action: e.action,
      passed: e.passed,
      at: new Date(e.at),
      reportedAt: new Date(e.reported_at),
      deadline: e.deadline === null ? null : new Date(e.deadline),
    });
    if (!effect) continue;
    const row = rowFor(e.grid_code, e.path, e.department ?? '', e.category_code, e.source);
    applyEffect(row, effect);
    if (effect.resolutionMinutes !== undefined)
      row.resolutionMinutes.push(effect.resolutionMinutes);
    if (e.type === 'incident.reported')
      row.reportedByHour[localHour(new Date(e.at), opts.utcOffsetMinutes)]!++;
  }

  const checkins = await rowsOf<CheckinRow>(
    db,
    sql`select path, data->>'gridCode' as grid, count(*)::int as n from events
        where type = 'patrol.checkin' and at >= ${start} and at < ${until} and path like ${like}
        group by 1, 2`,
  );
  for (const c of checkins) rowFor(c.grid, c.path, '', '', '').checkins += Number(c.n);

  const overdue = await overdueAt(db, { t: until, start, like, previousDay: opts.previousDay });
  const overdueRows: OverdueRow[] = [];
  for (const o of overdue) {
    rowFor(o.grid_code, o.path, o.department ?? '', o.category_code, o.source).overdueOpen++;
    overdueRows.push({
      day,
      incidentId: Number(o.id),
      path: o.path,
      gridCode: o.grid_code,
      categoryCode: o.category_code,
      departmentCode: o.department,
      reportedAt: new Date(o.reported_at),
      deadline: new Date(o.deadline),
      overdueSince: o.overdue_since === null ? null : new Date(o.overdue_since),
      state: o.state,
    });
  }
  return { rows: [...rows.values()], overdue: overdueRows };
}

/**
 * Incidents open with the clock running and flagged overdue at time `t`, replaying each
 * candidate's events up to `t`. Only the SLA clock's mark sets the flag, and only a rework
 * restarts a stopped clock, so every such incident was already overdue and open at the end of
 * the day before (the stored list) or was marked overdue or reworked since: the candidates.
 */
function overdueAt(
  db: DbOrTx,
  o: { t: Date; start: Date; like: string; previousDay: string | null },
): Promise<OverdueQueryRow[]> {
  const { t, like } = o;
  const clock = sql.join(
    CLOCK_STATES.map((s) => sql`${s}`),
    sql`, `,
  );
  const previous =
    o.previousDay === null
      ? sql``
      : sql`select incident_id as id from stats_overdue where day = ${o.previousDay}::date union `;
  return rowsOf<OverdueQueryRow>(
    db,
    sql`
    with cand as (
      ${previous}select distinct incident_id as id from events
      where type in ('incident.overdue', 'incident.reworked') and at >= ${o.start} and at < ${t} and path like ${like}
    )
    select * from (
      select i.id, i.path, i.grid_code, i.category_code, i.source, ${ms('i.reported_at')} as reported_at,
        coalesce(
          (select p.data->'after'->>'state' from events p
           where p.incident_id = i.id and p.at < ${t} and p.data->'after' ? 'state' order by p.id desc limit 1),
          'reported') as state,
        (select p.data->'after'->>'overdue' from events p
         where p.incident_id = i.id and p.at < ${t} and p.data->'after' ? 'overdue' order by p.id desc limit 1) as overdue,
        (select p.data->'after'->>'department' from events p
         where p.incident_id = i.id and p.at < ${t} and p.data->'after' ? 'department' order by p.id desc limit 1) as department,
        (extract(epoch from coalesce(
          (select (p.data->'after'->>'deadline')::timestamptz from events p
           where p.incident_id = i.id and p.at < ${t} and p.data->'after' ? 'deadline' order by p.id desc limit 1),
          (select (r.data->'incident'->>'deadline')::timestamptz from events r
           where r.incident_id = i.id and r.type = 'incident.reported' limit 1)
        )) * 1000)::float8 as deadline,
        (select ${ms('o.at')} from events o
         where o.incident_id = i.id and o.type = 'incident.overdue' and o.at < ${t} order by o.id desc limit 1) as overdue_since
      from incidents i join cand on cand.id = i.id
      where i.path like ${like}
    ) c
    where c.state in (${clock}) and c.overdue = 'true'
    order by c.deadline, c.id`,
  );
}

/**
 * One local day of statistics, derived from the events: every counted event of the day, with
 * the department and deadline in force when it happened (looked up in the incident's earlier
 * events), turned into counts by the domain's `eventEffect`; plus patrol check-ins and the
 * incidents overdue and open at the end of the day (or at `until`, for today).
 */
import { sql, type SQL } from 'drizzle-orm';
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

export interface OverdueQueryRow {
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

/** A day's rows by grid × department × category × source, as events are added to them. */
export type DayRows = Map<string, RollupRow & IndicatorCounts>;

/** The row of `rows` for a key, made empty when it is not there yet. */
function rowFor(
  rows: DayRows,
  day: string,
  k: { grid: string; path: string; department: string; category: string; source: string },
): RollupRow & IndicatorCounts {
  const key = `${k.grid}|${k.department}|${k.category}|${k.source}`;
  let row = rows.get(key);
  if (!row) {
    row = {
      day,
      path: k.path,
      gridCode: k.grid,
      departmentCode: k.department,
      categoryCode: k.category,
      source: k.source,
      ...EMPTY_COUNTS,
      overdueOpen: 0,
      checkins: 0,
      resolutionMinutes: [],
      reportedByHour: new Array<number>(24).fill(0),
    };
    rows.set(key, row);
  }
  return row;
}

/** Which events of [start, until) under `like` to read: all, or only ids in (after, upTo]. */
export interface EventWindow {
  start: Date;
  until: Date;
  like: string;
  ids?: { after: number; upTo: number };
}

const idsWithin = (w: EventWindow, column: string): SQL =>
  w.ids
    ? sql`and ${sql.raw(column)} > ${w.ids.after} and ${sql.raw(column)} <= ${w.ids.upTo}`
    : sql``;

/**
 * Add the counted events and patrol check-ins of a window to `rows`, each counted event with
 * the department and deadline in force when it happened.
 */
export async function addEvents(
  db: DbOrTx,
  rows: DayRows,
  o: { day: string; window: EventWindow; utcOffsetMinutes: number },
): Promise<void> {
  const { start, until, like } = o.window;
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
    where e.at >= ${start} and e.at < ${until} and e.type in (${types}) and e.path like ${like}
      ${idsWithin(o.window, 'e.id')}`,
  );
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
    const row = rowFor(rows, o.day, {
      grid: e.grid_code,
      path: e.path,
      department: e.department ?? '',
      category: e.category_code,
      source: e.source,
    });
    applyEffect(row, effect);
    if (effect.resolutionMinutes !== undefined)
      row.resolutionMinutes.push(effect.resolutionMinutes);
    if (e.type === 'incident.reported')
      row.reportedByHour[localHour(new Date(e.at), o.utcOffsetMinutes)]!++;
  }

  const checkins = await rowsOf<CheckinRow>(
    db,
    sql`select path, data->>'gridCode' as grid, count(*)::int as n from events
        where type = 'patrol.checkin' and at >= ${start} and at < ${until} and path like ${like}
          ${idsWithin(o.window, 'id')}
        group by 1, 2`,
  );
  for (const c of checkins) {
    const key = { grid: c.grid, path: c.path, department: '', category: '', source: '' };
    rowFor(rows, o.day, key).checkins += Number(c.n);
  }
}

/**
 * The day's rows under `prefix` with the overdue open counted in, and the overdue list in
 * deadline order. `rows` itself is left as it is.
 */
export function withOverdue(
  day: string,
  rows: DayRows,
  overdue: readonly OverdueQueryRow[],
  prefix = '',
): BuiltDay {
  const out: DayRows = new Map();
  for (const [key, row] of rows) if (row.path.startsWith(prefix)) out.set(key, { ...row });
  const listed = overdue
    .filter((o) => o.path.startsWith(prefix))
    .sort((a, b) => a.deadline - b.deadline || Number(a.id) - Number(b.id));
  const overdueRows: OverdueRow[] = [];
  for (const o of listed) {
    const key = {
      grid: o.grid_code,
      path: o.path,
      department: o.department ?? '',
      category: o.category_code,
      source: o.source,
    };
    rowFor(out, day, key).overdueOpen++;
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
  return { rows: [...out.values()], overdue: overdueRows };
}

export interface DayOptions {
  day: string;
  start: Date;
  until: Date;
  prefix: string;
  utcOffsetMinutes: number;
  /** The day before, already in the rollup (its overdue list seeds today's); null before the history. */
  previousDay: string | null;
}

/**
 * Build the rollup of the day [start, until) for paths under `prefix` ('' for everything).
 * `until` is the end of the day for a closed day, or now for today.
 */
export async function buildDay(db: DbOrTx, opts: DayOptions): Promise<BuiltDay> {
  const { day, start, until, prefix } = opts;
  const like = `${prefix}%`;
  const rows: DayRows = new Map();
  await addEvents(db, rows, {
    day,
    window: { start, until, like },
    utcOffsetMinutes: opts.utcOffsetMinutes,
  });
  const overdue = await overdueAt(db, { t: until, start, like, previousDay: opts.previousDay });
  return withOverdue(day, rows, overdue);
}

/**
 * Incidents open with the clock running and flagged overdue at time `t`, replaying each
 * candidate's events up to `t`. Only the SLA clock's mark sets the flag, and only a rework
 * restarts a stopped clock, so every such incident was already overdue and open at the end of
 * the day before (the stored list) or was marked overdue or reworked since: the candidates.
 * A listed incident without an event since is as the list says; only the others are replayed.
 */
export function overdueAt(
  db: DbOrTx,
  o: { t: Date; start: Date; like: string; previousDay: string | null },
): Promise<OverdueQueryRow[]> {
  const { t, like } = o;
  const marked = sql`select distinct incident_id as id from events
      where type in ('incident.overdue', 'incident.reworked') and at >= ${o.start} and at < ${t} and path like ${like}`;
  if (o.previousDay === null)
    return rowsOf<OverdueQueryRow>(db, sql`${replay(marked, t, like)} order by deadline, id`);
  return rowsOf<OverdueQueryRow>(
    db,
    sql`
    with listed as (select * from stats_overdue where day = ${o.previousDay}::date),
    touched as (
      select distinct incident_id as id from events
      where at >= ${o.start} and at < ${t} and incident_id is not null
    )
    select * from (
      ${replay(sql`select incident_id as id from listed where incident_id in (select id from touched) union ${marked}`, t, like)}
      union all
      select i.id, i.path, i.grid_code, i.category_code, i.source, ${ms('i.reported_at')} as reported_at,
        l.state, 'true' as overdue, l.department_code as department, ${ms('l.deadline')} as deadline,
        ${ms('l.overdue_since')} as overdue_since
      from listed l join incidents i on i.id = l.incident_id
      where i.path like ${like} and l.incident_id not in (select id from touched)
    ) x
    order by deadline, id`,
  );
}

/** Of the incidents `ids`, those open with the clock running and flagged overdue at `t`. */
export async function overdueAmong(
  db: DbOrTx,
  o: { t: Date; ids: readonly number[] },
): Promise<OverdueQueryRow[]> {
  if (o.ids.length === 0) return [];
  const cand = sql`select (jsonb_array_elements_text(${JSON.stringify(o.ids)}::jsonb))::bigint as id`;
  return rowsOf<OverdueQueryRow>(db, replay(cand, o.t, '%'));
}

/** The candidates `cand` (a query of ids) under `like` that are overdue and open at `t`. */
function replay(cand: SQL, t: Date, like: string): SQL {
  const clock = sql.join(
    CLOCK_STATES.map((s) => sql`${s}`),
    sql`, `,
  );
  return sql`
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
      from incidents i join (${cand}) cand on cand.id = i.id
      where i.path like ${like}
    ) c
    where c.state in (${clock}) and c.overdue = 'true'`;
}

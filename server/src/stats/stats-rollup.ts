/**
 * Keeps the daily rollup: a closed local day is built from the events once and stored; today is
 * always built live. Events are appended in time order, so a closed day never changes; should an
 * event ever land in a built day (a history import), the days from it on are dropped and rebuilt.
 */
import { and, eq, gte, lte, sql } from 'drizzle-orm';
import { addDays, dayStartOf, localDate } from '@cityops/domain';
import { statsDaily, statsDays, statsOverdue, systemState, type Db, type Tx } from '@cityops/db';
import { buildDay, rowsOf } from './build-day.ts';

const WATERMARK_KEY = 'stats.watermark';
/** Serialises builders across server processes sharing one Postgres. */
const BUILD_LOCK = 727_002;
const INSERT_BATCH = 5_000;
const ANALYZE_AFTER_DAYS = 7;

/** [row key, column, SQL type] of the rollup tables, for the JSON bulk insert. */
type ColumnSpec = readonly [string, string, string];
const DAILY_COLUMNS: ColumnSpec[] = [
  ['day', 'day', 'date'],
  ['path', 'path', 'text'],
  ['gridCode', 'grid_code', 'text'],
  ['departmentCode', 'department_code', 'text'],
  ['categoryCode', 'category_code', 'text'],
  ['source', 'source', 'text'],
  ...(
    [
      'reported',
      'filed',
      'filedOnTime',
      'rejected',
      'dispatched',
      'returned',
      'resolved',
      'resolvedOnTime',
      'closed',
      'selfResolved',
      'reworked',
      'extensionsRequested',
      'overdueOpen',
      'checkins',
    ] as const
  ).map((k): ColumnSpec => [k, k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), 'integer']),
  ['resolutionMinutes', 'resolution_minutes', 'double precision[]'],
  ['reportedByHour', 'reported_by_hour', 'integer[]'],
];
const OVERDUE_COLUMNS: ColumnSpec[] = [
  ['day', 'day', 'date'],
  ['incidentId', 'incident_id', 'bigint'],
  ['path', 'path', 'text'],
  ['gridCode', 'grid_code', 'text'],
  ['categoryCode', 'category_code', 'text'],
  ['departmentCode', 'department_code', 'text'],
  ['reportedAt', 'reported_at', 'timestamptz'],
  ['deadline', 'deadline', 'timestamptz'],
  ['overdueSince', 'overdue_since', 'timestamptz'],
  ['state', 'state', 'text'],
];

/**
 * Rows travel as one JSON parameter per batch, unpacked by json_to_recordset: far quicker than
 * a bind parameter per cell, on PGlite above all.
 */
async function insertJson(
  tx: Tx,
  table: string,
  columns: ColumnSpec[],
  rows: readonly object[],
): Promise<void> {
  const list = sql.raw(columns.map(([, c]) => `"${c}"`).join(', '));
  const types = sql.raw(columns.map(([, c, t]) => `"${c}" ${t}`).join(', '));
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const batch = rows.slice(i, i + INSERT_BATCH).map((r) => {
      const o: Record<string, unknown> = {};
      for (const [k, c] of columns) o[c] = (r as Record<string, unknown>)[k] ?? null;
      return o;
    });
    await tx.execute(
      sql`insert into ${sql.raw(table)} (${list}) select ${list} from json_to_recordset(${JSON.stringify(batch)}::json) as x(${types})`,
    );
  }
}

export class StatsRollup {
  #chain: Promise<unknown> = Promise.resolve();
  #firstDay: { at: number; day: string | null } | null = null;

  constructor(
    private readonly db: Db,
    private readonly utcOffsetMinutes: number,
    private readonly now: () => Date,
  ) {}

  /** Make sure each closed day among `days` is built (today and future days are skipped). */
  ensure(days: readonly string[]): Promise<void> {
    const run = this.#chain.then(() => this.#ensure(days));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Days are built in date order from the first event's day: each day's overdue list starts from
   * the day before's. Days before the history are recorded as built, empty.
   */
  async #ensure(days: readonly string[]): Promise<void> {
    await this.#invalidate();
    const today = localDate(this.now(), this.utcOffsetMinutes);
    const closed = [...new Set(days)].filter((d) => d < today).sort();
    if (closed.length === 0) return;
    const first = await this.firstDay();
    const last = closed[closed.length - 1]!;
    const from = first === null ? closed[0]! : first < closed[0]! ? first : closed[0]!;
    const built = new Set(
      (
        await this.db
          .select({ day: statsDays.day })
          .from(statsDays)
          .where(and(gte(statsDays.day, from), lte(statsDays.day, last)))
      ).map((r) => r.day),
    );
    const wanted = new Set(closed);
    let added = 0;
    for (let day = from; day <= last; day = addDays(day, 1)) {
      if (built.has(day)) continue;
      const beforeHistory = first === null || day < first;
      // Before the history a day is empty; only requested ones need recording.
      if (beforeHistory && !wanted.has(day)) continue;
      await this.#build(
        day,
        beforeHistory,
        first !== null && addDays(day, -1) >= first ? addDays(day, -1) : null,
      );
      added++;
    }
    // After a history's worth of days the planner's row counts are far off (and PGlite has no
    // autovacuum to fix them): report queries would be planned for a near-empty table.
    if (added >= ANALYZE_AFTER_DAYS) await this.db.execute(sql`analyze stats_daily, stats_overdue`);
  }

  async #build(day: string, empty: boolean, previousDay: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${BUILD_LOCK})`);
      // See readStats: the day's look-ups cost more to JIT-compile than to run.
      await tx.execute(sql`set local jit = off`);
      const [done] = await tx
        .select({ day: statsDays.day })
        .from(statsDays)
        .where(eq(statsDays.day, day));
      if (done) return;
      const [m] = await rowsOf<{ max: string }>(
        tx,
        sql`select coalesce(max(id), 0)::text as max from events`,
      );
      const start = dayStartOf(day, this.utcOffsetMinutes);
      const until = dayStartOf(addDays(day, 1), this.utcOffsetMinutes);
      const built = empty
        ? { rows: [], overdue: [] }
        : await buildDay(tx, {
            day,
            start,
            until,
            prefix: '',
            utcOffsetMinutes: this.utcOffsetMinutes,
            previousDay,
          });
      await tx.delete(statsDaily).where(eq(statsDaily.day, day));
      await tx.delete(statsOverdue).where(eq(statsOverdue.day, day));
      // In path order, a region's rows of a day sit on few pages.
      const rows = built.rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      await insertJson(tx, 'stats_daily', DAILY_COLUMNS, rows);
      await insertJson(tx, 'stats_overdue', OVERDUE_COLUMNS, built.overdue);
      await tx
        .insert(statsDays)
        .values({ day, lastEventId: Number(m?.max ?? 0), builtAt: new Date() });
    });
  }

  /**
   * Drop built days that events newer than the watermark fall into. Normally those events are
   * all from today and nothing is dropped; the check reads only events past the watermark.
   */
  async #invalidate(): Promise<void> {
    const [state] = await this.db
      .select()
      .from(systemState)
      .where(eq(systemState.key, WATERMARK_KEY));
    const watermark = Number((state?.value as { eventId?: number } | undefined)?.eventId ?? 0);
    const [fresh] = await rowsOf<{ min_at: number | null; max_id: string | null }>(
      this.db,
      sql`select (extract(epoch from min(at)) * 1000)::float8 as min_at, max(id)::text as max_id from events where id > ${watermark}`,
    );
    if (!fresh || fresh.max_id === null) return;
    if (fresh.min_at !== null) {
      this.#firstDay = null;
      const from = localDate(new Date(Number(fresh.min_at)), this.utcOffsetMinutes);
      await this.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${BUILD_LOCK})`);
        await tx.delete(statsDays).where(sql`${statsDays.day} >= ${from}::date`);
        await tx.delete(statsDaily).where(sql`${statsDaily.day} >= ${from}::date`);
        await tx.delete(statsOverdue).where(sql`${statsOverdue.day} >= ${from}::date`);
      });
    }
    const value = { eventId: Number(fresh.max_id) };
    await this.db
      .insert(systemState)
      .values({ key: WATERMARK_KEY, value })
      .onConflictDoUpdate({ target: systemState.key, set: { value } });
  }

  /** The first local day with any event (the history's start), or null on an empty database. */
  async firstDay(): Promise<string | null> {
    if (this.#firstDay && Date.now() - this.#firstDay.at < 60_000) return this.#firstDay.day;
    const day = await this.#queryFirstDay();
    this.#firstDay = { at: Date.now(), day };
    return day;
  }

  async #queryFirstDay(): Promise<string | null> {
    const [r] = await rowsOf<{ at: number | null }>(
      this.db,
      sql`select (extract(epoch from min(at)) * 1000)::float8 as at from events`,
    );
    return r?.at === null || r?.at === undefined
      ? null
      : localDate(new Date(Number(r.at)), this.utcOffsetMinutes);
  }
}

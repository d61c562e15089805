/**
 * Today's rollup, kept up to date from the events instead of rebuilt on every request: each
 * read adds the events appended since the last one (event ids commit in id order, so "after id
 * N" misses nothing) and replays only the incidents they touch for the overdue list.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@cityops/db';
import {
  addEvents,
  overdueAmong,
  overdueAt,
  rowsOf,
  withOverdue,
  type BuiltDay,
  type DayOptions,
  type DayRows,
  type OverdueQueryRow,
} from './build-day.ts';

interface LiveState {
  day: string;
  previousDay: string | null;
  until: Date;
  /** Every event up to this id is in; none above it is. */
  lastId: number;
  /** City-wide, without the overdue counts (those come from `overdue`). */
  rows: DayRows;
  overdue: Map<number, OverdueQueryRow>;
}

export type LiveDayOptions = DayOptions;

export class LiveDay {
  #state: LiveState | null = null;
  #chain: Promise<unknown> = Promise.resolve();

  /** The day [start, until) under `prefix`, as `buildDay` would build it. One read at a time. */
  read(db: DbOrTx, o: LiveDayOptions): Promise<BuiltDay> {
    const run = this.#chain.then(() => this.#read(db, o));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #read(db: DbOrTx, o: LiveDayOptions): Promise<BuiltDay> {
    const kept = this.#state;
    const s =
      kept && kept.day === o.day && kept.previousDay === o.previousDay && kept.until <= o.until
        ? kept
        : null;
    this.#state = null; // until this read has fully gone through
    const upTo = await lastIdBefore(db, s?.lastId ?? 0, o.until);
    const state = s ? await this.#catchUp(db, o, s, upTo) : await build(db, o, upTo);
    state.until = o.until;
    this.#state = state;
    return withOverdue(o.day, state.rows, [...state.overdue.values()], o.prefix);
  }

  /** Add the events in (lastId, upTo]; an event dated before today means building afresh. */
  async #catchUp(db: DbOrTx, o: LiveDayOptions, s: LiveState, upTo: number): Promise<LiveState> {
    if (upTo <= s.lastId) return s;
    const fresh = await newEvents(db, s.lastId, upTo);
    // A late event in a closed day has the rollup rebuilt from it, yesterday's list included.
    if (fresh.firstAt !== null && fresh.firstAt < o.start.getTime()) return build(db, o, upTo);
    const window = { start: o.start, until: o.until, like: '%', ids: { after: s.lastId, upTo } };
    await addEvents(db, s.rows, { day: o.day, window, utcOffsetMinutes: o.utcOffsetMinutes });
    const replayed = await overdueAmong(db, { t: o.until, ids: fresh.touched });
    for (const id of fresh.touched) s.overdue.delete(id);
    for (const r of replayed) s.overdue.set(Number(r.id), r);
    s.lastId = upTo;
    return s;
  }
}

async function build(db: DbOrTx, o: LiveDayOptions, upTo: number): Promise<LiveState> {
  const rows: DayRows = new Map();
  const window = { start: o.start, until: o.until, like: '%', ids: { after: 0, upTo } };
  await addEvents(db, rows, { day: o.day, window, utcOffsetMinutes: o.utcOffsetMinutes });
  const overdue = await overdueAt(db, {
    t: o.until,
    start: o.start,
    like: '%',
    previousDay: o.previousDay,
  });
  return {
    day: o.day,
    previousDay: o.previousDay,
    until: o.until,
    lastId: upTo,
    rows,
    overdue: new Map(overdue.map((r) => [Number(r.id), r])),
  };
}

/**
 * The highest id such that every event above `after` up to it happened before `until`: the
 * events a read at `until` may take in (later ones wait for a later read).
 */
async function lastIdBefore(db: DbOrTx, after: number, until: Date): Promise<number> {
  const [r] = await rowsOf<{ stop: string | null; max: string | null }>(
    db,
    sql`select (select min(id) from events where id > ${after} and at >= ${until})::text as stop,
      (select max(id) from events)::text as max`,
  );
  if (r?.stop) return Number(r.stop) - 1;
  return Number(r?.max ?? 0);
}

/** The incidents the events in (after, upTo] touch, and the earliest of their times. */
async function newEvents(
  db: DbOrTx,
  after: number,
  upTo: number,
): Promise<{ touched: number[]; firstAt: number | null }> {
  const [r] = await rowsOf<{ touched: (number | string)[] | null; first_at: number | null }>(
    db,
    sql`select jsonb_agg(distinct incident_id) filter (where incident_id is not null) as touched,
      (extract(epoch from min(at)) * 1000)::float8 as first_at
      from events where id > ${after} and id <= ${upTo}`,
  );
  return {
    touched: (r?.touched ?? []).map(Number),
    firstAt: r?.first_at === null || r?.first_at === undefined ? null : Number(r.first_at),
  };
}

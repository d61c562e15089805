/**
 * Adding up rollup rows by some key (day, region, department, category ...), either in memory
 * (today's rows, built live) or in the database (closed days). Both give the same `Acc`;
 * `indicators()` from the domain turns one into the figures.
 */
import { sql, type SQL } from 'drizzle-orm';
import {
  EMPTY_TOTALS,
  indicators,
  type Indicators,
  type StatTotals,
  type StatsRow,
} from '@cityops/domain';
import type { DbOrTx } from '@cityops/db';
import { rowsOf, type RollupRow } from './build-day.ts';

export interface Acc {
  totals: StatTotals;
  minutes: number[];
  /** Grids with a patrol check-in (distinct over the rows added). */
  visited: Set<string>;
}

export function emptyAcc(): Acc {
  return { totals: { ...EMPTY_TOTALS }, minutes: [], visited: new Set() };
}

const SUMMED = [
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
] as const;

export function addRow(acc: Acc, row: RollupRow): void {
  const t = acc.totals;
  for (const k of SUMMED) t[k] += row[k] ?? 0;
  if (row.source === 'grid') t.gridReported += row.reported ?? 0;
  for (const m of row.resolutionMinutes) acc.minutes.push(m);
  if ((row.checkins ?? 0) > 0) acc.visited.add(row.gridCode);
}

export function mergeAcc(into: Acc, from: Acc): void {
  for (const k of SUMMED) into.totals[k] += from.totals[k];
  into.totals.gridReported += from.totals.gridReported;
  for (const m of from.minutes) into.minutes.push(m);
  for (const g of from.visited) into.visited.add(g);
}

export function finish(
  acc: Acc | undefined,
  place: { gridCount: number; workers: number },
): Indicators {
  const a = acc ?? emptyAcc();
  return indicators({ ...a.totals, gridsVisited: a.visited.size }, a.minutes, place);
}

export function accumulateRows(
  rows: Iterable<RollupRow>,
  keyOf: (row: RollupRow) => string | null,
): Map<string, Acc> {
  const out = new Map<string, Acc>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    let acc = out.get(key);
    if (!acc) out.set(key, (acc = emptyAcc()));
    addRow(acc, row);
  }
  return out;
}

/** Group keys the database can add up by. `region` is the path segment at `depth`. */
export type SqlKey =
  | { kind: 'day' | 'department' | 'category' | 'source' | 'grid' | 'all' }
  | { kind: 'region'; depth: number };

interface SumRow {
  key: string;
  reported: number;
  filed: number;
  filed_on_time: number;
  rejected: number;
  dispatched: number;
  returned: number;
  resolved: number;
  resolved_on_time: number;
  closed: number;
  self_resolved: number;
  reworked: number;
  extensions_requested: number;
  overdue_open: number;
  grid_reported: number;
  visited: string[] | null;
}

/**
 * Add up the stored rollup of `days` under `prefix` by `key`. `overdueOpen` is summed over the
 * days given: pass a single day for it to mean "at the end of that day".
 */
export async function accumulateSql(
  db: DbOrTx,
  opts: { days: string[]; prefix: string; key: SqlKey; minutes?: boolean },
): Promise<Map<string, Acc>> {
  const sets = await accumulateSets(db, {
    days: opts.days,
    prefix: opts.prefix,
    sets: [opts.key],
    minutes: opts.minutes !== false,
  });
  return sets.get(opts.key.kind) ?? new Map();
}

/** Reports per day and local hour from the stored rollup (24 plain sums: no unnest). */
export async function hourlySql(
  db: DbOrTx,
  days: string[],
  prefix: string,
): Promise<{ day: string; hour: number; n: number }[]> {
  if (days.length === 0) return [];
  const sums = sql.raw(
    Array.from({ length: 24 }, (_, h) => `sum(reported_by_hour[${h + 1}])::int as h${h}`).join(
      ', ',
    ),
  );
  const rows = await rowsOf<Record<string, number | string>>(
    db,
    sql`select day::text as day, ${sums}
      from stats_daily
      where day in (${sql.join(
        days.map((d) => sql`${d}::date`),
        sql`, `,
      )}) and path like ${`${prefix}%`} and reported > 0
      group by 1`,
  );
  const out: { day: string; hour: number; n: number }[] = [];
  for (const r of rows)
    for (let h = 0; h < 24; h++)
      out.push({ day: String(r.day), hour: h, n: Number(r[`h${h}`] ?? 0) });
  return out;
}

/**
 * Several breakdowns of the stored rollup in one scan (GROUPING SETS), keyed by set then key.
 * `minutes`: the sets whose resolution times are wanted (true: all of them).
 */
export async function accumulateSets(
  db: DbOrTx,
  opts: {
    days: string[];
    prefix: string;
    sets: SqlKey[];
    minutes: boolean | readonly SqlKey['kind'][];
  },
): Promise<Map<string, Map<string, Acc>>> {
  const out = new Map<string, Map<string, Acc>>(opts.sets.map((s) => [s.kind, new Map()]));
  if (opts.days.length === 0 || opts.sets.length === 0) return out;
  const { setCase, keyExpr, sets } = groupingOf(opts.sets);
  const wanted = opts.minutes;
  const without = opts.sets
    .filter((k) => wanted === false || (wanted !== true && !wanted.includes(k.kind)))
    .map((k) => `'${k.kind}'`);
  // The resolution times as one text list per key (parsing a string is far cheaper than an
  // array in both drivers); gathered for every set, sent only for the sets that want them.
  const joined = `string_agg(array_to_string(resolution_minutes, ','), ',') filter (where cardinality(resolution_minutes) > 0)`;
  const minutes = sql.raw(
    without.length === 0
      ? joined
      : without.length === opts.sets.length
        ? 'null::text'
        : `case when ${setCase} in (${without.join(', ')}) then null else ${joined} end`,
  );
  const where = sql`day in (${sql.join(
    opts.days.map((d) => sql`${d}::date`),
    sql`, `,
  )}) and path like ${`${opts.prefix}%`}`;
  const sums = await rowsOf<SumRow & { set: string; m: string | null }>(
    db,
    sql`select ${sql.raw(setCase)} as set, ${keyExpr} as key,
      sum(reported)::int as reported, sum(filed)::int as filed, sum(filed_on_time)::int as filed_on_time,
      sum(rejected)::int as rejected, sum(dispatched)::int as dispatched, sum(returned)::int as returned,
      sum(resolved)::int as resolved, sum(resolved_on_time)::int as resolved_on_time, sum(closed)::int as closed,
      sum(self_resolved)::int as self_resolved, sum(reworked)::int as reworked,
      sum(extensions_requested)::int as extensions_requested, sum(overdue_open)::int as overdue_open,
      coalesce(sum(reported) filter (where source = 'grid'), 0)::int as grid_reported,
      array_agg(grid_code) filter (where checkins > 0) as visited, ${minutes} as m
    from stats_daily where ${where} group by grouping sets (${sets})`,
  );
  for (const r of sums) {
    // The empty grouping set over no rows still yields one row, of nulls.
    if (r.reported === null) continue;
    out.get(r.set)?.set(r.key, {
      totals: {
        reported: r.reported,
        filed: r.filed,
        filedOnTime: r.filed_on_time,
        rejected: r.rejected,
        dispatched: r.dispatched,
        returned: r.returned,
        resolved: r.resolved,
        resolvedOnTime: r.resolved_on_time,
        closed: r.closed,
        selfResolved: r.self_resolved,
        reworked: r.reworked,
        extensionsRequested: r.extensions_requested,
        overdueOpen: r.overdue_open,
        gridReported: r.grid_reported,
        gridsVisited: 0,
      },
      minutes: r.m ? r.m.split(',').map(Number) : [],
      visited: new Set(r.visited ?? []),
    });
  }
  return out;
}

/** GROUPING SETS over `keys`: which set a result row belongs to, its key, and the sets. */
function groupingOf(keys: readonly SqlKey[]): { setCase: string; keyExpr: SQL; sets: SQL } {
  const named = keys.map((k) => ({ kind: k.kind, expr: exprOf(k) }));
  const grouped = named.filter((n) => n.expr !== null) as { kind: string; expr: string }[];
  return {
    setCase:
      grouped.length === 0
        ? `'all'`
        : `case ${grouped.map((g) => `when grouping(${g.expr}) = 0 then '${g.kind}'`).join(' ')} else 'all' end`,
    keyExpr: sql.raw(`coalesce(${[...grouped.map((g) => g.expr), `''`].join(', ')})`),
    sets: sql.raw(named.map((n) => `(${n.expr ?? ''})`).join(', ')),
  };
}

/** The column a set groups by; null for the whole. `region` is the path segment at `depth`. */
function exprOf(k: SqlKey): string | null {
  switch (k.kind) {
    case 'region':
      return `split_part(path, '/', ${Math.trunc(k.depth) + 1})`;
    case 'day':
      return 'day::text';
    case 'department':
      return 'department_code';
    case 'category':
      return 'category_code';
    case 'source':
      return 'source';
    case 'grid':
      return 'grid_code';
    case 'all':
      return null;
  }
}

/** Department rows of a breakdown, busiest (most dispatched) first; '' (no department) left out. */
export function departmentRows(
  byDepartment: Map<string, Acc>,
  names: Map<string, { name: string; nameEn: string }>,
): StatsRow[] {
  return [...byDepartment]
    .filter(([code]) => code !== '')
    .map(([code, acc]) => ({
      code,
      name: names.get(code)?.name ?? code,
      nameEn: names.get(code)?.nameEn ?? code,
      indicators: finish(acc, { gridCount: 0, workers: 0 }),
    }))
    .sort(
      (a, b) => b.indicators.dispatched - a.indicators.dispatched || a.code.localeCompare(b.code),
    );
}

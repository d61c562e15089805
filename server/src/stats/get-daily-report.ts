/**
 * GET /api/stats/daily: one local day of a scope, every indicator with the day before, the same
 * weekday a week before and (history allowing) the same date a year before; breakdowns by child
 * region, department, grid worker, category and source; the hourly curve; the overdue list.
 */
import { and, asc, eq, like } from 'drizzle-orm';
import {
  CATEGORIES,
  SOURCES,
  addDays,
  dayStartOf,
  decodePath,
  localDate,
  rankBest,
  sameDayLastYear,
  type CategoryKind,
  type CategoryRow,
  type DailyReport,
  type Indicators,
  type OverdueItem,
  type StatsRow,
  type WorkerRow,
} from '@cityops/domain';
import { statsOverdue, type Tx } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { resolveScope } from '../auth/scope.ts';
import {
  accumulateRows,
  accumulateSets,
  accumulateSql,
  departmentRows,
  finish,
  hourlySql,
  type Acc,
  type SqlKey,
} from './aggregate.ts';
import type { BuiltDay, OverdueRow, RollupRow } from './build-day.ts';
import { readStats } from './read-stats.ts';
import {
  childLevelOf,
  prefixOf,
  regionNameOf,
  scopeOf,
  type StatsContext,
} from './stats-context.ts';
import { validDate } from './validate.ts';

const CATEGORY = new Map(CATEGORIES.map((c) => [c.code, c]));
const OVERDUE_LIMIT = 100;
const WORKERS_SHOWN = 10;

export async function getDailyReport(
  { ctx, input }: { ctx: Ctx; input: { date?: string | undefined; scope?: string | undefined } },
  stats: StatsContext,
): Promise<DailyReport> {
  const { svc, principal } = ctx;
  const scope = resolveScope(svc.regions, principal, input.scope);
  const now = svc.now();
  const off = svc.utcOffsetMinutes;
  const today = localDate(now, off);
  const date = input.date === undefined ? addDays(today, -1) : validDate(input.date, 'date', today);
  const prefix = prefixOf(scope);
  const partial = date === today;

  const firstDay = await stats.rollup.firstDay();
  const inHistory = (d: string): boolean => firstDay !== null && d >= firstDay;
  const yearAgo = sameDayLastYear(date);
  const hasYear = firstDay !== null && firstDay <= yearAgo;
  const comparisons = [addDays(date, -1), addDays(date, -7), ...(hasYear ? [yearAgo] : [])];
  await stats.rollup.ensure([date, ...comparisons]);

  const depth = scope.path.length;
  const childLevel = childLevelOf(scope);
  const sets: SqlKey[] = [
    { kind: 'all' },
    ...(childLevel ? [{ kind: 'region' as const, depth }] : []),
    { kind: 'department' },
    { kind: 'grid' },
    { kind: 'category' },
    { kind: 'source' },
  ];
  const yesterday = addDays(date, -1);
  const { figures, byDay } = await readStats(svc.db, async (tx) => {
    // Today is kept live from the events; a closed day is added up from the rollup in SQL.
    const figures = partial
      ? dayFromRows(
          await stats.live.read(tx, {
            day: date,
            start: dayStartOf(date, off),
            until: now,
            prefix,
            utcOffsetMinutes: off,
            previousDay: firstDay !== null && yesterday >= firstDay ? yesterday : null,
          }),
          sets,
        )
      : await dayFromRollup(tx, date, prefix, sets);
    const byDay = await accumulateSql(tx, { days: comparisons, prefix, key: { kind: 'day' } });
    return { figures, byDay };
  });

  const place = await stats.place(scope);
  const placeFigures = { gridCount: place.gridCount, workers: place.workers };
  const all = figures.sets.get('all')?.get('');

  const regions: StatsRow[] = [];
  if (childLevel) {
    const byRegion = figures.sets.get('region')!;
    for (const child of childLevel === 'grid' ? place.grids : svc.regions.children(scope.code)) {
      regions.push({
        code: child.code,
        name: child.name,
        indicators: finish(byRegion.get(child.code), await stats.childPlace(child.code)),
      });
    }
  }

  const deptNames = await stats.departments();
  const departments = departmentRows(figures.sets.get('department')!, deptNames);

  const workers = await workerRanking(stats, place.grids, figures.sets.get('grid')!);

  const byCategory = [...figures.sets.get('category')!].filter(([code]) => code !== '');
  const categories: CategoryRow[] = byCategory.map(([code, acc]) => {
    const c = CATEGORY.get(code);
    return {
      code,
      name: c?.name ?? code,
      nameEn: c?.nameEn ?? code,
      group: c?.group ?? '',
      kind: c?.kind ?? 'event',
      indicators: finish(acc, { gridCount: 0, workers: 0 }),
    };
  });
  categories.sort(
    (a, b) => b.indicators.reported - a.indicators.reported || a.code.localeCompare(b.code),
  );

  const bySource = figures.sets.get('source')!;
  const sources = SOURCES.map((source) => ({
    source,
    reported: bySource.get(source)?.totals.reported ?? 0,
  }));
  const kinds = new Map<CategoryKind, number>([
    ['component', 0],
    ['event', 0],
  ]);
  for (const [code, acc] of byCategory) {
    const kind = CATEGORY.get(code)?.kind ?? 'event';
    kinds.set(kind, (kinds.get(kind) ?? 0) + acc.totals.reported);
  }

  const asOf = partial ? now : dayStartOf(addDays(date, 1), off);
  const indicators: Indicators = finish(all, placeFigures);
  const yearAcc: Acc | undefined = byDay.get(yearAgo);
  return {
    date,
    scope: scopeOf(scope),
    partial,
    asOf: asOf.toISOString(),
    utcOffsetMinutes: off,
    indicators,
    previousDay: inHistory(addDays(date, -1))
      ? finish(byDay.get(addDays(date, -1)), placeFigures)
      : null,
    lastWeek: inHistory(addDays(date, -7))
      ? finish(byDay.get(addDays(date, -7)), placeFigures)
      : null,
    lastYear: hasYear ? finish(yearAcc, placeFigures) : null,
    regions,
    childLevel,
    departments,
    workers,
    categories,
    sources,
    kinds: [...kinds].map(([kind, reported]) => ({ kind, reported })),
    hourly: figures.hourly,
    overdue: figures.overdue.slice(0, OVERDUE_LIMIT).map((o) => overdueItem(ctx, o, asOf)),
  };
}

function overdueItem(ctx: Ctx, o: OverdueRow, asOf: Date): OverdueItem {
  const deadline = new Date(o.deadline);
  return {
    id: o.incidentId,
    category: o.categoryCode,
    state: o.state,
    department: o.departmentCode ?? null,
    gridCode: o.gridCode,
    regionName: regionNameOf(ctx.svc, decodePath(o.path)),
    reportedAt: new Date(o.reportedAt).toISOString(),
    deadline: deadline.toISOString(),
    overdueSince: o.overdueSince ? new Date(o.overdueSince).toISOString() : null,
    hoursOverdue: Math.round(((asOf.getTime() - deadline.getTime()) / 3_600_000) * 10) / 10,
  };
}

/** 网格员红黑榜: most and fewest reports (grid workers' own reports plus self-resolved ones). */
async function workerRanking(
  stats: StatsContext,
  grids: { code: string; name: string }[],
  byGrid: Map<string, Acc>,
): Promise<{ best: WorkerRow[]; worst: WorkerRow[] }> {
  const workers = await stats.workersByGrid();
  const list: WorkerRow[] = [];
  const idle = finish(undefined, { gridCount: 1, workers: 1 });
  for (const g of grids) {
    const username = workers.get(g.code);
    if (!username) continue;
    // The ranking reads gridReported alone; the full figures are worked out for the shown.
    const gridReported = byGrid.get(g.code)?.totals.gridReported ?? 0;
    list.push({
      code: g.code,
      gridCode: g.code,
      name: g.name,
      username,
      indicators: { ...idle, gridReported },
    });
  }
  const shown = (w: WorkerRow): WorkerRow => {
    const acc = byGrid.get(w.code);
    return { ...w, indicators: acc ? finish(acc, { gridCount: 1, workers: 1 }) : idle };
  };
  const ranked = rankBest(list, 'gridReported', {
    n: WORKERS_SHOWN,
    minVolume: 0,
    volume: 'gridReported',
    better: 'higher',
  });
  return {
    best: ranked.best.filter((w) => w.indicators.gridReported > 0).map(shown),
    worst: ranked.worst.map(shown),
  };
}

/** One day's breakdowns by each set, its reports per local hour and its overdue list. */
interface DayFigures {
  sets: Map<string, Map<string, Acc>>;
  hourly: number[];
  overdue: OverdueRow[];
}

/** The figures of a day built live (today), added up in memory. */
function dayFromRows(built: BuiltDay, sets: SqlKey[]): DayFigures {
  const keyOf = (k: SqlKey): ((r: RollupRow) => string | null) => {
    switch (k.kind) {
      case 'region':
        return (r) => decodePath(r.path)[k.depth] ?? null;
      case 'department':
        return (r) => r.departmentCode;
      case 'grid':
        return (r) => r.gridCode;
      case 'category':
        return (r) => r.categoryCode;
      case 'source':
        return (r) => r.source;
      case 'day':
      case 'all':
        return () => '';
    }
  };
  const hourly = new Array<number>(24).fill(0);
  for (const r of built.rows) if (r.reported) r.reportedByHour.forEach((n, h) => (hourly[h]! += n));
  return {
    sets: new Map(sets.map((k) => [k.kind, accumulateRows(built.rows, keyOf(k))])),
    hourly,
    overdue: built.overdue,
  };
}

/**
 * The figures of a closed day from the rollup, added up by the database: a day holds about as
 * many rows as events, too many to ship and add up in memory. Only the shown overdue are read.
 */
async function dayFromRollup(
  tx: Tx,
  date: string,
  prefix: string,
  sets: SqlKey[],
): Promise<DayFigures> {
  const minutes = sets.map((k) => k.kind).filter((k) => k !== 'source');
  const byHour = await hourlySql(tx, [date], prefix);
  const hourly = new Array<number>(24).fill(0);
  for (const h of byHour) hourly[h.hour]! += h.n;
  return {
    sets: await accumulateSets(tx, { days: [date], prefix, sets, minutes }),
    hourly,
    overdue: await tx
      .select()
      .from(statsOverdue)
      .where(and(eq(statsOverdue.day, date), like(statsOverdue.path, `${prefix}%`)))
      .orderBy(asc(statsOverdue.deadline), asc(statsOverdue.incidentId))
      .limit(OVERDUE_LIMIT),
  };
}

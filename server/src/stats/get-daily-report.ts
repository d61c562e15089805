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
  type Source,
  type StatsRow,
  type WorkerRow,
} from '@cityops/domain';
import { statsDaily, statsOverdue } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { resolveScope } from '../auth/scope.ts';
import { accumulateRows, accumulateSql, finish, type Acc } from './aggregate.ts';
import { buildDay, type OverdueRow, type RollupRow } from './build-day.ts';
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

  // The day's rows: live for today, from the rollup otherwise.
  let rows: RollupRow[];
  let overdueRows: OverdueRow[];
  if (partial) {
    const yesterday = addDays(date, -1);
    const previousDay = firstDay !== null && yesterday >= firstDay ? yesterday : null;
    const built = await buildDay(svc.db, {
      day: date,
      start: dayStartOf(date, off),
      until: now,
      prefix,
      utcOffsetMinutes: off,
      previousDay,
    });
    rows = built.rows;
    overdueRows = built.overdue;
  } else {
    rows = (await svc.db
      .select()
      .from(statsDaily)
      .where(and(eq(statsDaily.day, date), like(statsDaily.path, `${prefix}%`)))) as RollupRow[];
    overdueRows = await svc.db
      .select()
      .from(statsOverdue)
      .where(and(eq(statsOverdue.day, date), like(statsOverdue.path, `${prefix}%`)))
      .orderBy(asc(statsOverdue.deadline), asc(statsOverdue.incidentId));
  }

  const place = await stats.place(scope);
  const placeFigures = { gridCount: place.gridCount, workers: place.workers };
  const byDay = await accumulateSql(svc.db, { days: comparisons, prefix, key: { kind: 'day' } });
  const all = accumulateRows(rows, () => '').get('');

  const depth = scope.path.length;
  const childLevel = childLevelOf(scope);
  const regions: StatsRow[] = [];
  if (childLevel) {
    const byRegion = accumulateRows(rows, (r) => decodePath(r.path)[depth] ?? null);
    for (const child of childLevel === 'grid' ? place.grids : svc.regions.children(scope.code)) {
      regions.push({
        code: child.code,
        name: child.name,
        indicators: finish(byRegion.get(child.code), await stats.childPlace(child.code)),
      });
    }
  }

  const deptNames = await stats.departments();
  const byDept = accumulateRows(rows, (r) => r.departmentCode || null);
  const departments: StatsRow[] = [...byDept].map(([code, acc]) => ({
    code,
    name: deptNames.get(code)?.name ?? code,
    nameEn: deptNames.get(code)?.nameEn ?? code,
    indicators: finish(acc, { gridCount: 0, workers: 0 }),
  }));
  departments.sort(
    (a, b) => b.indicators.dispatched - a.indicators.dispatched || a.code.localeCompare(b.code),
  );

  const workers = await workerRanking(stats, place.grids, rows);

  const byCategory = accumulateRows(rows, (r) => r.categoryCode || null);
  const categories: CategoryRow[] = [...byCategory].map(([code, acc]) => {
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

  const hourly = new Array<number>(24).fill(0);
  const sources = new Map<Source, number>(SOURCES.map((s) => [s, 0]));
  const kinds = new Map<CategoryKind, number>([
    ['component', 0],
    ['event', 0],
  ]);
  for (const r of rows) {
    if (!r.reported) continue;
    r.reportedByHour.forEach((n, h) => (hourly[h]! += n));
    sources.set(r.source as Source, (sources.get(r.source as Source) ?? 0) + r.reported);
    const kind = CATEGORY.get(r.categoryCode)?.kind ?? 'event';
    kinds.set(kind, (kinds.get(kind) ?? 0) + r.reported);
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
    sources: [...sources].map(([source, reported]) => ({ source, reported })),
    kinds: [...kinds].map(([kind, reported]) => ({ kind, reported })),
    hourly,
    overdue: overdueRows.slice(0, OVERDUE_LIMIT).map((o) => overdueItem(ctx, o, asOf)),
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
  rows: RollupRow[],
): Promise<{ best: WorkerRow[]; worst: WorkerRow[] }> {
  const byGrid = accumulateRows(rows, (r) => r.gridCode);
  const workers = await stats.workersByGrid();
  const list: WorkerRow[] = [];
  const idle = finish(undefined, { gridCount: 1, workers: 1 });
  for (const g of grids) {
    const username = workers.get(g.code);
    if (!username) continue;
    const acc = byGrid.get(g.code);
    list.push({
      code: g.code,
      gridCode: g.code,
      name: g.name,
      username,
      indicators: acc ? finish(acc, { gridCount: 1, workers: 1 }) : idle,
    });
  }
  const ranked = rankBest(list, 'gridReported', {
    n: WORKERS_SHOWN,
    minVolume: 0,
    volume: 'gridReported',
    better: 'higher',
  });
  return { best: ranked.best.filter((w) => w.indicators.gridReported > 0), worst: ranked.worst };
}

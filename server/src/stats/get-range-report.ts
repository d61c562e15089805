/**
 * GET /api/stats/range: a scope over a date range: one indicator set per day (the trend lines),
 * the whole period against the period before (环比) and a year before (同比), breakdowns by
 * category, department and child region, and reports by weekday × hour.
 */
import {
  CATEGORIES,
  SOURCES,
  addDays,
  datesBetween,
  dayStartOf,
  decodePath,
  localDate,
  sameDayLastYear,
  weekdayOf,
  type CategoryRow,
  type RangeReport,
  type Source,
  type StatsRow,
} from '@cityops/domain';
import type { Tx } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { resolveScope } from '../auth/scope.ts';
import { badRequest } from '../http/errors.ts';
import {
  accumulateRows,
  accumulateSets,
  departmentRows,
  emptyAcc,
  finish,
  hourlySql,
  mergeAcc,
  type Acc,
  type SqlKey,
} from './aggregate.ts';
import type { RollupRow } from './build-day.ts';
import { childLevelOf, prefixOf, scopeOf, type StatsContext } from './stats-context.ts';
import { readStats } from './read-stats.ts';
import { MAX_RANGE_DAYS, validDate } from './validate.ts';

const CATEGORY = new Map(CATEGORIES.map((c) => [c.code, c]));

export async function getRangeReport(
  { ctx, input }: { ctx: Ctx; input: { from: string; to: string; scope?: string | undefined } },
  stats: StatsContext,
): Promise<RangeReport> {
  const { svc, principal } = ctx;
  const scope = resolveScope(svc.regions, principal, input.scope);
  const now = svc.now();
  const off = svc.utcOffsetMinutes;
  const today = localDate(now, off);
  const from = validDate(input.from, 'from', today);
  const to = validDate(input.to, 'to', today);
  if (from > to) throw badRequest('from is after to', { from: 'must not be after to' });
  const days = datesBetween(from, to);
  if (days.length > MAX_RANGE_DAYS)
    throw badRequest('the range is too long', { to: `at most ${MAX_RANGE_DAYS} days after from` });
  const prefix = prefixOf(scope);
  const closed = days.filter((d) => d < today);
  const n = days.length;
  const previousDays = datesBetween(addDays(from, -n), addDays(from, -1));
  const firstDay = await stats.rollup.firstDay();
  const yearFrom = sameDayLastYear(from);
  const hasYear = firstDay !== null && firstDay <= yearFrom;
  const yearDays = hasYear ? datesBetween(yearFrom, sameDayLastYear(to)) : [];
  const yesterday = addDays(today, -1);
  await stats.rollup.ensure([
    ...closed,
    ...previousDays,
    ...yearDays,
    ...(days.includes(today) ? [yesterday] : []),
  ]);

  const place = await stats.place(scope);
  const placeFigures = { gridCount: place.gridCount, workers: place.workers };
  const deptNames = await stats.departments();
  const depth = scope.path.length;
  const childLevel = childLevelOf(scope);
  const keyOfRow: Record<string, (r: RollupRow) => string | null> = {
    day: () => today,
    all: () => '',
    department: (r) => r.departmentCode,
    category: (r) => r.categoryCode,
    source: (r) => r.source,
    region: (r) => decodePath(r.path)[depth] ?? null,
  };
  const breakdowns: SqlKey[] = [
    { kind: 'all' },
    { kind: 'department' },
    { kind: 'category' },
    ...(childLevel ? [{ kind: 'region' as const, depth }] : []),
  ];
  const hasPrevious = firstDay !== null && firstDay <= previousDays[0]!;
  const read = await readStats(svc.db, async (tx) => {
    const live: RollupRow[] = days.includes(today)
      ? (
          await stats.live.read(tx, {
            day: today,
            start: dayStartOf(today, off),
            until: now,
            prefix,
            utcOffsetMinutes: off,
            previousDay: firstDay !== null && yesterday >= firstDay ? yesterday : null,
          })
        ).rows
      : [];
    // One scan for every breakdown over the range, one for the overdue figures at its end.
    const main = await accumulateSets(tx, {
      days: closed,
      prefix,
      sets: [{ kind: 'day' }, { kind: 'source' }, ...breakdowns],
      minutes: ['day', ...breakdowns.map((k) => k.kind)],
    });
    const storedEnd =
      to === today
        ? null
        : await accumulateSets(tx, { days: [to], prefix, sets: breakdowns, minutes: false });
    return {
      live,
      main,
      storedEnd,
      hourly: await hourlySql(tx, closed, prefix),
      previous: hasPrevious ? await periodTotal(tx, previousDays, prefix) : undefined,
      lastYear: hasYear ? await periodTotal(tx, yearDays, prefix) : undefined,
    };
  });
  const { live, main, storedEnd, previous, lastYear } = read;
  for (const [kind, map] of main) {
    for (const [k, acc] of accumulateRows(live, keyOfRow[kind]!)) {
      const into = map.get(k) ?? map.set(k, emptyAcc()).get(k)!;
      mergeAcc(into, acc);
    }
  }
  for (const key of breakdowns) {
    const end = storedEnd ? storedEnd.get(key.kind)! : accumulateRows(live, keyOfRow[key.kind]!);
    for (const [k, acc] of main.get(key.kind)!)
      acc.totals.overdueOpen = end.get(k)?.totals.overdueOpen ?? 0;
  }

  const byDay = main.get('day')!;
  const total = main.get('all')!.get('');
  const periodPlace = { gridCount: placeFigures.gridCount, workers: placeFigures.workers };

  const departments = departmentRows(main.get('department')!, deptNames);

  const categories: CategoryRow[] = [...main.get('category')!]
    .filter(([code]) => code !== '')
    .map(([code, acc]) => {
      const c = CATEGORY.get(code);
      return {
        code,
        name: c?.name ?? code,
        nameEn: c?.nameEn ?? code,
        group: c?.group ?? '',
        kind: c?.kind ?? 'event',
        indicators: finish(acc, { gridCount: 0, workers: 0 }),
      };
    })
    .sort((a, b) => b.indicators.reported - a.indicators.reported || a.code.localeCompare(b.code));

  const regions: StatsRow[] = [];
  if (childLevel) {
    const byRegion = main.get('region')!;
    for (const child of childLevel === 'grid' ? place.grids : svc.regions.children(scope.code)) {
      regions.push({
        code: child.code,
        name: child.name,
        indicators: finish(byRegion.get(child.code), await stats.childPlace(child.code)),
      });
    }
  }

  const bySource = main.get('source')!;
  const sources = SOURCES.map((source: Source) => ({
    source,
    reported: bySource.get(source)?.totals.reported ?? 0,
  }));

  const heatmap = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const h of read.hourly) heatmap[weekdayOf(h.day)]![h.hour]! += h.n;
  for (const r of live) r.reportedByHour.forEach((v, h) => (heatmap[weekdayOf(today)]![h]! += v));

  return {
    from,
    to,
    scope: scopeOf(scope),
    asOf: (to === today ? now : dayStartOf(addDays(to, 1), off)).toISOString(),
    utcOffsetMinutes: off,
    days: days.map((date) => ({ date, indicators: finish(byDay.get(date), placeFigures) })),
    total: finish(total, periodPlace),
    previous: hasPrevious ? finish(previous, periodPlace) : null,
    lastYear: hasYear ? finish(lastYear, periodPlace) : null,
    categories,
    departments,
    regions,
    childLevel,
    sources,
    heatmap,
  };
}

/** A whole period's figures; its overdue figure is the one at the end of its last day. */
async function periodTotal(tx: Tx, days: string[], prefix: string): Promise<Acc | undefined> {
  if (days.length === 0) return undefined;
  const total = { prefix, sets: [{ kind: 'all' as const }] };
  const acc = (await accumulateSets(tx, { ...total, days, minutes: true })).get('all')!.get('');
  const end = await accumulateSets(tx, {
    ...total,
    days: [days[days.length - 1]!],
    minutes: false,
  });
  if (acc) acc.totals.overdueOpen = end.get('all')!.get('')?.totals.overdueOpen ?? 0;
  return acc;
}

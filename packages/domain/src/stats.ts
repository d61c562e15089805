/**
 * The leaders' statistics (综合评价), pure: local days, what each event counts toward, the
 * indicator bundle of a day or period, changes (环比/同比) and rankings (红黑榜). The server's
 * rollups, the reports pages and the exports all use these; nothing re-derives them.
 */
import {
  EMPTY_COUNTS,
  FILING_LIMIT_MINUTES,
  addCounts,
  rates,
  ratio,
  resolutionStats,
  type IndicatorCounts,
  type Rates,
  type ResolutionStats,
} from './indicators.ts';

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Local days

/** A local calendar day, `YYYY-MM-DD`, at the city's fixed UTC offset. */
export type LocalDate = string;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isLocalDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The local date of an instant. */
export function localDate(at: Date, utcOffsetMinutes: number): LocalDate {
  return new Date(at.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The instant local midnight starts `date`. */
export function dayStartOf(date: LocalDate, utcOffsetMinutes: number): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - utcOffsetMinutes * 60_000);
}

export function addDays(date: LocalDate, n: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every date from `from` to `to`, both included (empty when `to` is before `from`). */
export function datesBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Day of the week, Sunday = 0. */
export function weekdayOf(date: LocalDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Same day a year before (29 February falls back to the 28th). */
export function sameDayLastYear(date: LocalDate): LocalDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const candidate = `${y - 1}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return isLocalDate(candidate) ? candidate : `${y - 1}-02-28`;
}

// ---------------------------------------------------------------------------------------------
// What an event counts toward

/** The event types the statistics read; others (signed, escalated, reminded, noted ...) count nothing. */
export const COUNTED_EVENT_TYPES = [
  'incident.reported',
  'incident.filed',
  'incident.rejected',
  'incident.merged',
  'incident.dispatched',
  'incident.returned',
  'incident.resolved',
  'incident.verified',
  'incident.closed',
  'incident.reworked',
  'incident.extension_requested',
] as const;

export interface CountableEvent {
  type: string;
  /** `data.action` of the event (tells a self-resolve from a dispatcher's close). */
  action: string | null;
  /** `data.passed` of a verify event. */
  passed?: boolean | null;
  at: Date;
  /** When the incident was reported. */
  reportedAt: Date;
  /** The deadline in force just before the event (needed for resolutions only). */
  deadline: Date | null;
}

export interface EventEffect {
  counts: Partial<IndicatorCounts>;
  /** Set for a resolution: minutes from report to resolution. */
  resolutionMinutes?: number;
}

/**
 * The one definition of what each event counts toward:
 * reported · filed (on time when within FILING_LIMIT_MINUTES of the report) · rejected (incl.
 * merged duplicates) · dispatched · returned · resolved (by a department, or self-resolved by the
 * grid worker; on time when at or before the deadline in force) · closed (verified, closed by a
 * dispatcher, or self-resolved) · reworked · extension requested.
 */
export function eventEffect(e: CountableEvent): EventEffect | null {
  switch (e.type) {
    case 'incident.reported':
      return { counts: { reported: 1 } };
    case 'incident.filed': {
      const onTime = e.at.getTime() - e.reportedAt.getTime() <= FILING_LIMIT_MINUTES * 60_000;
      return { counts: { filed: 1, filedOnTime: onTime ? 1 : 0 } };
    }
    case 'incident.rejected':
    case 'incident.merged':
      return { counts: { rejected: 1 } };
    case 'incident.dispatched':
      return { counts: { dispatched: 1 } };
    case 'incident.returned':
      return { counts: { returned: 1 } };
    case 'incident.resolved':
      return resolution(e, {});
    case 'incident.verified':
      return e.passed === false ? null : { counts: { closed: 1 } };
    case 'incident.closed':
      return e.action === 'self_resolve'
        ? resolution(e, { closed: 1, selfResolved: 1 })
        : { counts: { closed: 1 } };
    case 'incident.reworked':
      return { counts: { reworked: 1 } };
    case 'incident.extension_requested':
      return { counts: { extensionsRequested: 1 } };
    default:
      return null;
  }
}

function resolution(e: CountableEvent, extra: Partial<IndicatorCounts>): EventEffect {
  const onTime = e.deadline !== null && e.at.getTime() <= e.deadline.getTime();
  return {
    counts: { ...extra, resolved: 1, resolvedOnTime: onTime ? 1 : 0 },
    resolutionMinutes: (e.at.getTime() - e.reportedAt.getTime()) / 60_000,
  };
}

/** Add an effect into running counts (in place, for tight aggregation loops). */
export function applyEffect(counts: IndicatorCounts, effect: EventEffect): void {
  for (const [k, v] of Object.entries(effect.counts) as [keyof IndicatorCounts, number][])
    counts[k] += v;
}

// ---------------------------------------------------------------------------------------------
// The indicator bundle

/** What a day (or period) of one place adds up to, before rates. */
export interface StatTotals extends IndicatorCounts {
  /** Open incidents past their deadline at the end of the day (or now, for today). */
  overdueOpen: number;
  /** Reports made by grid workers (source 'grid'). */
  gridReported: number;
  /** Grids with at least one patrol check-in. */
  gridsVisited: number;
}

export const EMPTY_TOTALS: StatTotals = {
  ...EMPTY_COUNTS,
  overdueOpen: 0,
  gridReported: 0,
  gridsVisited: 0,
};

export function addTotals(a: StatTotals, b: StatTotals): StatTotals {
  return {
    ...addCounts(a, b),
    overdueOpen: a.overdueOpen + b.overdueOpen,
    gridReported: a.gridReported + b.gridReported,
    gridsVisited: a.gridsVisited + b.gridsVisited,
  };
}

export interface Indicators extends StatTotals, Rates {
  /** Minutes from report to resolution, of the resolutions in the period. */
  resolution: ResolutionStats;
  gridCount: number;
  workers: number;
  /** 巡查覆盖率: grids visited / grids. */
  patrolCoverage: number | null;
  /** 人均上报: reports by grid workers / grid workers. */
  reportsPerWorker: number | null;
}

export function indicators(
  totals: StatTotals,
  resolutionMinutes: readonly number[],
  place: { gridCount: number; workers: number },
): Indicators {
  return {
    ...totals,
    ...rates(totals),
    resolution: resolutionStats(resolutionMinutes),
    gridCount: place.gridCount,
    workers: place.workers,
    patrolCoverage: ratio(totals.gridsVisited, place.gridCount),
    reportsPerWorker: ratio(totals.gridReported, place.workers),
  };
}

/** How an indicator reads: a count, a share (0–1) or minutes; and which way is better. */
export interface IndicatorDef {
  key: IndicatorKey;
  unit: 'count' | 'rate' | 'minutes' | 'number';
  better: 'higher' | 'lower' | 'neutral';
}

export type IndicatorKey =
  | keyof StatTotals
  | keyof Rates
  | 'resolutionMedian'
  | 'resolutionP90'
  | 'resolutionMean'
  | 'patrolCoverage'
  | 'reportsPerWorker';

/** Every indicator of the report, in display order. */
export const INDICATORS: readonly IndicatorDef[] = [
  { key: 'reported', unit: 'count', better: 'neutral' },
  { key: 'filed', unit: 'count', better: 'neutral' },
  { key: 'filingRate', unit: 'rate', better: 'neutral' },
  { key: 'timelyFilingRate', unit: 'rate', better: 'higher' },
  { key: 'rejected', unit: 'count', better: 'neutral' },
  { key: 'dispatched', unit: 'count', better: 'neutral' },
  { key: 'returned', unit: 'count', better: 'lower' },
  { key: 'dispatchAccuracy', unit: 'rate', better: 'higher' },
  { key: 'resolved', unit: 'count', better: 'higher' },
  { key: 'resolvedOnTime', unit: 'count', better: 'higher' },
  { key: 'onTimeRate', unit: 'rate', better: 'higher' },
  { key: 'closed', unit: 'count', better: 'higher' },
  { key: 'closureRate', unit: 'rate', better: 'higher' },
  { key: 'selfResolved', unit: 'count', better: 'higher' },
  { key: 'reworked', unit: 'count', better: 'lower' },
  { key: 'reworkRate', unit: 'rate', better: 'lower' },
  { key: 'extensionsRequested', unit: 'count', better: 'lower' },
  { key: 'extensionRate', unit: 'rate', better: 'lower' },
  { key: 'overdueOpen', unit: 'count', better: 'lower' },
  { key: 'resolutionMedian', unit: 'minutes', better: 'lower' },
  { key: 'resolutionP90', unit: 'minutes', better: 'lower' },
  { key: 'resolutionMean', unit: 'minutes', better: 'lower' },
  { key: 'patrolCoverage', unit: 'rate', better: 'higher' },
  { key: 'gridsVisited', unit: 'count', better: 'higher' },
  { key: 'gridReported', unit: 'count', better: 'neutral' },
  { key: 'reportsPerWorker', unit: 'number', better: 'neutral' },
];

export function indicatorValue(ind: Indicators, key: IndicatorKey): number | null {
  switch (key) {
    case 'resolutionMedian':
      return ind.resolution.median;
    case 'resolutionP90':
      return ind.resolution.p90;
    case 'resolutionMean':
      return ind.resolution.mean;
    default:
      return ind[key];
  }
}

/**
 * Change of an indicator against a comparison period: for rates the difference in percentage
 * points (as a share, 0.012 = +1.2 pp), for counts and times the relative change (0.05 = +5 %).
 * Null when either side has no value or a relative change has a zero base.
 */
export function changeOf(
  def: IndicatorDef,
  current: Indicators,
  previous: Indicators | null,
): number | null {
  if (!previous) return null;
  const a = indicatorValue(current, def.key);
  const b = indicatorValue(previous, def.key);
  if (a === null || b === null) return null;
  if (def.unit === 'rate') return a - b;
  return b === 0 ? null : (a - b) / b;
}

// ---------------------------------------------------------------------------------------------
// Rankings (红黑榜)

export interface Ranked<T> {
  best: T[];
  worst: T[];
}

/**
 * Best and worst `n` by an indicator, among rows with at least `minVolume` in `volume`: a rate
 * over three cases says little. Ties break by volume (more is more telling), then by code.
 * The worst list never repeats a row already in the best list.
 */
export function rankBest<T extends { code: string; indicators: Indicators }>(
  rows: readonly T[],
  key: IndicatorKey,
  options: { n: number; minVolume: number; volume: IndicatorKey; better: 'higher' | 'lower' },
): Ranked<T> {
  const eligible = rows
    .map((row) => ({
      row,
      value: indicatorValue(row.indicators, key),
      volume: indicatorValue(row.indicators, options.volume) ?? 0,
    }))
    .filter(
      (r): r is { row: T; value: number; volume: number } =>
        r.value !== null && r.volume >= options.minVolume,
    );
  const sign = options.better === 'higher' ? -1 : 1;
  eligible.sort(
    (a, b) =>
      sign * (a.value - b.value) || b.volume - a.volume || a.row.code.localeCompare(b.row.code),
  );
  const best = eligible.slice(0, options.n).map((r) => r.row);
  const taken = new Set(best.map((r) => r.code));
  const worst = eligible
    .slice()
    .reverse()
    .filter((r) => !taken.has(r.row.code))
    .slice(0, options.n)
    .map((r) => r.row);
  return { best, worst };
}

/**
 * The shapes of GET /api/stats/daily and /api/stats/range: what the reports pages show and the
 * exports write. Plain data; every figure in them comes from `indicators()`.
 */
import type { Indicators, LocalDate } from './stats.ts';
import type { CategoryKind } from './categories.ts';
import type { RegionLevel } from './regions.ts';
import type { Source } from './incident.ts';

export interface StatsScope {
  code: string;
  name: string;
  level: RegionLevel;
  path: string[];
}

/** One row of a breakdown: a region, a department, a grid (worker), a category or a source. */
export interface StatsRow {
  code: string;
  name: string;
  nameEn?: string;
  indicators: Indicators;
}

export interface WorkerRow extends StatsRow {
  /** The grid worker's account, when the grid has one. */
  username: string | null;
  gridCode: string;
}

export interface CategoryRow extends StatsRow {
  group: string;
  kind: CategoryKind;
}

export interface OverdueItem {
  id: number;
  category: string;
  state: string;
  department: string | null;
  gridCode: string;
  /** Street (or the deepest named region) the incident lies in. */
  regionName: string;
  reportedAt: string;
  deadline: string;
  /** When the SLA clock marked it overdue. */
  overdueSince: string | null;
  /** Hours past the deadline at the end of the day (or now, for today). */
  hoursOverdue: number;
}

export interface DailyReport {
  date: LocalDate;
  scope: StatsScope;
  /** True for today: figures up to `asOf`, not a whole day. */
  partial: boolean;
  asOf: string;
  utcOffsetMinutes: number;
  indicators: Indicators;
  /** 环比: the day before (null before the history starts). */
  previousDay: Indicators | null;
  /** The same weekday a week before (null before the history starts). */
  lastWeek: Indicators | null;
  /** 同比: the same date a year before, when the history reaches back that far. */
  lastYear: Indicators | null;
  /** Child regions of the scope (districts of a city, streets of a district ...). */
  regions: StatsRow[];
  childLevel: RegionLevel | null;
  departments: StatsRow[];
  /** Grid workers, best and worst by reports (with at least one report for the best list). */
  workers: { best: WorkerRow[]; worst: WorkerRow[] };
  categories: CategoryRow[];
  sources: { source: Source; reported: number }[];
  kinds: { kind: CategoryKind; reported: number }[];
  /** Reports per local hour of the day. */
  hourly: number[];
  /** Overdue open incidents at the end of the day, most overdue first (at most 100). */
  overdue: OverdueItem[];
}

export interface TrendDay {
  date: LocalDate;
  indicators: Indicators;
}

export interface RangeReport {
  from: LocalDate;
  to: LocalDate;
  scope: StatsScope;
  asOf: string;
  utcOffsetMinutes: number;
  days: TrendDay[];
  /** The whole period (overdue open: at its end). */
  total: Indicators;
  /** 环比: the period of the same length just before, when the history covers all of it. */
  previous: Indicators | null;
  /** 同比: the same dates a year before, when the history reaches back that far. */
  lastYear: Indicators | null;
  categories: CategoryRow[];
  departments: StatsRow[];
  regions: StatsRow[];
  childLevel: RegionLevel | null;
  sources: { source: Source; reported: number }[];
  /** Reports by local weekday (Sunday = 0) × hour. */
  heatmap: number[][];
}

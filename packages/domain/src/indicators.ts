/**
 * Indicator maths (综合评价). One definition of each, shared by the server, the wallboard and
 * the reports. Rates are null when their denominator is zero: "no data" is not 0 %.
 */

/** Quantile of an ascending-sorted list, linear interpolation (type 7, as in R and numpy). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export interface ResolutionStats {
  median: number | null;
  p90: number | null;
  mean: number | null;
}

/** Resolution-time summary, in whatever unit the durations are given. */
export function resolutionStats(durations: readonly number[]): ResolutionStats {
  const sorted = [...durations].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), mean: mean(sorted) };
}

/** The counts a day (or any period) is built from; every indicator derives from these. */
export interface IndicatorCounts {
  reported: number;
  filed: number;
  rejected: number;
  dispatched: number;
  returned: number;
  resolved: number;
  resolvedOnTime: number;
  closed: number;
  selfResolved: number;
  reworked: number;
  extensionsRequested: number;
  filedOnTime: number;
}

export const EMPTY_COUNTS: IndicatorCounts = {
  reported: 0,
  filed: 0,
  rejected: 0,
  dispatched: 0,
  returned: 0,
  resolved: 0,
  resolvedOnTime: 0,
  closed: 0,
  selfResolved: 0,
  reworked: 0,
  extensionsRequested: 0,
  filedOnTime: 0,
};

export function addCounts(a: IndicatorCounts, b: IndicatorCounts): IndicatorCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof IndicatorCounts)[]) out[k] = a[k] + b[k];
  return out;
}

export interface Rates {
  filingRate: number | null;
  dispatchAccuracy: number | null;
  onTimeRate: number | null;
  closureRate: number | null;
  reworkRate: number | null;
  extensionRate: number | null;
  timelyFilingRate: number | null;
}

/**
 * 立案率, 派遣准确率 (1 − returned/dispatched), 按期办结率, 结案率, 返工率, 延期率, 按时立案率.
 * Closure counts self-resolved cases too, so its base is what entered the workflow: filed + self-resolved.
 */
export function rates(c: IndicatorCounts): Rates {
  const accuracy = ratio(c.returned, c.dispatched);
  return {
    filingRate: ratio(c.filed, c.reported),
    dispatchAccuracy: accuracy === null ? null : 1 - accuracy,
    onTimeRate: ratio(c.resolvedOnTime, c.resolved),
    closureRate: ratio(c.closed, c.filed + c.selfResolved),
    reworkRate: ratio(c.reworked, c.resolved),
    extensionRate: ratio(c.extensionsRequested, c.dispatched),
    timelyFilingRate: ratio(c.filedOnTime, c.filed),
  };
}

/** Minutes allowed to file (立案) a report before it counts as late. */
export const FILING_LIMIT_MINUTES = 60;

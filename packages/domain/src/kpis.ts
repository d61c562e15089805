import type { IncidentState } from './incident.ts';
import { clockRuns, isOpen } from './incident.ts';
import { quantile, ratio } from './indicators.ts';

/** The wallboard's KPI strip. Server and board compute it from the same per-incident rules. */
export interface KpiFigures {
  reportedToday: number;
  filedToday: number;
  resolvedToday: number;
  open: number;
  overdue: number;
  onTimeRate: number | null;
  medianResolutionMinutes: number | null;
  workersOnDuty: number;
  patrolCoverage: number | null;
}

export interface KpiIncident {
  state: IncidentState;
  reportedAt: string;
  filedAt: string | null;
  resolvedAt: string | null;
  deadline: string;
  overdue: boolean;
}

/** A KpiIncident with its times as epoch ms: parsed once, not on every count. */
export interface KpiTimes {
  state: IncidentState;
  overdue: boolean;
  reportedAt: number;
  filedAt: number | null;
  resolvedAt: number | null;
  deadline: number;
}

export interface KpiWorker {
  at: string;
  kind?: 'checkin' | 'start' | 'end';
}

/** A worker counts as on duty for this long after their last check-in (unless they ended). */
export const ON_DUTY_WINDOW_MS = 60 * 60_000;

/** Start of the local day containing `now`, for a fixed UTC offset (China has no DST). */
export function localDayStart(now: Date, utcOffsetMinutes: number): Date {
  const shifted = now.getTime() + utcOffsetMinutes * 60_000;
  const dayMs = 86_400_000;
  return new Date(Math.floor(shifted / dayMs) * dayMs - utcOffsetMinutes * 60_000);
}

/** Local hour of day (0–23) of a time. */
export function localHour(at: Date, utcOffsetMinutes: number): number {
  return new Date(at.getTime() + utcOffsetMinutes * 60_000).getUTCHours();
}

const parseOrNull = (t: string | null): number | null => (t === null ? null : Date.parse(t));

export function kpiTimes(i: KpiIncident): KpiTimes {
  return {
    state: i.state,
    overdue: i.overdue,
    reportedAt: Date.parse(i.reportedAt),
    filedAt: parseOrNull(i.filedAt),
    resolvedAt: parseOrNull(i.resolvedAt),
    deadline: Date.parse(i.deadline),
  };
}

/** What one incident adds to the KPI strip on the day starting at `dayStart`. */
export interface KpiShare {
  reportedToday: boolean;
  filedToday: boolean;
  open: boolean;
  /** Flagged overdue by the SLA clock and still on the clock (resolution stops it). */
  overdue: boolean;
  /** Resolved today: ms from report to resolution, and whether by the deadline. */
  resolved: { ms: number; onTime: boolean } | null;
}

/** The per-incident rules of the KPI strip, the only place they are written down. */
export function kpiShare(i: KpiTimes, dayStart: number): KpiShare {
  const resolved = i.resolvedAt;
  return {
    reportedToday: i.reportedAt >= dayStart,
    filedToday: i.filedAt !== null && i.filedAt >= dayStart,
    open: isOpen(i.state),
    overdue: i.overdue && clockRuns(i.state),
    resolved:
      resolved !== null && resolved >= dayStart
        ? { ms: resolved - i.reportedAt, onTime: resolved <= i.deadline }
        : null,
  };
}

/** Index of the first element ≥ `v` in an ascending list. */
function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Running totals of KpiShares: add an incident's share with +1 and take it back with -1, so a
 * changed incident costs two calls, not a recount of all of them.
 */
export class KpiTally {
  #reportedToday = 0;
  #filedToday = 0;
  #resolvedToday = 0;
  #open = 0;
  #overdue = 0;
  #onTime = 0;
  /** Today's resolution times in minutes, ascending: the median needs all of them. */
  readonly #minutes: number[] = [];

  add(share: KpiShare, sign: 1 | -1): void {
    if (share.reportedToday) this.#reportedToday += sign;
    if (share.filedToday) this.#filedToday += sign;
    if (share.open) this.#open += sign;
    if (share.overdue) this.#overdue += sign;
    const r = share.resolved;
    if (!r) return;
    this.#resolvedToday += sign;
    if (r.onTime) this.#onTime += sign;
    const minutes = r.ms / 60_000;
    const at = lowerBound(this.#minutes, minutes);
    if (sign > 0) this.#minutes.splice(at, 0, minutes);
    else if (this.#minutes[at] === minutes) this.#minutes.splice(at, 1);
  }

  /** The strip's figures from these totals and the figures that are not per incident. */
  figures(rest: { workersOnDuty: number; gridsVisited: number; gridCount: number }): KpiFigures {
    return {
      reportedToday: this.#reportedToday,
      filedToday: this.#filedToday,
      resolvedToday: this.#resolvedToday,
      open: this.#open,
      overdue: this.#overdue,
      onTimeRate: ratio(this.#onTime, this.#resolvedToday),
      medianResolutionMinutes: quantile(this.#minutes, 0.5),
      workersOnDuty: rest.workersOnDuty,
      patrolCoverage: ratio(rest.gridsVisited, rest.gridCount),
    };
  }
}

/** The last instant (ms) a worker counts as on duty: -Infinity once signed off. */
export function onDutyUntil(w: KpiWorker): number {
  return w.kind === 'end' ? -Infinity : Date.parse(w.at) + ON_DUTY_WINDOW_MS;
}

/** On duty at `now`: checked in within ON_DUTY_WINDOW_MS and not signed off since. */
export function isOnDuty(w: KpiWorker, now: number): boolean {
  return now <= onDutyUntil(w);
}

export function countOnDuty(workers: Iterable<KpiWorker>, now: number): number {
  let n = 0;
  for (const w of workers) if (isOnDuty(w, now)) n++;
  return n;
}

export function computeKpis(input: {
  incidents: Iterable<KpiIncident>;
  workers: Iterable<KpiWorker>;
  gridsVisited: number;
  gridCount: number;
  now: Date;
  dayStart: Date;
}): KpiFigures {
  const start = input.dayStart.getTime();
  const tally = new KpiTally();
  for (const i of input.incidents) tally.add(kpiShare(kpiTimes(i), start), 1);
  return tally.figures({
    workersOnDuty: countOnDuty(input.workers, input.now.getTime()),
    gridsVisited: input.gridsVisited,
    gridCount: input.gridCount,
  });
}

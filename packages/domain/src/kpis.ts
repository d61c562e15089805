import type { IncidentState } from './incident.ts';
import { clockRuns, isOpen } from './incident.ts';
import { quantile, ratio } from './indicators.ts';

/** The wallboard's KPI strip. Server and board compute it with this one function. */
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

export function computeKpis(input: {
  incidents: Iterable<KpiIncident>;
  workers: Iterable<KpiWorker>;
  gridsVisited: number;
  gridCount: number;
  now: Date;
  dayStart: Date;
}): KpiFigures {
  const start = input.dayStart.getTime();
  const since = (t: string | null): boolean => t !== null && Date.parse(t) >= start;
  let reportedToday = 0;
  let filedToday = 0;
  let resolvedToday = 0;
  let open = 0;
  let overdue = 0;
  let onTime = 0;
  const durations: number[] = [];
  for (const i of input.incidents) {
    if (since(i.reportedAt)) reportedToday++;
    if (since(i.filedAt)) filedToday++;
    if (isOpen(i.state)) open++;
    if (i.overdue && clockRuns(i.state)) overdue++;
    if (i.resolvedAt !== null && since(i.resolvedAt)) {
      resolvedToday++;
      const resolved = Date.parse(i.resolvedAt);
      if (resolved <= Date.parse(i.deadline)) onTime++;
      durations.push((resolved - Date.parse(i.reportedAt)) / 60_000);
    }
  }
  let workersOnDuty = 0;
  const cutoff = input.now.getTime() - ON_DUTY_WINDOW_MS;
  for (const w of input.workers)
    if (w.kind !== 'end' && Date.parse(w.at) >= cutoff) workersOnDuty++;
  durations.sort((a, b) => a - b);
  return {
    reportedToday,
    filedToday,
    resolvedToday,
    open,
    overdue,
    onTimeRate: ratio(onTime, resolvedToday),
    medianResolutionMinutes: quantile(durations, 0.5),
    workersOnDuty,
    patrolCoverage: ratio(input.gridsVisited, input.gridCount),
  };
}

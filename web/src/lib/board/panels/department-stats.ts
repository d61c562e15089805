import type { IncidentDto } from '@cityops/protocol';

/** Resolution-time buckets, in hours (upper bounds; the last is open-ended). */
export const RESOLUTION_BUCKETS = [1, 4, 24, Infinity] as const;

export interface DepartmentStats {
  code: string;
  /** Incidents this department resolved today. */
  resolved: number;
  onTime: number;
  /** On-time share of `resolved`; null when it resolved nothing today. */
  onTimeRate: number | null;
  /** Incidents it returned (退回) today. */
  returns: number;
  /** Today's resolutions per RESOLUTION_BUCKETS bucket (time from report to resolution). */
  buckets: number[];
}

/**
 * Per department, from the board's incidents (resolved today, with the same on-time rule as the
 * KPI strip) and today's returns. Departments with neither are left out.
 */
export function departmentStats(
  incidents: Iterable<IncidentDto>,
  dayStart: number,
  returns: Readonly<Record<string, number>>,
): DepartmentStats[] {
  const rows = new Map<string, DepartmentStats>();
  const row = (code: string): DepartmentStats => {
    let r = rows.get(code);
    if (!r) {
      r = {
        code,
        resolved: 0,
        onTime: 0,
        onTimeRate: null,
        returns: 0,
        buckets: RESOLUTION_BUCKETS.map(() => 0),
      };
      rows.set(code, r);
    }
    return r;
  };
  for (const i of incidents) {
    if (!i.department || i.resolvedAt === null) continue;
    const resolved = Date.parse(i.resolvedAt);
    if (resolved < dayStart) continue;
    const r = row(i.department);
    r.resolved++;
    if (resolved <= Date.parse(i.deadline)) r.onTime++;
    const hours = (resolved - Date.parse(i.reportedAt)) / 3_600_000;
    const b = RESOLUTION_BUCKETS.findIndex((limit) => hours < limit);
    r.buckets[b === -1 ? RESOLUTION_BUCKETS.length - 1 : b]!++;
  }
  for (const [code, n] of Object.entries(returns)) if (n > 0) row(code).returns = n;
  for (const r of rows.values()) r.onTimeRate = r.resolved ? r.onTime / r.resolved : null;
  return [...rows.values()];
}

/** A rate over fewer resolved cases than this says little: such rows rank after the rest. */
export const MIN_RESOLVED_TO_RANK = 5;

/**
 * Leaderboard order: departments with enough resolved work today by on-time rate, then the
 * others by volume; ties by volume, then fewer returns.
 */
export function rankDepartments(
  rows: readonly DepartmentStats[],
  minResolved = MIN_RESOLVED_TO_RANK,
): DepartmentStats[] {
  const ranked = (r: DepartmentStats): boolean => r.resolved >= minResolved;
  return [...rows].sort(
    (a, b) =>
      Number(ranked(b)) - Number(ranked(a)) ||
      (ranked(a) ? (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1) : 0) ||
      b.resolved - a.resolved ||
      a.returns - b.returns,
  );
}

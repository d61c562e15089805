import type { DepartmentStats } from '../../live/board-aggregates.ts';

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

import { describe, expect, it } from 'vitest';
import type { DepartmentStats } from '../../live/board-aggregates.ts';
import { rankDepartments } from './department-stats.ts';

describe('rankDepartments', () => {
  const row = (code: string, resolved: number, onTime: number, returns = 0): DepartmentStats => ({
    code,
    resolved,
    onTime,
    onTimeRate: resolved ? onTime / resolved : null,
    returns,
    buckets: [],
  });

  it('ranks by on-time rate only among departments with enough work, the rest by volume', () => {
    const order = rankDepartments([
      row('small-perfect', 4, 4),
      row('big-good', 34, 33),
      row('mid-perfect', 6, 6),
      row('big-worse', 40, 30),
      row('only-returns', 0, 0, 2),
      row('tiny', 1, 0),
    ]).map((r) => r.code);
    expect(order).toEqual([
      'mid-perfect',
      'big-good',
      'big-worse',
      'small-perfect',
      'tiny',
      'only-returns',
    ]);
  });

  it('breaks ties by volume, then by fewer returns', () => {
    const order = rankDepartments([row('a', 10, 10, 2), row('b', 20, 20), row('c', 10, 10)]).map(
      (r) => r.code,
    );
    expect(order).toEqual(['b', 'c', 'a']);
  });
});

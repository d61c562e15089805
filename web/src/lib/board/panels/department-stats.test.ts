import { describe, expect, it } from 'vitest';
import { incident as makeIncident } from '../../live/fixtures.ts';
import { departmentStats, rankDepartments, type DepartmentStats } from './department-stats.ts';

const day = Date.parse('2026-05-01T00:00:00+08:00');
const at = (h: number): string => new Date(day + h * 3_600_000).toISOString();

describe('departmentStats', () => {
  it('counts today’s resolutions, on time against the deadline, in time buckets, plus returns', () => {
    const rows = departmentStats(
      [
        makeIncident({
          id: 1,
          department: 'water',
          reportedAt: at(1),
          resolvedAt: at(1.5),
          deadline: at(3),
          state: 'resolved',
        }),
        makeIncident({
          id: 2,
          department: 'water',
          reportedAt: at(1),
          resolvedAt: at(6),
          deadline: at(3),
          state: 'closed',
        }),
        makeIncident({
          id: 3,
          department: 'water',
          reportedAt: at(-30),
          resolvedAt: at(-2),
          deadline: at(0),
          state: 'closed',
        }),
        makeIncident({ id: 4, department: 'urban', state: 'in_progress' }),
      ],
      day,
      { urban: 2 },
    );
    const water = rows.find((r) => r.code === 'water')!;
    expect(water).toMatchObject({
      resolved: 2,
      onTime: 1,
      onTimeRate: 0.5,
      returns: 0,
      buckets: [1, 0, 1, 0],
    });
    expect(rows.find((r) => r.code === 'urban')).toMatchObject({
      resolved: 0,
      onTimeRate: null,
      returns: 2,
    });
  });
});

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

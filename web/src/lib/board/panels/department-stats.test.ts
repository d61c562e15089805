import { describe, expect, it } from 'vitest';
import { incident as makeIncident } from '../../live/fixtures.ts';
import { departmentStats } from './department-stats.ts';

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

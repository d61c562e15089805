import { describe, expect, it } from 'vitest';
import {
  clockRuns,
  computeKpis,
  findCategory,
  INCIDENT_STATES,
  isOpen,
  SOURCES,
  type IncidentState,
  type KpiFigures,
  type Source,
} from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';
import {
  BoardAggregates,
  RESOLUTION_BUCKETS,
  type DepartmentStats,
  type RegionTally,
} from './board-aggregates.ts';
import { incident, RANDOM_DAY, randomChanges, seeded } from './fixtures.ts';

const DEPTH = 1;
const RETURNS = { urban: 2, police: 1 };

/** Everything the aggregates give the board, in a form toEqual can compare. */
function figures(a: BoardAggregates): unknown {
  const sortRows = (rows: DepartmentStats[]): DepartmentStats[] =>
    [...rows].sort((x, y) => x.code.localeCompare(y.code));
  return {
    kpis: a.kpi.figures({ workersOnDuty: 0, gridsVisited: 1, gridCount: 4 }),
    states: a.stateCounts(),
    sources: a.sourceCounts(),
    groups: Object.fromEntries(a.groupCounts()),
    departments: sortRows(a.departmentStats(RETURNS)),
    regions: Object.fromEntries(a.regionTallies()),
    gridOpen: Object.fromEntries(a.gridOpen.entries()),
  };
}

/** The board's figures by scanning every incident, as the panels did before the running totals. */
function scanned(list: IncidentDto[]): unknown {
  const today = (t: string | null): boolean => t !== null && Date.parse(t) >= RANDOM_DAY;
  const kpis: KpiFigures = computeKpis({
    incidents: list,
    workers: [],
    gridsVisited: 1,
    gridCount: 4,
    now: new Date(RANDOM_DAY),
    dayStart: new Date(RANDOM_DAY),
  });
  const states = Object.fromEntries(INCIDENT_STATES.map((s) => [s, 0])) as Record<
    IncidentState,
    number
  >;
  const sources = Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<Source, number>;
  const groups: Record<string, number> = {};
  const departments = new Map<string, DepartmentStats>();
  const regions: Record<string, RegionTally> = {};
  const gridOpen: Record<string, number> = {};
  for (const i of list) {
    states[i.state]++;
    if (today(i.reportedAt)) {
      sources[i.source]++;
      const g = findCategory(i.category)?.group ?? 'other';
      groups[g] = (groups[g] ?? 0) + 1;
    }
    const resolvedToday = today(i.resolvedAt);
    const onTime = resolvedToday && Date.parse(i.resolvedAt!) <= Date.parse(i.deadline);
    if (i.department && resolvedToday) {
      const d = departments.get(i.department) ?? {
        code: i.department,
        resolved: 0,
        onTime: 0,
        onTimeRate: null,
        returns: 0,
        buckets: RESOLUTION_BUCKETS.map(() => 0),
      };
      departments.set(i.department, d);
      d.resolved++;
      if (onTime) d.onTime++;
      const hours = (Date.parse(i.resolvedAt!) - Date.parse(i.reportedAt)) / 3_600_000;
      const b = RESOLUTION_BUCKETS.findIndex((limit) => hours < limit);
      d.buckets[b === -1 ? RESOLUTION_BUCKETS.length - 1 : b]!++;
    }
    const code = i.path[DEPTH]!;
    if (isOpen(i.state) || resolvedToday) {
      const r = (regions[code] ??= { open: 0, overdue: 0, resolved: 0, onTime: 0 });
      if (isOpen(i.state)) r.open++;
      // The ranking counts overdue work as the KPI strip does: only while the clock runs.
      if (i.overdue && clockRuns(i.state)) r.overdue++;
      if (resolvedToday) r.resolved++;
      if (onTime) r.onTime++;
    }
    if (isOpen(i.state)) gridOpen[i.gridCode] = (gridOpen[i.gridCode] ?? 0) + 1;
  }
  for (const [code, n] of Object.entries(RETURNS)) {
    const d = departments.get(code) ?? {
      code,
      resolved: 0,
      onTime: 0,
      onTimeRate: null,
      returns: 0,
      buckets: RESOLUTION_BUCKETS.map(() => 0),
    };
    d.returns = n;
    departments.set(code, d);
  }
  for (const d of departments.values()) d.onTimeRate = d.resolved ? d.onTime / d.resolved : null;
  return {
    kpis,
    states,
    sources,
    groups,
    departments: [...departments.values()].sort((x, y) => x.code.localeCompare(y.code)),
    regions,
    gridOpen,
  };
}

describe('BoardAggregates', () => {
  it('kept change by change equals a recount, and a scan of every incident', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seeded(seed);
      const { changes, final } = randomChanges(rand, 400);
      const live = new BoardAggregates();
      live.reset([], RANDOM_DAY, DEPTH);
      // In flushes of random size, as the store applies them.
      for (let k = 0; k < changes.length;) {
        const n = 1 + Math.floor(rand() * 20);
        live.apply(changes.slice(k, k + n));
        k += n;
      }
      const recount = new BoardAggregates();
      recount.reset(final.values(), RANDOM_DAY, DEPTH);
      expect(figures(live), `seed ${seed}`).toEqual(figures(recount));
      expect(figures(recount), `seed ${seed}`).toEqual(scanned([...final.values()]));
    }
  });

  it('continues from a reset the same way (a snapshot, then the stream)', () => {
    const rand = seeded(99);
    const first = randomChanges(rand, 200);
    const live = new BoardAggregates();
    live.reset(first.final.values(), RANDOM_DAY, DEPTH);
    const then = randomChanges(rand, 300, 40, first.final);
    live.apply(then.changes);
    expect(figures(live)).toEqual(scanned([...then.final.values()]));
  });

  it('counts today’s resolutions per department: on time, by duration, with returns', () => {
    const at = (h: number): string => new Date(RANDOM_DAY + h * 3_600_000).toISOString();
    const a = new BoardAggregates();
    a.reset(
      [
        incident({
          id: 1,
          department: 'water',
          reportedAt: at(1),
          resolvedAt: at(1.5),
          deadline: at(3),
          state: 'resolved',
        }),
        incident({
          id: 2,
          department: 'water',
          reportedAt: at(1),
          resolvedAt: at(6),
          deadline: at(3),
          state: 'closed',
        }),
        incident({
          id: 3,
          department: 'water',
          reportedAt: at(-30),
          resolvedAt: at(-2),
          deadline: at(0),
          state: 'closed',
        }),
        incident({ id: 4, department: 'urban', state: 'in_progress' }),
      ],
      RANDOM_DAY,
      DEPTH,
    );
    const rows = a.departmentStats({ urban: 2 });
    expect(rows.find((r) => r.code === 'water')).toEqual({
      code: 'water',
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

  it('tells each grid reader which grids changed, and everything after a reset', () => {
    const a = new BoardAggregates();
    const reader = a.gridOpen.watch();
    a.reset([incident({ id: 1, gridCode: 'g1' })], RANDOM_DAY, DEPTH);
    expect(reader.take()).toBeNull();
    const before = incident({ id: 1, gridCode: 'g1' });
    a.apply([{ before, after: { ...before, version: 2, gridCode: 'g2' } }]);
    expect(reader.take()).toEqual(new Set(['g1', 'g2']));
    expect([...a.gridOpen.entries()]).toEqual([['g2', 1]]);
    expect(reader.take()).toEqual(new Set());
    a.gridOpen.unwatch(reader);
    a.reset([], RANDOM_DAY, DEPTH);
    expect(reader.take()).toEqual(new Set());
  });
});

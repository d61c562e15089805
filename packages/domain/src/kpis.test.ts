import { describe, expect, it } from 'vitest';
import { INCIDENT_STATES, clockRuns, isOpen } from './incident.ts';
import { quantile, ratio } from './indicators.ts';
import { mulberry32 } from './random.ts';
import {
  KpiTally,
  ON_DUTY_WINDOW_MS,
  computeKpis,
  isOnDuty,
  onDutyUntil,
  kpiShare,
  kpiTimes,
  type KpiFigures,
  type KpiIncident,
  type KpiWorker,
} from './kpis.ts';

const dayStart = new Date('2026-05-01T00:00:00+08:00');
const now = new Date(dayStart.getTime() + 15 * 3_600_000);
const at = (h: number): string => new Date(dayStart.getTime() + h * 3_600_000).toISOString();

/** Seeded, so a failure replays. */
const random = mulberry32;

/** An incident with times from two days before to the end of today, some of them unset. */
function randomIncident(rand: () => number): KpiIncident {
  const hour = (): number => Math.round((rand() * 72 - 48) * 4) / 4;
  const reported = hour();
  const later = (): string => at(Math.min(24, reported + Math.round(rand() * 40 * 4) / 4));
  return {
    state: INCIDENT_STATES[Math.floor(rand() * INCIDENT_STATES.length)]!,
    reportedAt: at(reported),
    filedAt: rand() < 0.6 ? later() : null,
    resolvedAt: rand() < 0.4 ? later() : null,
    deadline: later(),
    overdue: rand() < 0.3,
  };
}

/** computeKpis as it was written before the rules moved into kpiShare: the refactor's oracle. */
function referenceKpis(
  incidents: KpiIncident[],
  workers: KpiWorker[],
  gridsVisited: number,
  gridCount: number,
): KpiFigures {
  const start = dayStart.getTime();
  const since = (t: string | null): boolean => t !== null && Date.parse(t) >= start;
  let [reportedToday, filedToday, resolvedToday, open, overdue, onTime] = [0, 0, 0, 0, 0, 0];
  const durations: number[] = [];
  for (const i of incidents) {
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
  const cutoff = now.getTime() - ON_DUTY_WINDOW_MS;
  for (const w of workers) if (w.kind !== 'end' && Date.parse(w.at) >= cutoff) workersOnDuty++;
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
    patrolCoverage: ratio(gridsVisited, gridCount),
  };
}

const kpis = (incidents: KpiIncident[], workers: KpiWorker[] = []): KpiFigures =>
  computeKpis({ incidents, workers, gridsVisited: 3, gridCount: 10, now, dayStart });

describe('computeKpis', () => {
  it('counts today’s reports, filings and resolutions, open and overdue work', () => {
    const figures = kpis(
      [
        {
          state: 'reported',
          reportedAt: at(1),
          filedAt: null,
          resolvedAt: null,
          deadline: at(9),
          overdue: false,
        },
        {
          state: 'dispatched',
          reportedAt: at(-5),
          filedAt: at(2),
          resolvedAt: null,
          deadline: at(1),
          overdue: true,
        },
        // Resolved on time after 30 min, then late after 5 h; the flag no longer counts once resolved.
        {
          state: 'resolved',
          reportedAt: at(1),
          filedAt: at(1),
          resolvedAt: at(1.5),
          deadline: at(3),
          overdue: false,
        },
        {
          state: 'closed',
          reportedAt: at(-2),
          filedAt: at(-2),
          resolvedAt: at(3),
          deadline: at(0),
          overdue: true,
        },
        // Finished yesterday: in no figure of today.
        {
          state: 'closed',
          reportedAt: at(-30),
          filedAt: at(-29),
          resolvedAt: at(-2),
          deadline: at(0),
          overdue: false,
        },
      ],
      [
        { at: new Date(now.getTime() - 10 * 60_000).toISOString() },
        { at: new Date(now.getTime() - 10 * 60_000).toISOString(), kind: 'end' },
        { at: new Date(now.getTime() - ON_DUTY_WINDOW_MS - 1).toISOString() },
      ],
    );
    expect(figures).toEqual({
      reportedToday: 2,
      filedToday: 2,
      resolvedToday: 2,
      open: 3,
      overdue: 1,
      onTimeRate: 0.5,
      medianResolutionMinutes: 165,
      workersOnDuty: 1,
      patrolCoverage: 0.3,
    });
  });

  it('gives null rates and median when nothing was resolved or no grid exists', () => {
    expect(
      computeKpis({ incidents: [], workers: [], gridsVisited: 0, gridCount: 0, now, dayStart }),
    ).toMatchObject({
      onTimeRate: null,
      medianResolutionMinutes: null,
      patrolCoverage: null,
    });
  });

  it('gives exactly what the whole-list computation gave, on random incidents', () => {
    const rand = random(7);
    for (let round = 0; round < 50; round++) {
      const list = Array.from({ length: Math.floor(rand() * 200) }, () => randomIncident(rand));
      const workers = Array.from({ length: 5 }, () => ({
        at: new Date(now.getTime() - rand() * 2 * ON_DUTY_WINDOW_MS).toISOString(),
        ...(rand() < 0.2 ? { kind: 'end' as const } : {}),
      }));
      expect(kpis(list, workers)).toEqual(referenceKpis(list, workers, 3, 10));
    }
  });
});

describe('KpiTally', () => {
  const share = (i: KpiIncident): ReturnType<typeof kpiShare> =>
    kpiShare(kpiTimes(i), dayStart.getTime());
  const rest = { workersOnDuty: 0, gridsVisited: 3, gridCount: 10 };

  it('after random adds, changes and removals equals a tally of what is left', () => {
    const rand = random(42);
    for (let round = 0; round < 30; round++) {
      const live = new Map<number, KpiIncident>();
      const tally = new KpiTally();
      for (let step = 0; step < 300; step++) {
        const id = Math.floor(rand() * 60);
        const before = live.get(id);
        const after = rand() < 0.2 ? undefined : randomIncident(rand);
        if (before) tally.add(share(before), -1);
        if (after) {
          tally.add(share(after), 1);
          live.set(id, after);
        } else live.delete(id);
      }
      const fresh = new KpiTally();
      for (const i of live.values()) fresh.add(share(i), 1);
      expect(tally.figures(rest)).toEqual(fresh.figures(rest));
      expect(tally.figures(rest)).toEqual(referenceKpis([...live.values()], [], 3, 10));
    }
  });

  it('keeps equal resolution times apart: taking one back leaves the other', () => {
    const i: KpiIncident = {
      state: 'resolved',
      reportedAt: at(1),
      filedAt: null,
      resolvedAt: at(2),
      deadline: at(3),
      overdue: false,
    };
    const tally = new KpiTally();
    tally.add(share(i), 1);
    tally.add(share(i), 1);
    tally.add(share({ ...i, resolvedAt: at(5) }), 1);
    tally.add(share(i), -1);
    expect(tally.figures(rest)).toMatchObject({ resolvedToday: 2, medianResolutionMinutes: 150 });
  });
});

describe('onDutyUntil', () => {
  it('is the last instant isOnDuty holds; a worker who signed off is not on duty at all', () => {
    const at = '2026-12-02T04:00:00.000Z';
    const worker = { kind: 'checkin' as const, at };
    const until = onDutyUntil(worker);
    expect(until).toBe(Date.parse(at) + ON_DUTY_WINDOW_MS);
    expect(isOnDuty(worker, until)).toBe(true);
    expect(isOnDuty(worker, until + 1)).toBe(false);
    const ended = { kind: 'end' as const, at };
    expect(onDutyUntil(ended)).toBe(-Infinity);
    expect(isOnDuty(ended, Date.parse(at))).toBe(false);
  });
});

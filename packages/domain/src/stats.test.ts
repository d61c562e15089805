import { describe, expect, it } from 'vitest';
import { EMPTY_COUNTS, FILING_LIMIT_MINUTES, type IndicatorCounts } from './indicators.ts';
import {
  EMPTY_TOTALS,
  INDICATORS,
  addDays,
  addTotals,
  applyEffect,
  changeOf,
  datesBetween,
  dayStartOf,
  eventEffect,
  indicatorValue,
  indicators,
  isLocalDate,
  localDate,
  rankBest,
  sameDayLastYear,
  weekdayOf,
  type CountableEvent,
  type IndicatorDef,
  type Indicators,
  type StatTotals,
} from './stats.ts';

const MIN = 60_000;
const T0 = new Date('2026-11-20T02:00:00Z');
const ev = (patch: Partial<CountableEvent>): CountableEvent => ({
  type: 'incident.reported',
  action: null,
  at: new Date(T0.getTime() + 30 * MIN),
  reportedAt: T0,
  deadline: null,
  ...patch,
});

describe('local days', () => {
  it('a day starts at local midnight (UTC+8 is 16:00 UTC the day before)', () => {
    expect(dayStartOf('2026-11-20', 480).toISOString()).toBe('2026-11-19T16:00:00.000Z');
    expect(localDate(new Date('2026-11-19T15:59:59.999Z'), 480)).toBe('2026-11-19');
    expect(localDate(new Date('2026-11-19T16:00:00Z'), 480)).toBe('2026-11-20');
    expect(localDate(new Date('2026-11-19T16:00:00Z'), 0)).toBe('2026-11-19');
  });

  it('walks dates across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(datesBetween('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    expect(datesBetween('2026-01-02', '2026-01-01')).toEqual([]);
    expect(weekdayOf('2026-11-22')).toBe(0);
    expect(sameDayLastYear('2028-02-29')).toBe('2027-02-28');
    expect(sameDayLastYear('2026-11-20')).toBe('2025-11-20');
  });

  it('validates dates strictly', () => {
    expect(isLocalDate('2026-11-20')).toBe(true);
    expect(isLocalDate('2026-02-30')).toBe(false);
    expect(isLocalDate('2026-1-2')).toBe(false);
    expect(isLocalDate('yesterday')).toBe(false);
  });
});

describe('eventEffect: what each event counts toward', () => {
  it('counts a report, a rejection and a merged duplicate', () => {
    expect(eventEffect(ev({ type: 'incident.reported' }))).toEqual({ counts: { reported: 1 } });
    expect(eventEffect(ev({ type: 'incident.rejected' }))).toEqual({ counts: { rejected: 1 } });
    expect(eventEffect(ev({ type: 'incident.merged' }))).toEqual({ counts: { rejected: 1 } });
  });

  it('files on time up to the filing limit, late after it', () => {
    const at = (m: number): Date => new Date(T0.getTime() + m * MIN);
    expect(
      eventEffect(ev({ type: 'incident.filed', at: at(FILING_LIMIT_MINUTES) }))!.counts,
    ).toEqual({ filed: 1, filedOnTime: 1 });
    expect(
      eventEffect(ev({ type: 'incident.filed', at: at(FILING_LIMIT_MINUTES + 1) }))!.counts,
    ).toEqual({ filed: 1, filedOnTime: 0 });
  });

  it('resolves on time at or before the deadline in force, with minutes from the report', () => {
    const at = new Date(T0.getTime() + 90 * MIN);
    const onTime = eventEffect(ev({ type: 'incident.resolved', at, deadline: at }))!;
    expect(onTime).toEqual({ counts: { resolved: 1, resolvedOnTime: 1 }, resolutionMinutes: 90 });
    const late = eventEffect(
      ev({ type: 'incident.resolved', at, deadline: new Date(at.getTime() - 1) }),
    )!;
    expect(late.counts).toEqual({ resolved: 1, resolvedOnTime: 0 });
    expect(
      eventEffect(ev({ type: 'incident.resolved', at, deadline: null }))!.counts.resolvedOnTime,
    ).toBe(0);
  });

  it('a self-resolve is a resolution, a closure and self-resolved; a dispatcher close is a closure only', () => {
    const self = eventEffect(
      ev({
        type: 'incident.closed',
        action: 'self_resolve',
        deadline: new Date(T0.getTime() + 3_600 * MIN),
      }),
    )!;
    expect(self.counts).toEqual({ closed: 1, selfResolved: 1, resolved: 1, resolvedOnTime: 1 });
    expect(self.resolutionMinutes).toBe(30);
    expect(eventEffect(ev({ type: 'incident.closed', action: 'close' }))).toEqual({
      counts: { closed: 1 },
    });
  });

  it('a passed verification closes, a failed one does not (its rework is counted on its own event)', () => {
    expect(eventEffect(ev({ type: 'incident.verified', passed: true }))).toEqual({
      counts: { closed: 1 },
    });
    expect(eventEffect(ev({ type: 'incident.verified', passed: false }))).toBeNull();
    expect(eventEffect(ev({ type: 'incident.reworked' }))).toEqual({ counts: { reworked: 1 } });
  });

  it('counts dispatches, returns and extension requests; ignores everything else', () => {
    expect(eventEffect(ev({ type: 'incident.dispatched' }))).toEqual({ counts: { dispatched: 1 } });
    expect(eventEffect(ev({ type: 'incident.returned' }))).toEqual({ counts: { returned: 1 } });
    expect(eventEffect(ev({ type: 'incident.extension_requested' }))).toEqual({
      counts: { extensionsRequested: 1 },
    });
    for (const type of [
      'incident.signed',
      'incident.escalated',
      'incident.reminded',
      'incident.overdue',
      'incident.noted',
      'incident.extension_decided',
      'patrol.checkin',
    ]) {
      expect(eventEffect(ev({ type })), type).toBeNull();
    }
  });

  it('applyEffect adds into running counts', () => {
    const c: IndicatorCounts = { ...EMPTY_COUNTS };
    applyEffect(
      c,
      eventEffect(ev({ type: 'incident.closed', action: 'self_resolve', deadline: T0 }))!,
    );
    applyEffect(c, eventEffect(ev({ type: 'incident.reported' }))!);
    expect(c).toEqual({ ...EMPTY_COUNTS, reported: 1, resolved: 1, closed: 1, selfResolved: 1 });
  });
});

const totals = (patch: Partial<StatTotals>): StatTotals => ({ ...EMPTY_TOTALS, ...patch });

describe('indicators', () => {
  it('derive rates, exact resolution quantiles, coverage and reports per worker', () => {
    const ind = indicators(
      totals({
        reported: 10,
        filed: 8,
        resolved: 4,
        resolvedOnTime: 3,
        gridsVisited: 5,
        gridReported: 6,
      }),
      [40, 10, 30, 20],
      {
        gridCount: 20,
        workers: 3,
      },
    );
    expect(ind.onTimeRate).toBe(0.75);
    expect(ind.filingRate).toBe(0.8);
    expect(ind.resolution).toEqual({ median: 25, p90: expect.closeTo(37, 12), mean: 25 });
    expect(ind.patrolCoverage).toBe(0.25);
    expect(ind.reportsPerWorker).toBe(2);
  });

  it('have no coverage or per-worker figure without grids or workers', () => {
    const ind = indicators(EMPTY_TOTALS, [], { gridCount: 0, workers: 0 });
    expect(ind.patrolCoverage).toBeNull();
    expect(ind.reportsPerWorker).toBeNull();
    expect(ind.resolution.median).toBeNull();
  });

  it('every listed indicator has a value accessor', () => {
    const ind = indicators(totals({ reported: 1, resolved: 1, resolvedOnTime: 1 }), [5], {
      gridCount: 1,
      workers: 1,
    });
    for (const d of INDICATORS) expect(indicatorValue(ind, d.key), d.key).not.toBeUndefined();
    expect(indicatorValue(ind, 'resolutionP90')).toBe(5);
  });

  it('addTotals adds every field', () => {
    expect(
      addTotals(
        totals({ reported: 1, overdueOpen: 2, gridsVisited: 1 }),
        totals({ reported: 2, gridReported: 3 }),
      ),
    ).toEqual(totals({ reported: 3, overdueOpen: 2, gridsVisited: 1, gridReported: 3 }));
  });
});

describe('changeOf', () => {
  const def = (key: IndicatorDef['key']): IndicatorDef => INDICATORS.find((d) => d.key === key)!;
  const at = (patch: Partial<StatTotals>, minutes: number[] = []): Indicators =>
    indicators(totals(patch), minutes, { gridCount: 0, workers: 0 });

  it('is percentage points for rates and a relative change for counts and times', () => {
    const now = at({ reported: 110, resolved: 10, resolvedOnTime: 9 }, [30]);
    const before = at({ reported: 100, resolved: 10, resolvedOnTime: 8 }, [60]);
    expect(changeOf(def('onTimeRate'), now, before)).toBeCloseTo(0.1, 12);
    expect(changeOf(def('reported'), now, before)).toBeCloseTo(0.1, 12);
    expect(changeOf(def('resolutionMedian'), now, before)).toBeCloseTo(-0.5, 12);
  });

  it('is null without a comparison, a value, or a base', () => {
    const now = at({ reported: 5 });
    expect(changeOf(def('reported'), now, null)).toBeNull();
    expect(changeOf(def('reported'), now, at({ reported: 0 }))).toBeNull();
    expect(changeOf(def('onTimeRate'), now, at({ resolved: 3, resolvedOnTime: 3 }))).toBeNull();
  });
});

describe('rankBest (红黑榜)', () => {
  const row = (code: string, resolved: number, onTime: number) => ({
    code,
    indicators: indicators(totals({ resolved, resolvedOnTime: onTime }), [], {
      gridCount: 0,
      workers: 0,
    }),
  });

  it('ranks best and worst among rows with enough volume, never listing one row twice', () => {
    const rows = [
      row('a', 10, 9),
      row('b', 10, 5),
      row('c', 2, 2),
      row('d', 20, 19),
      row('e', 10, 7),
    ];
    const r = rankBest(rows, 'onTimeRate', {
      n: 2,
      minVolume: 5,
      volume: 'resolved',
      better: 'higher',
    });
    expect(r.best.map((x) => x.code)).toEqual(['d', 'a']);
    expect(r.worst.map((x) => x.code)).toEqual(['b', 'e']);
    const few = rankBest(rows.slice(0, 2), 'onTimeRate', {
      n: 5,
      minVolume: 5,
      volume: 'resolved',
      better: 'higher',
    });
    expect(few.best.map((x) => x.code)).toEqual(['a', 'b']);
    expect(few.worst).toEqual([]);
  });

  it('ranks "lower is better" indicators the other way round', () => {
    const rows = [row('a', 10, 9), row('b', 10, 5)];
    const r = rankBest(rows, 'resolved', {
      n: 1,
      minVolume: 0,
      volume: 'resolved',
      better: 'lower',
    });
    expect(r.best[0]!.code).toBe('a');
  });
});

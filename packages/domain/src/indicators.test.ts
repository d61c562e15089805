import { describe, expect, it } from 'vitest';
import {
  EMPTY_COUNTS,
  addCounts,
  mean,
  quantile,
  rates,
  ratio,
  resolutionStats,
  type IndicatorCounts,
} from './indicators.ts';

describe('quantile (numpy linear / R type 7)', () => {
  it('matches numpy on [1, 2, 3, 4]', () => {
    // np.quantile([1,2,3,4], [0, .25, .5, .9, 1]) → [1, 1.75, 2.5, 3.7, 4]
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });

  it('matches numpy on an odd-length, uneven list', () => {
    // np.quantile([2, 3, 5, 8, 13], [.5, .9, .1]) → [5, 10.999..., 2.4]
    expect(quantile([2, 3, 5, 8, 13], 0.5)).toBe(5);
    expect(quantile([2, 3, 5, 8, 13], 0.9)).toBeCloseTo(11, 12);
    expect(quantile([2, 3, 5, 8, 13], 0.1)).toBeCloseTo(2.4, 12);
  });

  it('returns the one value of a single-element list', () => {
    expect(quantile([42], 0.5)).toBe(42);
    expect(quantile([42], 0.9)).toBe(42);
  });

  it('is null for an empty list', () => {
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('mean and ratio', () => {
  it('mean is null when empty', () => {
    expect(mean([])).toBeNull();
    expect(mean([1, 2, 6])).toBe(3);
  });

  it('ratio is null with a zero denominator', () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(0, 4)).toBe(0);
  });
});

describe('resolutionStats', () => {
  it('sorts before taking quantiles and leaves the input alone', () => {
    const durations = [4, 1, 3, 2];
    expect(resolutionStats(durations)).toEqual({
      median: 2.5,
      p90: expect.closeTo(3.7, 12),
      mean: 2.5,
    });
    expect(durations).toEqual([4, 1, 3, 2]);
  });

  it('is all null without data', () => {
    expect(resolutionStats([])).toEqual({ median: null, p90: null, mean: null });
  });
});

const counts = (patch: Partial<IndicatorCounts>): IndicatorCounts => ({
  ...EMPTY_COUNTS,
  ...patch,
});

describe('rates', () => {
  it('are all null when every denominator is zero ("no data" is not 0 %)', () => {
    const r = rates(EMPTY_COUNTS);
    for (const [name, value] of Object.entries(r)) expect(value, name).toBeNull();
  });

  it('dispatch accuracy is 1 − returned/dispatched', () => {
    expect(rates(counts({ dispatched: 20, returned: 3 })).dispatchAccuracy).toBeCloseTo(0.85, 12);
    expect(rates(counts({ dispatched: 20, returned: 0 })).dispatchAccuracy).toBe(1);
    expect(rates(counts({ dispatched: 0, returned: 0 })).dispatchAccuracy).toBeNull();
  });

  it('computes each rate from its own numerator and denominator', () => {
    const r = rates(
      counts({
        reported: 10,
        filed: 8,
        dispatched: 5,
        returned: 1,
        resolved: 4,
        resolvedOnTime: 3,
        closed: 2,
        reworked: 1,
        extensionsRequested: 2,
        filedOnTime: 6,
      }),
    );
    expect(r).toEqual({
      filingRate: 0.8,
      dispatchAccuracy: 0.8,
      onTimeRate: 0.75,
      closureRate: 0.25,
      reworkRate: 0.25,
      extensionRate: 0.4,
      timelyFilingRate: 0.75,
    });
  });
});

describe('addCounts', () => {
  it('adds every field and leaves both inputs alone', () => {
    const a = counts({ reported: 2, filed: 1, dispatched: 1, selfResolved: 1 });
    const b = counts({ reported: 3, returned: 1, dispatched: 2, filedOnTime: 4 });
    const aCopy = { ...a };
    expect(addCounts(a, b)).toEqual(
      counts({
        reported: 5,
        filed: 1,
        dispatched: 3,
        returned: 1,
        selfResolved: 1,
        filedOnTime: 4,
      }),
    );
    expect(a).toEqual(aCopy);
  });

  it('has EMPTY_COUNTS as identity', () => {
    const a = counts({ reported: 7, closed: 2 });
    expect(addCounts(a, EMPTY_COUNTS)).toEqual(a);
    expect(addCounts(EMPTY_COUNTS, EMPTY_COUNTS)).toEqual(EMPTY_COUNTS);
    expect(Object.values(EMPTY_COUNTS).every((v) => v === 0)).toBe(true);
  });
});

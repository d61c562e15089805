import { describe, expect, it } from 'vitest';
import { MIXES, stepKind } from './simulator.ts';

/** How many of `n` evenly spread draws each kind of step gets. */
function spread(mix: (typeof MIXES)[keyof typeof MIXES], n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const k = stepKind(mix, (i + 0.5) / n);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

describe('simulator mixes', () => {
  it.each(Object.entries(MIXES))('%s: each kind of step gets its share of draws', (_, mix) => {
    const n = 30_000;
    const counts = spread(mix, n);
    for (const [kind, share] of Object.entries(mix))
      expect(counts[kind]).toBeCloseTo(share * n, -1);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('demo: the thresholds the simulator has always used', () => {
    const at = (r: number): string => stepKind(MIXES.demo, r);
    expect(
      [0, 0.29, 0.3, 0.49, 0.5, 0.61, 0.62, 0.73, 0.74, 0.83, 0.84, 0.92, 0.93, 0.999].map(at),
    ).toEqual([
      'report',
      'report',
      'checkin',
      'checkin',
      'file',
      'file',
      'dispatch',
      'dispatch',
      'sign',
      'sign',
      'resolve',
      'resolve',
      'verify',
      'verify',
    ]);
  });

  it('steady: every stage from report to verify as often as a report', () => {
    const counts = spread(MIXES.steady, 60_000);
    for (const k of ['file', 'dispatch', 'sign', 'resolve', 'verify'])
      expect(Math.abs(counts[k]! - counts.report!)).toBeLessThanOrEqual(1);
  });
});

import { describe, expect, it } from 'vitest';
import { sameData } from './same-data.ts';

describe('sameData', () => {
  it('compares figures by value, nested in arrays, objects and Maps', () => {
    const rows = [{ code: 'water', buckets: [1, 0], rate: null }];
    expect(sameData(rows, [{ code: 'water', buckets: [1, 0], rate: null }])).toBe(true);
    expect(sameData(rows, [{ code: 'water', buckets: [1, 1], rate: null }])).toBe(false);
    expect(sameData(new Map([['a', { n: 1 }]]), new Map([['a', { n: 1 }]]))).toBe(true);
    expect(sameData(new Map([['a', 1]]), new Map([['b', 1]]))).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: 0 })).toBe(false);
    expect(sameData({ a: undefined }, { b: undefined })).toBe(false);
    expect(sameData([1], { 0: 1 })).toBe(false);
    expect(sameData(NaN, NaN)).toBe(true);
  });
});

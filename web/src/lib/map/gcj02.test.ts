import { describe, expect, it } from 'vitest';
import { mapCoordinates, wgs84ToGcj02 } from './gcj02.ts';

describe('wgs84ToGcj02', () => {
  it('shifts a point in Zhengzhou by the few hundred metres Chinese basemaps use', () => {
    const [lng, lat] = wgs84ToGcj02(113.6254, 34.7466);
    // Published conversions of central Zhengzhou move it about +0.0065° east, −0.0012° north.
    expect(lng - 113.6254).toBeGreaterThan(0.005);
    expect(lng - 113.6254).toBeLessThan(0.0075);
    expect(Math.abs(lat - 34.7466)).toBeLessThan(0.003);
  });
  it('leaves points outside China alone', () => {
    expect(wgs84ToGcj02(2.35, 48.85)).toEqual([2.35, 48.85]);
  });
  it('maps nested polygon coordinates', () => {
    const poly = [
      [
        [113.6, 34.7],
        [113.7, 34.7],
        [113.7, 34.8],
        [113.6, 34.7],
      ],
    ];
    const out = mapCoordinates(poly, (x, y) => [x + 1, y]) as number[][][];
    expect(out[0]![1]).toEqual([114.7, 34.7]);
    expect(poly[0]![1]).toEqual([113.7, 34.7]);
  });
});

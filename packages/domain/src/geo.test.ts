import { describe, expect, it } from 'vitest';
import {
  bbox,
  distanceMetres,
  pointInGeometry,
  wgs84ToGcj02,
  type MultiPolygonGeometry,
  type PolygonGeometry,
  type Ring,
} from './geo.ts';

const square = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

/** A 10×10 square near Zhengzhou with a 2×2 hole in the middle (a courtyard not in the grid). */
const WITH_HOLE: PolygonGeometry = {
  type: 'Polygon',
  coordinates: [square(113.0, 34.0, 113.1, 34.1), square(113.04, 34.04, 113.06, 34.06)],
};

const TWO_PARTS: MultiPolygonGeometry = {
  type: 'MultiPolygon',
  coordinates: [[square(0, 0, 1, 1)], [square(5, 5, 6, 7), square(5.4, 5.4, 5.6, 5.6)]],
};

describe('pointInGeometry', () => {
  it('finds points inside a polygon and outside its hole', () => {
    expect(pointInGeometry(113.01, 34.01, WITH_HOLE)).toBe(true);
    expect(pointInGeometry(113.09, 34.05, WITH_HOLE)).toBe(true);
    expect(pointInGeometry(113.05, 34.05, WITH_HOLE)).toBe(false);
    expect(pointInGeometry(113.2, 34.05, WITH_HOLE)).toBe(false);
    expect(pointInGeometry(113.05, 33.99, WITH_HOLE)).toBe(false);
  });

  it('finds points in any part of a multipolygon, honouring holes', () => {
    expect(pointInGeometry(0.5, 0.5, TWO_PARTS)).toBe(true);
    expect(pointInGeometry(5.2, 6.5, TWO_PARTS)).toBe(true);
    expect(pointInGeometry(5.5, 5.5, TWO_PARTS)).toBe(false);
    expect(pointInGeometry(3, 3, TWO_PARTS)).toBe(false);
  });

  it('handles a concave polygon', () => {
    // An L shape: the notch at the top right is outside.
    const l: PolygonGeometry = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [2, 0],
          [2, 1],
          [1, 1],
          [1, 2],
          [0, 2],
          [0, 0],
        ],
      ],
    };
    expect(pointInGeometry(0.5, 1.5, l)).toBe(true);
    expect(pointInGeometry(1.5, 0.5, l)).toBe(true);
    expect(pointInGeometry(1.5, 1.5, l)).toBe(false);
  });

  it('finds nothing in a polygon with no rings', () => {
    expect(pointInGeometry(0, 0, { type: 'Polygon', coordinates: [] })).toBe(false);
  });
});

describe('bbox', () => {
  it('bounds a polygon by its outer ring', () => {
    expect(bbox(WITH_HOLE)).toEqual([113.0, 34.0, 113.1, 34.1]);
  });

  it('bounds all parts of a multipolygon', () => {
    expect(bbox(TWO_PARTS)).toEqual([0, 0, 6, 7]);
  });
});

describe('distanceMetres', () => {
  it('is zero for the same point', () => {
    expect(distanceMetres([113.6, 34.7], [113.6, 34.7])).toBe(0);
  });

  it('makes 0.001° of latitude about 111 m (within 1 %)', () => {
    const d = distanceMetres([113.6, 34.7], [113.6, 34.701]);
    expect(Math.abs(d - 111.2) / 111.2).toBeLessThan(0.01);
  });

  it('shrinks a degree of longitude by cos(latitude)', () => {
    const d = distanceMetres([113.0, 34.75], [113.001, 34.75]);
    const expected = 111.2 * Math.cos((34.75 * Math.PI) / 180);
    expect(Math.abs(d - expected) / expected).toBeLessThan(0.01);
  });

  it('is symmetric and matches a known long distance (Zhengzhou–Beijing ≈ 620 km)', () => {
    const zhengzhou: [number, number] = [113.6254, 34.7466];
    const beijing: [number, number] = [116.4074, 39.9042];
    const d = distanceMetres(zhengzhou, beijing);
    expect(d).toBe(distanceMetres(beijing, zhengzhou));
    expect(d).toBeGreaterThan(600_000);
    expect(d).toBeLessThan(640_000);
  });
});

describe('wgs84ToGcj02', () => {
  it('shifts a Zhengzhou point by a few hundred metres', () => {
    const wgs: [number, number] = [113.6254, 34.7466];
    const gcj = wgs84ToGcj02(wgs[0], wgs[1]);
    const shift = distanceMetres(wgs, gcj);
    expect(shift).toBeGreaterThan(100);
    expect(shift).toBeLessThan(1000);
  });

  it('matches the published eviltransform vectors', () => {
    // [wgsLat, wgsLng, gcjLat, gcjLng] from googollee/eviltransform's tests.
    const vectors = [
      [31.1774276, 121.5272106, 31.17530398364597, 121.531541859215],
      [22.543847, 113.912316, 22.540796131694766, 113.9171764808363],
      [39.911954, 116.377817, 39.91334545536069, 116.38404722455657],
    ] as const;
    for (const [lat, lng, gcjLat, gcjLng] of vectors) {
      const [x, y] = wgs84ToGcj02(lng, lat);
      expect(x).toBeCloseTo(gcjLng, 9);
      expect(y).toBeCloseTo(gcjLat, 9);
    }
  });

  it('leaves points outside China unchanged', () => {
    expect(wgs84ToGcj02(-0.1276, 51.5072)).toEqual([-0.1276, 51.5072]);
    expect(wgs84ToGcj02(-104.9903, 39.7392)).toEqual([-104.9903, 39.7392]);
    expect(wgs84ToGcj02(151.2093, -33.8688)).toEqual([151.2093, -33.8688]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { bbox, pointInGeometry } from '@cityops/domain';
import type { AreaGeometry, RegionLevel } from '@cityops/domain';
import { buildCity, demoPoint, generateCity, mulberry32 } from './index.ts';
import type { City, CityRegion, CityScale } from './index.ts';

/** Shoelace area in square degrees (outer rings minus holes). */
function area(g: AreaGeometry): number {
  const ringArea = (ring: [number, number][]): number => {
    let s = 0;
    for (let i = 0; i + 1 < ring.length; i++)
      s += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
    return Math.abs(s / 2);
  };
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.reduce(
    (sum, rings) => sum + rings.reduce((a, r, i) => a + (i === 0 ? 1 : -1) * ringArea(r), 0),
    0,
  );
}

function allRegions(c: City): CityRegion[] {
  return [c.city, ...c.districts, ...c.streets, ...c.communities, ...c.grids];
}

/** Finds the regions of a level containing a point, with a bbox prefilter. */
function locator(regions: CityRegion[]): (x: number, y: number) => CityRegion[] {
  const boxes = regions.map((r) => bbox(r.geometry));
  return (x, y) =>
    regions.filter((r, i) => {
      const [x0, y0, x1, y1] = boxes[i]!;
      return x >= x0 && x <= x1 && y >= y0 && y <= y1 && pointInGeometry(x, y, r.geometry);
    });
}

const CODE_LENGTH: Record<string, number> = {
  city: 6,
  district: 6,
  street: 9,
  community: 12,
  grid: 15,
};
const SEED_NAMES = [
  '世和社区',
  '亚太社区',
  '锦程花园社区',
  '民主路社区',
  '淮南社区',
  '郑飞社区',
  '香园街社区',
  '索河湾社区',
  '万业社区',
  '农南二社区',
  '工人村社区',
  '祥和社区',
  '学府花园社区',
  '帝湖花园东社区',
];

const cities: Partial<Record<CityScale, City>> = {};

beforeAll(() => {
  cities.demo = buildCity('demo');
  cities.full = buildCity('full');
}, 60_000);

describe.each(['demo', 'full'] as const)('buildCity(%s)', (scale) => {
  const city = (): City => cities[scale]!;

  it('has the expected counts', () => {
    const c = city();
    expect(c.city.code).toBe('410100');
    expect(c.city.name).toBe('郑州市');
    expect(c.districts.length).toBeGreaterThanOrEqual(8);
    expect(c.streets.length).toBeGreaterThanOrEqual(40);
    expect(c.communities.length).toBeGreaterThanOrEqual(200);
    if (scale === 'demo') {
      expect(c.grids.length).toBeGreaterThanOrEqual(2000);
      expect(c.grids.length).toBeLessThanOrEqual(2500);
    } else {
      expect(c.grids.length).toBe(7876);
    }
  });

  it('centres the city on Zhengzhou at about 0.5° × 0.4°', () => {
    const [x0, y0, x1, y1] = bbox(city().city.geometry);
    expect((x0 + x1) / 2).toBeCloseTo(113.62, 1);
    expect((y0 + y1) / 2).toBeCloseTo(34.75, 1);
    expect(x1 - x0).toBeGreaterThan(0.4);
    expect(x1 - x0).toBeLessThan(0.6);
    expect(y1 - y0).toBeGreaterThan(0.32);
    expect(y1 - y0).toBeLessThan(0.48);
  });

  it('has unique, well-formed codes and consistent paths and parent links', () => {
    const c = city();
    const regions = allRegions(c);
    const byCode = new Map(regions.map((r) => [r.code, r]));
    expect(byCode.size).toBe(regions.length);
    const levels: [CityRegion[], RegionLevel][] = [
      [[c.city], 'city'],
      [c.districts, 'district'],
      [c.streets, 'street'],
      [c.communities, 'community'],
      [c.grids, 'grid'],
    ];
    for (const [list, level] of levels)
      for (const r of list) {
        expect(r.level).toBe(level);
        expect(r.code).toMatch(/^\d+$/);
        expect(r.code.length).toBe(CODE_LENGTH[level]);
        expect(r.path[0]).toBe('410100');
        expect(r.path[r.path.length - 1]).toBe(r.code);
        if (level === 'city') {
          expect(r.parentCode).toBeNull();
          expect(r.path).toEqual(['410100']);
          continue;
        }
        const parent = byCode.get(r.parentCode ?? '');
        expect(parent, r.code).toBeDefined();
        expect(r.path).toEqual([...parent!.path, r.code]);
        if (level !== 'district') expect(r.code.startsWith(parent!.code)).toBe(true);
      }
    // every non-grid region has children
    const parents = new Set(regions.map((r) => r.parentCode));
    for (const r of regions) if (r.level !== 'grid') expect(parents.has(r.code), r.code).toBe(true);
  });

  it('names are unique within each parent', () => {
    const seen = new Set<string>();
    for (const r of allRegions(city())) {
      const key = `${r.parentCode}/${r.name}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('has closed rings and a centre inside each geometry', () => {
    for (const r of allRegions(city())) {
      const polys =
        r.geometry.type === 'Polygon' ? [r.geometry.coordinates] : r.geometry.coordinates;
      for (const rings of polys)
        for (const ring of rings) {
          expect(ring.length).toBeGreaterThanOrEqual(4);
          expect(ring[0]).toEqual(ring[ring.length - 1]);
        }
      expect(pointInGeometry(r.center[0], r.center[1], r.geometry), `${r.code} ${r.name}`).toBe(
        true,
      );
    }
  });

  it('tiles every parent: each sample point lies in exactly one region per level, nested', () => {
    const c = city();
    const find = [c.districts, c.streets, c.communities, c.grids].map(locator);
    const rand = mulberry32(20240208);
    const [x0, y0, x1, y1] = bbox(c.city.geometry);
    let samples = 0;
    while (samples < 2000) {
      const x = x0 + rand() * (x1 - x0);
      const y = y0 + rand() * (y1 - y0);
      if (!pointInGeometry(x, y, c.city.geometry)) continue;
      samples++;
      let parent = c.city;
      for (const f of find) {
        const hits = f(x, y);
        expect(hits.length, `${x},${y} below ${parent.code}`).toBe(1);
        expect(hits[0]!.parentCode).toBe(parent.code);
        parent = hits[0]!;
      }
    }
  });

  it('children add up to their parent’s area (within 0.5%)', () => {
    const c = city();
    const regions = allRegions(c);
    const childArea = new Map<string, number>();
    for (const r of regions)
      if (r.parentCode)
        childArea.set(r.parentCode, (childArea.get(r.parentCode) ?? 0) + area(r.geometry));
    for (const r of regions) {
      if (r.level === 'grid') continue;
      const a = area(r.geometry);
      expect(Math.abs((childArea.get(r.code) ?? 0) - a) / a, `${r.code} ${r.name}`).toBeLessThan(
        0.005,
      );
    }
  });

  it('places the seed articles’ names', () => {
    const c = city();
    const byCode = new Map(allRegions(c).map((r) => [r.code, r]));
    const shihe = c.communities.find((r) => r.name === '世和社区');
    expect(shihe).toBeDefined();
    const minghu = byCode.get(shihe!.parentCode!)!;
    expect(minghu.name).toContain('明湖');
    expect(minghu.parentCode).toBe('410172');
    const huayuan = c.streets.find((r) => r.name === '花园路街道');
    expect(huayuan?.parentCode).toBe('410105');
    const names = new Set(c.communities.map((r) => r.name));
    for (const name of SEED_NAMES) expect(names.has(name), name).toBe(true);
    expect(c.grids.some((g) => g.name === '世和社区第3网格')).toBe(true);
  });

  it('demoPoint returns points inside the region', () => {
    const c = city();
    const rand = mulberry32(7);
    for (const r of [c.city, ...c.districts, ...c.grids.slice(0, 200)]) {
      const [x, y] = demoPoint(r, rand);
      expect(pointInGeometry(x, y, r.geometry)).toBe(true);
    }
  });
});

describe('determinism', () => {
  it('builds the same city every time', () => {
    expect(JSON.stringify(generateCity('demo'))).toBe(JSON.stringify(cities.demo));
    expect(buildCity()).toBe(cities.demo);
  }, 30_000);

  it('shares districts and streets between scales', () => {
    const demo = cities.demo!;
    const full = cities.full!;
    expect(JSON.stringify(full.districts)).toBe(JSON.stringify(demo.districts));
    expect(JSON.stringify(full.streets)).toBe(JSON.stringify(demo.streets));
  });

  it('mulberry32 is a repeatable generator in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 100; i++) {
      const v = a();
      expect(v).toBe(b());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

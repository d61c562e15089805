/**
 * The demo city: a deterministic region tree modelled on Zhengzhou (郑州), whose polygons tile
 * each parent exactly. See README.md for the algorithm.
 */
import { bbox, pointInGeometry } from '@cityops/domain';
import type { AreaGeometry, Position, RegionLevel } from '@cityops/domain';
import {
  Delaunay,
  areaCentroid,
  bboxOf,
  cleanMulti,
  interiorPoint,
  intersect,
  mergeStrayPieces,
  tileRegion,
  toGeometry,
  toMulti,
  unionAll,
} from './geometry.ts';
import type { Box, MultiPolygonCoords, Tile } from './geometry.ts';
import {
  CITY_CENTER,
  CITY_CODE,
  CITY_NAME,
  CommunityNamer,
  DISTRICTS,
  gridName,
  namedCommunities,
} from './names.ts';
import type { DistrictDef, StreetDef } from './names.ts';
import { seededRandom } from './prng.ts';

export interface CityRegion {
  /** Administrative-style code: district 6 digits, street +3, community +3, grid +3. */
  code: string;
  /** Chinese name. */
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  /** Codes from the city down to this region, inclusive. */
  path: string[];
  /** WGS-84 [lng, lat]; rings closed, outer rings counter-clockwise. */
  geometry: AreaGeometry;
  /** A point inside the geometry (labels, demo points). */
  center: [number, number];
}

export interface City {
  city: CityRegion;
  districts: CityRegion[];
  streets: CityRegion[];
  communities: CityRegion[];
  grids: CityRegion[];
}

export type CityScale = 'demo' | 'full';

interface ScaleSpec {
  /** Target number of communities (a little more if the articles name more somewhere). */
  communities: number;
  /** Exact number of grids. */
  grids: number;
  minGridsPerCommunity: number;
}

const SCALES: Record<CityScale, ScaleSpec> = {
  demo: { communities: 232, grids: 2300, minGridsPerCommunity: 3 },
  // Zhengzhou reports 7,876 community grids.
  full: { communities: 520, grids: 7876, minGridsPerCommunity: 4 },
};

const MIN_COMMUNITIES_PER_STREET = 2;
const LLOYD_ITERATIONS = 2;

/** Cached per scale: building is deterministic, so one build serves every caller. */
const cache = new Map<CityScale, City>();

/**
 * The demo city at the given scale ('demo' by default). Deterministic: every call returns the
 * same regions (the result is memoised per scale; treat it as read-only).
 */
export function buildCity(scale: CityScale = 'demo'): City {
  let city = cache.get(scale);
  if (!city) {
    city = generateCity(scale);
    cache.set(scale, city);
  }
  return city;
}

/** Builds the city from scratch, bypassing the cache (for tests of determinism). */
export function generateCity(scale: CityScale = 'demo'): City {
  const spec = SCALES[scale];
  const city = buildTop();
  const districts = buildDistricts(city);
  const streets = districts.flatMap(({ region, def }) => buildStreets(region, def));

  const namer = new CommunityNamer(namedCommunities());
  const communityCounts = allocate(
    streets.map((s) => weightOf(s.coords)),
    streets.map((s) => Math.max(MIN_COMMUNITIES_PER_STREET, s.def.communities?.length ?? 0)),
    spec.communities,
  );
  const communities = streets.flatMap((s, i) =>
    buildCommunities(s, communityCounts[i]!, scale, namer),
  );

  const gridCounts = allocate(
    communities.map((c) => weightOf(c.coords)),
    communities.map(() => spec.minGridsPerCommunity),
    spec.grids,
  );
  const grids = communities.flatMap((c, i) => buildGrids(c, gridCounts[i]!, scale));

  return {
    city: city.region,
    districts: districts.map((d) => d.region),
    streets: streets.map((s) => s.region),
    communities: communities.map((c) => c.region),
    grids,
  };
}

/** A random point inside the region's geometry (rejection sampling within its bbox). */
export function demoPoint(region: CityRegion, rand: () => number): [number, number] {
  const [x0, y0, x1, y1] = bbox(region.geometry);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const x = x0 + rand() * (x1 - x0);
    const y = y0 + rand() * (y1 - y0);
    if (pointInGeometry(x, y, region.geometry)) return [x, y];
  }
  return [region.center[0], region.center[1]];
}

// ---------------------------------------------------------------------------------------------

interface Built<D = undefined> {
  region: CityRegion;
  coords: MultiPolygonCoords;
  def: D;
}

function makeRegion(
  code: string,
  name: string,
  level: RegionLevel,
  parent: CityRegion | null,
  coords: MultiPolygonCoords,
): CityRegion {
  return {
    code,
    name,
    level,
    parentCode: parent ? parent.code : null,
    path: parent ? [...parent.path, code] : [code],
    geometry: toGeometry(coords),
    center: interiorPoint(coords),
  };
}

/** The city outline: a smoothly wobbling ellipse, about 0.5° × 0.4°, with a little jitter. */
function cityOutline(): MultiPolygonCoords {
  const rand = seededRandom('outline:' + CITY_CODE);
  const waves = [2, 3, 4, 5, 7, 9].map((k) => ({
    k,
    amp: (k <= 3 ? 0.05 : 0.02) + rand() * (k <= 3 ? 0.05 : 0.025),
    phase: rand() * Math.PI * 2,
  }));
  const [cx, cy] = CITY_CENTER;
  const ring: Position[] = [];
  const vertices = 72;
  for (let i = 0; i < vertices; i++) {
    const t = (i / vertices) * Math.PI * 2;
    let r = 1 + (rand() - 0.5) * 0.03;
    for (const w of waves) r += w.amp * Math.sin(w.k * t + w.phase);
    ring.push([cx + 0.26 * r * Math.cos(t), cy + 0.19 * r * Math.sin(t)]);
  }
  ring.push([ring[0]![0], ring[0]![1]]);
  return cleanMulti([[ring]]);
}

function buildTop(): Built {
  const coords = cityOutline();
  return { region: makeRegion(CITY_CODE, CITY_NAME, 'city', null, coords), coords, def: undefined };
}

/** Degrees of longitude are shorter than degrees of latitude here; measure distances in "lat degrees". */
const LNG_SCALE = Math.cos((CITY_CENTER[1] * Math.PI) / 180);

/**
 * Districts: a fine jittered lattice of Voronoi cells over the city's bbox, each cell given to the
 * district whose seat is nearest (distance divided by the district's weight and wobbled by smooth
 * noise, so borders meander), then the cells of each district merged and cut to the city outline.
 */
function buildDistricts(city: Built): Built<DistrictDef>[] {
  const rand = seededRandom('districts:' + CITY_CODE);
  const [x0, y0, x1, y1] = bboxOf(city.coords);
  const pad = 0.01;
  const bounds: Box = [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
  const step = 0.018;
  const sites: Position[] = [];
  for (let y = bounds[1] + step / 2; y < bounds[3]; y += step)
    for (let x = bounds[0] + step / 2; x < bounds[2]; x += step)
      sites.push([x + (rand() - 0.5) * step * 0.8, y + (rand() - 0.5) * step * 0.8]);

  const noise = DISTRICTS.map(() =>
    [0, 1, 2].map(() => {
      const angle = rand() * Math.PI * 2;
      const freq = (4 + rand() * 6) * Math.PI * 2;
      return {
        fx: Math.cos(angle) * freq,
        fy: Math.sin(angle) * freq,
        phase: rand() * Math.PI * 2,
      };
    }),
  );
  const owner = (p: Position): number => {
    let best = 0;
    let bestScore = Infinity;
    DISTRICTS.forEach((d, i) => {
      const dx = (p[0] - d.seat[0]) * LNG_SCALE;
      const dy = p[1] - d.seat[1];
      const wobble =
        noise[i]!.reduce((s, w) => s + Math.sin(w.fx * p[0] + w.fy * p[1] + w.phase), 0) / 3;
      const score = (Math.hypot(dx, dy) / d.weight) * (1 + 0.14 * wobble);
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    });
    return best;
  };

  const voronoi = Delaunay.from(sites).voronoi(bounds);
  const cellsByDistrict: MultiPolygonCoords[] = DISTRICTS.map(() => []);
  sites.forEach((site, i) => {
    const cell = voronoi.cellPolygon(i) as Position[] | null;
    if (cell) cellsByDistrict[owner(site)]!.push([cell]);
  });

  const tiles: Tile[] = DISTRICTS.map((def, i) => {
    const coords = cleanMulti(intersect(unionAll(cellsByDistrict[i]!), city.coords));
    if (coords.length === 0) throw new Error(`district ${def.name} is empty`);
    return { site: def.seat, coords };
  });
  mergeStrayPieces(tiles); // no exclaves: a stray piece joins the district around it
  return DISTRICTS.map((def, i) => {
    const coords = tiles[i]!.coords;
    return { region: makeRegion(def.code, def.name, 'district', city.region, coords), coords, def };
  });
}

function buildStreets(district: CityRegion, def: DistrictDef): Built<StreetDef>[] {
  const parentCoords = toMulti(district.geometry);
  const tiles = tileRegion(
    parentCoords,
    def.streets.length,
    seededRandom('streets:' + def.code),
    LLOYD_ITERATIONS,
  );
  if (tiles.length !== def.streets.length)
    throw new Error(`district ${def.name}: ${tiles.length} street tiles`);
  const assigned = assignByDirection(parentCoords, tiles, def.streets);
  return def.streets.map((sdef, i) => {
    const code = def.code + pad3(i + 1);
    const coords = assigned[i]!.coords;
    return { region: makeRegion(code, sdef.name, 'street', district, coords), coords, def: sdef };
  });
}

/**
 * Pairs street definitions with tiles: those with a direction hint take the tile lying furthest
 * that way from the district's centre; the rest take the remaining tiles in reading order.
 */
function assignByDirection(parent: MultiPolygonCoords, tiles: Tile[], defs: StreetDef[]): Tile[] {
  const c = areaCentroid(parent);
  const free = readingOrder(tiles, bboxOf(parent));
  const out: (Tile | undefined)[] = defs.map(() => undefined);
  defs.forEach((d, i) => {
    if (!d.toward) return;
    const [tx, ty] = d.toward;
    let best = 0;
    free.forEach((t, k) => {
      const score = (t.site[0] - c.x) * LNG_SCALE * tx + (t.site[1] - c.y) * ty;
      const bestTile = free[best]!;
      if (score > (bestTile.site[0] - c.x) * LNG_SCALE * tx + (bestTile.site[1] - c.y) * ty)
        best = k;
    });
    out[i] = free.splice(best, 1)[0];
  });
  return out.map((t) => t ?? free.shift()!);
}

/** Sorts tiles top-to-bottom in bands, left-to-right within a band (so 第1网格 is top-left). */
function readingOrder(tiles: Tile[], box: Box): Tile[] {
  const rows = Math.max(1, Math.round(Math.sqrt(tiles.length)));
  const band = (box[3] - box[1]) / rows || 1;
  const key = (t: Tile): number => Math.min(rows - 1, Math.floor((box[3] - t.site[1]) / band));
  return [...tiles].sort((a, b) => key(a) - key(b) || a.site[0] - b.site[0]);
}

function buildCommunities(
  street: Built<StreetDef>,
  count: number,
  scale: CityScale,
  namer: CommunityNamer,
): Built[] {
  const code = street.region.code;
  const tiles = readingOrder(
    tileExactly(street.coords, count, `communities:${scale}:${code}`),
    bboxOf(street.coords),
  );
  const rand = seededRandom(`community-names:${scale}:${code}`);
  const named = street.def.communities ?? [];
  const rural = street.def.rural ?? 0;
  return tiles.map((tile, i) => {
    const name = named[i] ?? (rand() < rural ? namer.village(rand) : namer.urban(rand));
    const region = makeRegion(code + pad3(i + 1), name, 'community', street.region, tile.coords);
    return { region, coords: tile.coords, def: undefined };
  });
}

function buildGrids(community: Built, count: number, scale: CityScale): CityRegion[] {
  const tiles = readingOrder(
    tileExactly(community.coords, count, `grids:${scale}:${community.region.code}`),
    bboxOf(community.coords),
  );
  return tiles.map((tile, i) =>
    makeRegion(
      community.region.code + pad3(i + 1),
      gridName(community.region.name, i + 1),
      'grid',
      community.region,
      tile.coords,
    ),
  );
}

/** Tiles `coords` into exactly `count` pieces, retrying with another seed in the rare event of a loss. */
function tileExactly(coords: MultiPolygonCoords, count: number, key: string): Tile[] {
  let tiles: Tile[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    tiles = tileRegion(coords, count, seededRandom(`${key}:${attempt}`), LLOYD_ITERATIONS);
    if (tiles.length === count) return tiles;
  }
  throw new Error(`could not tile ${key} into ${count} pieces (got ${tiles.length})`);
}

/**
 * How much of the city's population a region holds, for sizing: area times an urban density that
 * peaks in the old centre (二七塔) and in the 郑东 CBD, so central grids are small and outer ones large.
 */
function weightOf(coords: MultiPolygonCoords): number {
  const c = areaCentroid(coords);
  const peak = (lng: number, lat: number, height: number, radius: number): number => {
    const d = Math.hypot((c.x - lng) * LNG_SCALE, c.y - lat);
    return height * Math.exp(-((d / radius) ** 2));
  };
  const density =
    1 +
    peak(113.66, 34.76, 4, 0.08) +
    peak(113.73, 34.775, 2, 0.04) +
    peak(113.39, 34.78, 0.6, 0.04);
  return c.area * density;
}

/**
 * Splits `total` into integers, each at least its minimum, the rest in proportion to the weights
 * (largest remainder). Returns the minimums when they already exceed the total.
 */
function allocate(weights: number[], mins: number[], total: number): number[] {
  const out = [...mins];
  const remaining = total - mins.reduce((s, m) => s + m, 0);
  if (remaining <= 0) return out;
  const sum = weights.reduce((s, w) => s + w, 0);
  const quotas = weights.map((w) => (w / sum) * remaining);
  let given = 0;
  quotas.forEach((q, i) => {
    const whole = Math.floor(q);
    out[i]! += whole;
    given += whole;
  });
  const order = quotas
    .map((q, i) => ({ i, frac: q - Math.floor(q) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; k < remaining - given; k++) out[order[k % order.length]!.i]! += 1;
  return out;
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}

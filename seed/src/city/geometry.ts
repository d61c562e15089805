/**
 * Planar geometry helpers for building the demo city: areas, centroids, interior points,
 * and tiling a region into Voronoi cells clipped to it.
 *
 * Internally every area is a MultiPolygon coordinate array (`Position[][][]`: polygons → rings →
 * positions, rings closed, outer ring first). Coordinates are WGS-84 [lng, lat] degrees; areas
 * are in square degrees, which is fine for comparing regions with each other.
 */
import * as polygonClippingNs from 'polygon-clipping';
import { Delaunay } from 'd3-delaunay';
import { pointInGeometry } from '@cityops/domain';
import type { AreaGeometry, Position, Ring } from '@cityops/domain';

type PolygonClipping = typeof polygonClippingNs;
// polygon-clipping is CommonJS: under Node's ESM loader its functions sit on `default`.
const polygonClipping: PolygonClipping =
  (polygonClippingNs as unknown as { default?: PolygonClipping }).default ?? polygonClippingNs;

export type MultiPolygonCoords = Position[][][];
export type Box = [number, number, number, number];

/**
 * Coordinates are stored with 8 decimals (about 1 mm). Coarser rounding would open visible
 * slivers where a child's vertex on its parent's edge moves off that edge.
 */
const PRECISION = 1e8;

export function roundCoord(v: number): number {
  return Math.round(v * PRECISION) / PRECISION;
}

/** Signed shoelace area of a ring (positive when counter-clockwise). Works on open or closed rings. */
export function ringSignedArea(ring: readonly Position[]): number {
  let sum = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % n]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

/** Area of a polygon given as rings (outer first, then holes). */
export function polygonArea(rings: readonly Ring[]): number {
  let area = 0;
  rings.forEach((ring, i) => {
    const a = Math.abs(ringSignedArea(ring));
    area += i === 0 ? a : -a;
  });
  return area;
}

/** Area of a Polygon or MultiPolygon geometry (square degrees). */
export function geometryArea(g: AreaGeometry): number {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.reduce((sum, rings) => sum + polygonArea(rings), 0);
}

/** Area-weighted centroid of a ring: returns [area (abs), cx, cy]. */
function ringAreaCentroid(ring: readonly Position[]): [number, number, number] {
  let a = 0;
  let cx = 0;
  let cy = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % n]!;
    const f = x1 * y2 - x2 * y1;
    a += f;
    cx += (x1 + x2) * f;
    cy += (y1 + y2) * f;
  }
  if (a === 0) return [0, 0, 0];
  return [Math.abs(a / 2), cx / (3 * a), cy / (3 * a)];
}

/** Area and area-weighted centroid of a multipolygon (holes subtracted). */
export function areaCentroid(mp: MultiPolygonCoords): { area: number; x: number; y: number } {
  let area = 0;
  let sx = 0;
  let sy = 0;
  for (const rings of mp)
    rings.forEach((ring, i) => {
      const [a, cx, cy] = ringAreaCentroid(ring);
      const sign = i === 0 ? 1 : -1;
      area += sign * a;
      sx += sign * a * cx;
      sy += sign * a * cy;
    });
  return area > 0 ? { area, x: sx / area, y: sy / area } : { area: 0, x: NaN, y: NaN };
}

export function toGeometry(mp: MultiPolygonCoords): AreaGeometry {
  if (mp.length === 1) return { type: 'Polygon', coordinates: mp[0]! };
  return { type: 'MultiPolygon', coordinates: mp };
}

export function toMulti(g: AreaGeometry): MultiPolygonCoords {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

export function bboxOf(mp: MultiPolygonCoords): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const rings of mp)
    for (const [x, y] of rings[0] ?? []) {
      if (x < minX) minX = x;
      if (y < minY) minY = y;
      if (x > maxX) maxX = x;
      if (y > maxY) maxY = y;
    }
  return [minX, minY, maxX, maxY];
}

export function insideMulti(x: number, y: number, mp: MultiPolygonCoords): boolean {
  return pointInGeometry(x, y, { type: 'MultiPolygon', coordinates: mp });
}

/**
 * Rounds coordinates, removes repeated vertices, closes rings, and drops rings and polygons that
 * collapse to nothing. The result is what gets stored.
 */
export function cleanMulti(mp: MultiPolygonCoords): MultiPolygonCoords {
  const out: MultiPolygonCoords = [];
  for (const rings of mp) {
    const cleaned: Ring[] = [];
    for (let r = 0; r < rings.length; r++) {
      const ring: Ring = [];
      for (const [x, y] of rings[r]!) {
        const p: Position = [roundCoord(x), roundCoord(y)];
        const last = ring[ring.length - 1];
        if (!last || last[0] !== p[0] || last[1] !== p[1]) ring.push(p);
      }
      const first = ring[0];
      const last = ring[ring.length - 1];
      if (first && last && (first[0] !== last[0] || first[1] !== last[1]))
        ring.push([first[0], first[1]]);
      const signed = ring.length >= 4 ? ringSignedArea(ring) : 0;
      if (r === 0 && signed === 0) break; // outer ring collapsed: drop the whole polygon
      if (signed === 0) continue;
      // GeoJSON winding: outer rings counter-clockwise, holes clockwise.
      if ((r === 0) !== signed > 0) ring.reverse();
      cleaned.push(ring);
    }
    if (cleaned.length > 0) out.push(cleaned);
  }
  return out;
}

/**
 * Sutherland–Hodgman: clip an arbitrary ring against a convex polygon. Concave input can yield
 * zero-width bridges, which add no area, so the result is only used for area and centroid.
 */
function clipRingByConvex(
  ring: readonly Position[],
  clip: readonly Position[],
  orient: number,
): Position[] {
  let output: Position[] = ring.slice(0, ring.length - 1); // open ring
  const m = clip.length - 1; // clip is closed
  for (let e = 0; e < m && output.length > 0; e++) {
    const [ax, ay] = clip[e]!;
    const [bx, by] = clip[e + 1]!;
    const side = (p: Position): number =>
      orient * ((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax));
    const input = output;
    output = [];
    let prev = input[input.length - 1]!;
    let prevSide = side(prev);
    for (const cur of input) {
      const curSide = side(cur);
      if (curSide >= 0) {
        if (prevSide < 0) output.push(cross(prev, cur, prevSide, curSide));
        output.push(cur);
      } else if (prevSide >= 0) {
        output.push(cross(prev, cur, prevSide, curSide));
      }
      prev = cur;
      prevSide = curSide;
    }
  }
  return output;
}

function cross(p: Position, q: Position, sp: number, sq: number): Position {
  const t = sp / (sp - sq);
  return [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
}

/** Area and centroid of (parent ∩ convex cell), cheaply, for Lloyd relaxation. */
function clippedAreaCentroid(
  parent: MultiPolygonCoords,
  cell: readonly Position[],
): { area: number; x: number; y: number } {
  const orient = Math.sign(ringSignedArea(cell)) || 1;
  const pieces: MultiPolygonCoords = parent.map((rings) =>
    rings.map((ring) => clipRingByConvex(ring, cell, orient)),
  );
  return areaCentroid(pieces);
}

/** x-intervals where a horizontal line at `y` is inside a polygon (even-odd rule). */
function scanIntervals(rings: readonly Ring[], y: number): [number, number][] {
  const xs: number[] = [];
  for (const ring of rings)
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi);
    }
  xs.sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let k = 0; k + 1 < xs.length; k += 2) out.push([xs[k]!, xs[k + 1]!]);
  return out;
}

/**
 * A point guaranteed inside the geometry (checked with the domain's pointInGeometry, after
 * rounding): the centroid when it is inside, else the middle of the widest horizontal run through
 * the largest polygon.
 */
export function interiorPoint(mp: MultiPolygonCoords): Position {
  const g: AreaGeometry = { type: 'MultiPolygon', coordinates: mp };
  const ok = (p: Position): boolean => pointInGeometry(p[0], p[1], g);
  const c = areaCentroid(mp);
  const centroid: Position = [roundCoord(c.x), roundCoord(c.y)];
  if (Number.isFinite(c.x) && ok(centroid)) return centroid;

  let largest = mp[0]!;
  let best = -Infinity;
  for (const rings of mp) {
    const a = polygonArea(rings);
    if (a > best) {
      best = a;
      largest = rings;
    }
  }
  const [, minY, , maxY] = bboxOf([largest]);
  const tries = [
    c.y,
    ...[0.5, 0.35, 0.65, 0.2, 0.8, 0.42, 0.58, 0.27, 0.73, 0.1, 0.9].map(
      (t) => minY + t * (maxY - minY),
    ),
  ];
  for (const y of tries) {
    if (!Number.isFinite(y)) continue;
    const runs = scanIntervals(largest, y).sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
    for (const [x0, x1] of runs) {
      const p: Position = [roundCoord((x0 + x1) / 2), roundCoord(y)];
      if (ok(p)) return p;
    }
  }
  // Degenerate slivers only: fall back to the first vertex nudged towards the centroid.
  const v = largest[0]![0]!;
  return [roundCoord(v[0]), roundCoord(v[1])];
}

/** Up to `n` random points inside `mp` by rejection sampling within its bbox. */
function samplePoints(mp: MultiPolygonCoords, n: number, rand: () => number): Position[] {
  const [x0, y0, x1, y1] = bboxOf(mp);
  const pts: Position[] = [];
  for (let attempts = 0; pts.length < n && attempts < n * 2000; attempts++) {
    const x = x0 + rand() * (x1 - x0);
    const y = y0 + rand() * (y1 - y0);
    if (insideMulti(x, y, mp)) pts.push([x, y]);
  }
  return pts;
}

export interface Tile {
  /** The generating point (inside the tile). */
  site: Position;
  /** The cleaned, rounded tile geometry. */
  coords: MultiPolygonCoords;
}

/**
 * Splits `parent` into `n` tiles: seeded points inside the parent, `lloyd` rounds of Lloyd
 * relaxation (each point moves to the centroid of its clipped cell, if that stays inside the
 * parent), then the Voronoi diagram clipped to the parent's bbox and intersected with the parent.
 * Because Voronoi cells tile the bbox and every site lies inside the parent, the tiles are
 * non-empty, do not overlap, and cover the parent exactly.
 */
export function tileRegion(
  parent: MultiPolygonCoords,
  n: number,
  rand: () => number,
  lloyd = 2,
): Tile[] {
  if (n <= 1) return [{ site: interiorPoint(parent), coords: parent }];
  const [bx0, by0, bx1, by1] = bboxOf(parent);
  const pad = Math.max(bx1 - bx0, by1 - by0) * 0.01 + 1e-6;
  const bounds: Box = [bx0 - pad, by0 - pad, bx1 + pad, by1 + pad];
  const points = samplePoints(parent, n, rand);

  for (let iter = 0; iter < lloyd; iter++) {
    const voronoi = Delaunay.from(points).voronoi(bounds);
    for (let i = 0; i < points.length; i++) {
      const cell = voronoi.cellPolygon(i) as Position[] | null;
      if (!cell) continue;
      const c = clippedAreaCentroid(parent, cell);
      if (c.area > 0 && insideMulti(c.x, c.y, parent)) points[i] = [c.x, c.y];
    }
  }

  const voronoi = Delaunay.from(points).voronoi(bounds);
  const tiles: Tile[] = [];
  for (let i = 0; i < points.length; i++) {
    const cell = voronoi.cellPolygon(i) as Position[] | null;
    if (!cell) continue;
    const coords = cleanMulti(clipConvexCell(cell, parent));
    if (coords.length > 0) tiles.push({ site: points[i]!, coords });
  }
  mergeStrayPieces(tiles);
  return tiles;
}

/**
 * A cell cut by a concave parent can fall apart into several pieces. Each piece other than the
 * largest moves to the neighbouring tile it shares most vertices with, so tiles stay single
 * polygons where possible and no area is lost.
 */
export function mergeStrayPieces(tiles: Tile[]): void {
  const key = (p: Position): string => `${p[0]},${p[1]}`;
  for (const tile of tiles) {
    if (tile.coords.length < 2) continue;
    const keep = tile.coords.reduce((best, rings) =>
      polygonArea(rings) > polygonArea(best) ? rings : best,
    );
    for (const piece of tile.coords) {
      if (piece === keep) continue;
      const vertices = new Set(piece[0]!.map(key));
      let target: Tile | undefined;
      let shared = 0;
      for (const other of tiles) {
        if (other === tile) continue;
        let count = 0;
        for (const rings of other.coords)
          for (const p of rings[0]!) if (vertices.has(key(p))) count++;
        if (count > shared) {
          shared = count;
          target = other;
        }
      }
      // Two shared vertices mean a shared edge: merging then yields one polygon.
      if (!target || shared < 2) continue;
      const merged = cleanMulti(polygonClipping.union(target.coords, [piece]));
      if (merged.length > target.coords.length) continue;
      target.coords = merged;
      tile.coords = tile.coords.filter((rings) => rings !== piece);
    }
  }
}

/**
 * parent ∩ convex cell. When the cell lies wholly inside the parent (the common case deep inside
 * a region) the cell itself is the answer and the costly general clipper is skipped.
 */
export function clipConvexCell(cell: Position[], parent: MultiPolygonCoords): MultiPolygonCoords {
  if (cellInside(cell, parent)) return [[cell]];
  return polygonClipping.intersection([cell], parent);
}

function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const d1 = orient(c, d, a);
  const d2 = orient(c, d, b);
  const d3 = orient(a, b, c);
  const d4 = orient(a, b, d);
  // Touching or collinear counts as crossing: the fast path must be conservative.
  return (
    ((d1 >= 0 && d2 <= 0) || (d1 <= 0 && d2 >= 0)) && ((d3 >= 0 && d4 <= 0) || (d3 <= 0 && d4 >= 0))
  );
}

function orient(a: Position, b: Position, c: Position): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/**
 * True when every cell vertex is inside the parent, no parent vertex is in the cell's bbox and no
 * parent edge touches a cell edge: then parent ∩ cell = cell.
 */
export function cellInside(cell: Position[], parent: MultiPolygonCoords): boolean {
  for (const [x, y] of cell) if (!insideMulti(x, y, parent)) return false;
  const [cx0, cy0, cx1, cy1] = bboxOf([[cell]]);
  for (const rings of parent)
    for (const ring of rings)
      for (let i = 0; i + 1 < ring.length; i++) {
        const p = ring[i]!;
        const q = ring[i + 1]!;
        // A parent vertex near the cell (e.g. a hole inside it): let the general clipper decide.
        if (p[0] >= cx0 && p[0] <= cx1 && p[1] >= cy0 && p[1] <= cy1) return false;
        if (Math.max(p[0], q[0]) < cx0 || Math.min(p[0], q[0]) > cx1) continue;
        if (Math.max(p[1], q[1]) < cy0 || Math.min(p[1], q[1]) > cy1) continue;
        for (let k = 0; k + 1 < cell.length; k++)
          if (segmentsCross(p, q, cell[k]!, cell[k + 1]!)) return false;
      }
  return true;
}

/** Union of polygons (used to merge fine cells into districts). */
export function unionAll(polys: MultiPolygonCoords): MultiPolygonCoords {
  const [first, ...rest] = polys;
  if (!first) return [];
  return polygonClipping.union(first, ...rest);
}

export function intersect(a: MultiPolygonCoords, b: MultiPolygonCoords): MultiPolygonCoords {
  return polygonClipping.intersection(a, b);
}

export { Delaunay };

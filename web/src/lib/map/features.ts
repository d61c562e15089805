import { isOpen } from '@cityops/domain';
import type { IncidentDto, WorkerPosition } from '@cityops/protocol';
import { mapCoordinates } from './gcj02.ts';

/** Minimal GeoJSON shapes (the full typings are not a dependency of the web app). */
export interface Point {
  type: 'Point';
  coordinates: [number, number];
}
export interface Geometry {
  type: string;
  coordinates?: unknown;
}
export interface Feature<G = Geometry, P = Record<string, unknown>> {
  type: 'Feature';
  id?: string | number;
  geometry: G;
  properties: P;
}
export interface FeatureCollection<G = Geometry, P = Record<string, unknown>> {
  type: 'FeatureCollection';
  features: Feature<G, P>[];
}

/** Region and grid features as /api/regions and /api/grids send them. */
export type RegionCollection = FeatureCollection<
  Geometry,
  {
    code: string;
    name: string;
    level?: string;
    parentCode: string | null;
    center: [number, number];
  }
>;

export type PointCollection = FeatureCollection<Point, Record<string, string | number | boolean>>;

/** Where a stored (WGS-84) point is drawn: itself, or shifted for a GCJ-02 basemap. */
export type Project = (lng: number, lat: number) => [number, number];
const asIs: Project = (lng, lat) => [lng, lat];

export type PointFeature = Feature<Point, Record<string, string | number | boolean>>;

/** Workers seen within the on-duty window; `age` (0 just seen … 1 end of window) fades them. */
export function workerPoints(
  workers: Iterable<WorkerPosition>,
  now: number,
  windowMs: number,
  project: Project = asIs,
): PointCollection {
  const features: PointFeature[] = [];
  for (const w of workers) {
    const ago = now - Date.parse(w.at);
    if (w.kind === 'end' || ago > windowMs) continue;
    features.push({
      type: 'Feature',
      id: w.userId,
      geometry: { type: 'Point', coordinates: project(w.lng, w.lat) },
      properties: { userId: w.userId, name: w.name, age: Math.min(1, Math.max(0, ago / windowMs)) },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** New reports still pulsing: a tiny source of its own, so the big one is not rebuilt for it. */
export function freshPoints(
  fresh: ReadonlyMap<number, number>,
  incidents: ReadonlyMap<number, IncidentDto>,
  project: Project = asIs,
): PointCollection {
  const features: PointFeature[] = [];
  for (const id of fresh.keys()) {
    const i = incidents.get(id);
    if (!i || !isOpen(i.state)) continue;
    features.push({
      type: 'Feature',
      id,
      geometry: { type: 'Point', coordinates: project(i.lng, i.lat) },
      properties: { id },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Coverage class of a grid from its last check-in today: 0 none, 1 < 1 h, 2 < 4 h, 3 older. */
export function coverageClass(lastVisit: string | undefined, now: number): number {
  if (!lastVisit) return 0;
  const hours = (now - Date.parse(lastVisit)) / 3_600_000;
  return hours < 1 ? 1 : hours < 4 ? 2 : 3;
}

/** [west, south, east, north] of any GeoJSON, or null when empty. */
export function bboxOf(
  fc: FeatureCollection<Geometry, unknown>,
): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      const [x, y] = c as [number, number];
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
      return;
    }
    for (const x of c) visit(x);
  };
  for (const f of fc.features) visit(f.geometry.coordinates);
  return w === Infinity ? null : [w, s, e, n];
}

/** One label point per region, at the centre the server computed. */
export function regionLabelPoints(regions: RegionCollection): PointCollection {
  return {
    type: 'FeatureCollection',
    features: regions.features.map((f) => ({
      type: 'Feature',
      id: f.properties.code,
      geometry: { type: 'Point', coordinates: f.properties.center },
      properties: { code: f.properties.code, name: f.properties.name },
    })),
  };
}

/** A region collection as drawn: geometry and label centres through `project`. */
export function projectRegions(fc: RegionCollection, project: Project): RegionCollection {
  return {
    type: 'FeatureCollection',
    features: fc.features.map((f) => ({
      ...f,
      geometry: {
        type: f.geometry.type,
        coordinates: mapCoordinates(f.geometry.coordinates, project),
      },
      properties: {
        ...f.properties,
        center: project(f.properties.center[0], f.properties.center[1]),
      },
    })),
  };
}

import Supercluster, { type PointLike } from 'supercluster';
import { INCIDENT_STATES, type IncidentState } from '@cityops/domain';
import type { PointCollection, PointFeature } from './features.ts';

/**
 * The open incidents' points for the cluster worker, as typed arrays: one `postMessage` of a few
 * buffers, moved not copied, where 50,000 GeoJSON objects took MapLibre's structured clone and
 * its worker's rebuild most of a second each way on a wall PC.
 */
export interface PackedPoints {
  ids: Float64Array;
  /** lng, lat of each point, in turn (already projected for the basemap). */
  coords: Float64Array;
  /** The look of each point: its state's index in INCIDENT_STATES, +16 overdue, +32 urgent. */
  looks: Uint8Array;
}

const OVERDUE = 16;
const URGENT = 32;

export function packPoints(features: readonly PointFeature[]): PackedPoints {
  const n = features.length;
  const packed = {
    ids: new Float64Array(n),
    coords: new Float64Array(n * 2),
    looks: new Uint8Array(n),
  };
  features.forEach((f, i) => {
    const p = f.properties;
    packed.ids[i] = Number(p['id']);
    packed.coords[i * 2] = f.geometry.coordinates[0];
    packed.coords[i * 2 + 1] = f.geometry.coordinates[1];
    packed.looks[i] =
      INCIDENT_STATES.indexOf(p['state'] as IncidentState) +
      (p['overdue'] ? OVERDUE : 0) +
      (p['urgent'] ? URGENT : 0);
  });
  return packed;
}

/** The buffers a packed batch moves to the worker with (they are unusable here after). */
export function transferables(p: PackedPoints): ArrayBuffer[] {
  return [p.ids.buffer, p.coords.buffer, p.looks.buffer] as ArrayBuffer[];
}

/** Messages to the cluster worker; the ones with a `seq` are answered with that `seq`. */
export type ToIndex =
  | { kind: 'reset'; points: PackedPoints }
  | { kind: 'change'; points: PackedPoints; remove: Float64Array }
  | { kind: 'view'; seq: number; bbox: [number, number, number, number]; zoom: number }
  | { kind: 'expansion'; seq: number; clusterId: number }
  | { kind: 'ids'; seq: number };

export type FromIndex =
  | { seq: number; kind: 'view'; size: number; clusters: PointCollection }
  | { seq: number; kind: 'expansion'; zoom: number | null }
  | { seq: number; kind: 'ids'; ids: number[] };

/** What the incident layers style a point by, as incidentFeature gives it. */
interface PointProps {
  id: number;
  state: IncidentState;
  overdue: boolean;
  urgent: boolean;
}
interface ClusterProps {
  overdueCount: number;
}

/** How the incidents cluster (the naive variant's MapLibre source is given the same). */
export const CLUSTER_OPTIONS = { radius: 45, maxZoom: 13 } as const;

export interface IndexOptions {
  /** Cluster radius in screen pixels. */
  radius: number;
  /** Above this zoom every point is drawn on its own. */
  maxZoom: number;
}

/**
 * The open incidents clustered, in the board's own worker: MapLibre is then given only what the
 * view shows (a few hundred clusters and points), not all 50,000 points to cluster and tile.
 * Clusters are those MapLibre's clustered GeoJSON source draws: the same radius in pixels of a
 * 512-pixel tile, with `overdueCount` summed, and supercluster's own properties.
 */
export class PointIndex {
  readonly #options: IndexOptions;
  readonly #points = new Map<number, PointLike<PointProps>>();
  #tree: Supercluster<PointProps, ClusterProps> | null = null;
  /** The tree of the last view answered: the clusters on screen, whose ids a click sends back. */
  #shown: Supercluster<PointProps, ClusterProps> | null = null;

  constructor(options: IndexOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#points.size;
  }

  handle(message: ToIndex): FromIndex | null {
    switch (message.kind) {
      case 'reset':
        this.#points.clear();
        this.#add(message.points);
        // Built now, not at the first view: the board's first points come before its map is up.
        this.#index();
        return null;
      case 'change':
        for (const id of message.remove) this.#points.delete(id);
        this.#add(message.points);
        return null;
      case 'view':
        return {
          seq: message.seq,
          kind: 'view',
          size: this.size,
          clusters: this.clusters(message.bbox, message.zoom),
        };
      case 'expansion':
        return { seq: message.seq, kind: 'expansion', zoom: this.expansionZoom(message.clusterId) };
      case 'ids':
        return { seq: message.seq, kind: 'ids', ids: [...this.#points.keys()] };
    }
  }

  /** Clusters and lone points within `bbox` (west, south, east, north) at map zoom `zoom`. */
  clusters(bbox: [number, number, number, number], zoom: number): PointCollection {
    this.#shown = this.#index();
    return {
      type: 'FeatureCollection',
      features: this.#shown.getClusters(bbox, Math.floor(zoom)) as unknown as PointFeature[],
    };
  }

  /**
   * The zoom at which a cluster on screen falls apart (a click on it zooms there); null for an
   * id that is not one of them. Ids are a tree's own: a later change builds a new tree, and the
   * clicked cluster is looked up in the one it was drawn from.
   */
  expansionZoom(clusterId: number): number | null {
    try {
      return this.#shown?.getClusterExpansionZoom(clusterId) ?? null;
    } catch {
      return null;
    }
  }

  #add({ ids, coords, looks }: PackedPoints): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const look = looks[i]!;
      this.#points.set(id, {
        type: 'Feature',
        id,
        geometry: { type: 'Point', coordinates: [coords[i * 2]!, coords[i * 2 + 1]!] },
        properties: {
          id,
          state: INCIDENT_STATES[look & 15]!,
          overdue: (look & OVERDUE) !== 0,
          urgent: (look & URGENT) !== 0,
        },
      });
    }
    this.#tree = null;
  }

  /** Built when first asked for after a change: a stream's changes between views cost one build. */
  #index(): Supercluster<PointProps, ClusterProps> {
    if (this.#tree) return this.#tree;
    this.#tree = new Supercluster<PointProps, ClusterProps>({
      radius: this.#options.radius,
      // Pixels of a 512-pixel tile at the map's own zoom, as MapLibre's tiles are.
      extent: 512,
      maxZoom: this.#options.maxZoom,
      map: (p) => ({ overdueCount: p.overdue ? 1 : 0 }),
      reduce: (sum, p) => {
        sum.overdueCount += p.overdueCount;
      },
    }).load([...this.#points.values()]);
    return this.#tree;
  }
}

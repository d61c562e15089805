import Flatbush from 'flatbush';
import {
  bbox,
  decodePath,
  isWithin,
  pointInGeometry,
  type AreaGeometry,
  type RegionLevel,
} from '@cityops/domain';
import type { RegionSummary } from '@cityops/protocol';
import { grids, regions, type DbOrTx } from '@cityops/db';

export interface RegionNode extends RegionSummary {
  geometry: AreaGeometry;
}

/**
 * The region tree and grids, held in memory (they change rarely), with a Flatbush index over
 * grid bounding boxes so a point finds its grid in microseconds.
 */
export class RegionIndex {
  readonly #byCode = new Map<string, RegionNode>();
  readonly #children = new Map<string, RegionNode[]>();
  #grids: RegionNode[] = [];
  #index: Flatbush | null = null;
  #root: RegionNode | null = null;

  static async load(db: DbOrTx): Promise<RegionIndex> {
    const idx = new RegionIndex();
    const [regionRows, gridRows] = await Promise.all([
      db.select().from(regions),
      db.select().from(grids),
    ]);
    const nodes: RegionNode[] = [
      ...regionRows.map((r) => ({
        code: r.code,
        name: r.name,
        level: r.level,
        parentCode: r.parentCode,
        path: decodePath(r.path),
        center: [r.centerLng, r.centerLat] as [number, number],
        geometry: r.geometry,
      })),
      ...gridRows.map((g) => ({
        code: g.code,
        name: g.name,
        level: 'grid' as RegionLevel,
        parentCode: g.communityCode,
        path: decodePath(g.path),
        center: [g.centerLng, g.centerLat] as [number, number],
        geometry: g.geometry,
      })),
    ];
    idx.#build(nodes);
    return idx;
  }

  #build(nodes: RegionNode[]): void {
    for (const n of nodes) {
      this.#byCode.set(n.code, n);
      if (n.parentCode === null) this.#root = n;
      else {
        const list = this.#children.get(n.parentCode) ?? [];
        list.push(n);
        this.#children.set(n.parentCode, list);
      }
    }
    for (const list of this.#children.values()) list.sort((a, b) => a.code.localeCompare(b.code));
    this.#grids = nodes.filter((n) => n.level === 'grid');
    if (this.#grids.length > 0) {
      const fb = new Flatbush(this.#grids.length);
      for (const g of this.#grids) {
        const [a, b, c, d] = bbox(g.geometry);
        fb.add(a, b, c, d);
      }
      fb.finish();
      this.#index = fb;
    }
  }

  get root(): RegionNode | null {
    return this.#root;
  }

  get(code: string): RegionNode | undefined {
    return this.#byCode.get(code);
  }

  children(code: string): RegionNode[] {
    return this.#children.get(code) ?? [];
  }

  get gridCount(): number {
    return this.#grids.length;
  }

  /** The grid containing a point, or undefined outside the city. */
  gridAt(lng: number, lat: number): RegionNode | undefined {
    if (!this.#index) return undefined;
    for (const i of this.#index.search(lng, lat, lng, lat)) {
      const g = this.#grids[i]!;
      if (pointInGeometry(lng, lat, g.geometry)) return g;
    }
    return undefined;
  }

  /** Grids within a scope. */
  gridsWithin(scopeCode: string): RegionNode[] {
    const scope = this.#byCode.get(scopeCode);
    if (!scope) return [];
    return this.#grids.filter((g) => isWithin(g.path, scope.path));
  }

  countGridsWithin(scopeCode: string): number {
    return this.gridsWithin(scopeCode).length;
  }

  summary(node: RegionNode): RegionSummary {
    const { geometry: _g, ...rest } = node;
    return rest;
  }
}

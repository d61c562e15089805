import { api } from '../api/client.ts';
import type { DepartmentName } from '../i18n/format.ts';
import type { RegionCollection } from '../map/features.ts';

interface DepartmentRow extends DepartmentName {
  kind: string;
}

/** Reference data the board names things with: region and department names, region shapes. */
export class BoardReference {
  #regionNames = $state.raw<ReadonlyMap<string, string>>(new Map());
  #departments = $state.raw<ReadonlyMap<string, DepartmentName>>(new Map());
  #regionCache = new Map<string, Promise<RegionCollection>>();
  #gridCache = new Map<string, Promise<RegionCollection>>();
  #own: string | null = null;

  get regionNames(): ReadonlyMap<string, string> {
    return this.#regionNames;
  }
  get departments(): ReadonlyMap<string, DepartmentName> {
    return this.#departments;
  }

  /** Names of the districts and streets under the account's root scope, and departments. */
  async load(rootScope: string): Promise<void> {
    const q = encodeURIComponent(rootScope);
    const [districts, streets, departments] = await Promise.all([
      api<RegionCollection>(`/api/regions?scope=${q}&level=district`).catch(() => null),
      api<RegionCollection>(`/api/regions?scope=${q}&level=street`).catch(() => null),
      api<DepartmentRow[]>('/api/departments').catch(() => []),
    ]);
    const names = new Map<string, string>();
    for (const fc of [districts, streets])
      for (const f of fc?.features ?? []) names.set(f.properties.code, f.properties.name);
    this.#regionNames = names;
    this.#departments = new Map(departments.map((d) => [d.code, d]));
  }

  /** Add names learnt elsewhere (snapshot children). */
  learn(entries: Iterable<{ code: string; name: string }>): void {
    let added = false;
    const next = new Map(this.#regionNames);
    for (const e of entries) {
      if (next.get(e.code) !== e.name) {
        next.set(e.code, e.name);
        added = true;
      }
    }
    if (added) this.#regionNames = next;
  }

  /**
   * `code` is the account's own scope: its shapes are asked for with no scope, the paths the
   * page's HTML may already have asked for (see app.html).
   */
  own(code: string): void {
    this.#own = code;
  }

  /** The children of a scope as GeoJSON (cached). */
  regions(scope: string): Promise<RegionCollection> {
    return cached(this.#regionCache, scope, () =>
      api<RegionCollection>(`/api/regions${this.#query(scope)}`),
    );
  }

  /** The grids within a scope as GeoJSON (cached). */
  grids(scope: string): Promise<RegionCollection> {
    return cached(this.#gridCache, scope, () =>
      api<RegionCollection>(`/api/grids${this.#query(scope)}`),
    );
  }

  #query(scope: string): string {
    return scope === this.#own ? '' : `?scope=${encodeURIComponent(scope)}`;
  }
}

function cached<T>(
  cache: Map<string, Promise<T>>,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

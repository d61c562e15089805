import { api } from '../api/client.ts';
import type { DepartmentName } from '../i18n/format.ts';
import type { RegionCollection } from '../map/features.ts';

export interface DepartmentRow extends DepartmentName {
  kind: 'functional' | 'street';
  regionCode: string;
}

export interface RegionOption {
  code: string;
  name: string;
}

/** Names a console needs: districts (the region filter), streets, and departments. */
export class ConsoleReference {
  #districts = $state.raw<RegionOption[]>([]);
  #regionNames = $state.raw<ReadonlyMap<string, string>>(new Map());
  #departments = $state.raw<DepartmentRow[]>([]);
  #departmentByCode = $derived(new Map(this.#departments.map((d) => [d.code, d])));

  get districts(): RegionOption[] {
    return this.#districts;
  }
  get regionNames(): ReadonlyMap<string, string> {
    return this.#regionNames;
  }
  get departments(): DepartmentRow[] {
    return this.#departments;
  }
  get departmentByCode(): ReadonlyMap<string, DepartmentRow> {
    return this.#departmentByCode;
  }

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
    this.#districts = (districts?.features ?? []).map((f) => ({
      code: f.properties.code,
      name: f.properties.name,
    }));
    this.#departments = departments;
  }

  /** The street (or, failing that, district) of a region path: short enough for a queue row. */
  street(path: readonly string[]): string {
    return this.#regionNames.get(path[2] ?? '') ?? this.#regionNames.get(path[1] ?? '') ?? '';
  }

  /** "金水区 花园路街道" for an incident's region path. */
  place(path: readonly string[]): string {
    return path
      .slice(1, 3)
      .map((c) => this.#regionNames.get(c))
      .filter(Boolean)
      .join(' ');
  }
}

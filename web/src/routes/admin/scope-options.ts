import type { Me } from '@cityops/protocol';
import { api } from '$lib/api/client.ts';
import type { RegionCollection } from '$lib/map/features.ts';

export interface ScopeOption {
  code: string;
  name: string;
}

/** The regions an admin may pick: their own, then each district followed by its streets. */
export async function loadScopeOptions(root: Me['scope']): Promise<ScopeOption[]> {
  const q = encodeURIComponent(root.code);
  const [districts, streets] = await Promise.all([
    api<RegionCollection>(`/api/regions?scope=${q}&level=district`).catch(() => null),
    api<RegionCollection>(`/api/regions?scope=${q}&level=street`).catch(() => null),
  ]);
  const byCode = new Map<string, string>();
  for (const f of districts?.features ?? []) byCode.set(f.properties.code, f.properties.name);
  const list: ScopeOption[] = [{ code: root.code, name: root.name }];
  for (const f of districts?.features ?? []) {
    list.push({ code: f.properties.code, name: f.properties.name });
    for (const s of streets?.features ?? []) {
      if (s.properties.parentCode === f.properties.code)
        list.push({ code: s.properties.code, name: `${f.properties.name} / ${s.properties.name}` });
    }
  }
  // A street-level account: its streets have no district listed above.
  for (const s of streets?.features ?? []) {
    if (!byCode.has(s.properties.parentCode ?? '') && s.properties.code !== root.code)
      list.push({ code: s.properties.code, name: s.properties.name });
  }
  return list;
}

/** What both reports need besides the rollup: names and head counts, cached briefly. */
import { and, eq, isNotNull } from 'drizzle-orm';
import {
  childLevel,
  encodePath,
  isWithin,
  type RegionLevel,
  type StatsScope,
} from '@cityops/domain';
import { departments, users } from '@cityops/db';
import type { Services } from '../context.ts';
import type { RegionNode } from '../regions/region-index.ts';
import { LiveDay } from './live-day.ts';
import { StatsRollup } from './stats-rollup.ts';

const TTL_MS = 60_000;

export interface DepartmentInfo {
  name: string;
  nameEn: string;
}

export class StatsContext {
  readonly rollup: StatsRollup;
  /** Today, kept up to date from the events. */
  readonly live = new LiveDay();
  #departments: { at: number; map: Map<string, DepartmentInfo> } | null = null;
  #workers: { at: number; byGrid: Map<string, string> } | null = null;

  constructor(readonly svc: Services) {
    this.rollup = new StatsRollup(svc.db, svc.utcOffsetMinutes, svc.now);
  }

  async departments(): Promise<Map<string, DepartmentInfo>> {
    if (this.#departments && Date.now() - this.#departments.at < TTL_MS)
      return this.#departments.map;
    const rows = await this.svc.db.select().from(departments);
    const map = new Map(rows.map((d) => [d.code, { name: d.name, nameEn: d.nameEn }]));
    this.#departments = { at: Date.now(), map };
    return map;
  }

  /** Grid code → username of its (active) grid worker. */
  async workersByGrid(): Promise<Map<string, string>> {
    if (this.#workers && Date.now() - this.#workers.at < TTL_MS) return this.#workers.byGrid;
    const rows = await this.svc.db
      .select({ grid: users.gridCode, username: users.username })
      .from(users)
      .where(and(eq(users.role, 'field'), eq(users.active, true), isNotNull(users.gridCode)))
      .orderBy(users.id);
    const byGrid = new Map<string, string>();
    for (const r of rows) if (r.grid && !byGrid.has(r.grid)) byGrid.set(r.grid, r.username);
    this.#workers = { at: Date.now(), byGrid };
    return byGrid;
  }

  /** Grids and grid workers within a scope. */
  async place(
    scope: RegionNode,
  ): Promise<{ gridCount: number; workers: number; grids: RegionNode[] }> {
    const grids = this.svc.regions.gridsWithin(scope.code);
    const byGrid = await this.workersByGrid();
    let workers = 0;
    for (const g of grids) if (byGrid.has(g.code)) workers++;
    return { gridCount: grids.length, workers, grids };
  }

  /** Place figures of one child region (for per-region patrol coverage and reports per worker). */
  async childPlace(code: string): Promise<{ gridCount: number; workers: number }> {
    const node = this.svc.regions.get(code);
    if (!node) return { gridCount: 0, workers: 0 };
    const p = await this.place(node);
    return { gridCount: p.gridCount, workers: p.workers };
  }
}

export function scopeOf(node: RegionNode): StatsScope {
  return { code: node.code, name: node.name, level: node.level, path: [...node.path] };
}

export function prefixOf(node: RegionNode): string {
  return encodePath(node.path);
}

export function childLevelOf(node: RegionNode): RegionLevel | null {
  return childLevel(node.level);
}

/** The street (or deepest named region above the grid) of a path, for overdue lists. */
export function regionNameOf(svc: Services, path: string[]): string {
  for (let i = path.length - 2; i >= 0; i--) {
    const n = svc.regions.get(path[i]!);
    if (n && n.level === 'street') return n.name;
  }
  const parent = svc.regions.get(path[path.length - 2] ?? '');
  return parent?.name ?? '';
}

export { isWithin };

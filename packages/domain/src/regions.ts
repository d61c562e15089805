/**
 * The region tree: city 市 → district 区 → street 街道/镇 → community 社区/村 → grid 网格 → microgrid 微网格.
 * A region's path lists the codes from the root down to itself; scoping is a prefix test on it.
 */
export const REGION_LEVELS = [
  'city',
  'district',
  'street',
  'community',
  'grid',
  'microgrid',
] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

export type RegionPath = readonly string[];

export interface RegionRef {
  code: string;
  name: string;
  level: RegionLevel;
  path: RegionPath;
}

/** The level one step below, or null for the deepest level. */
export function childLevel(level: RegionLevel): RegionLevel | null {
  const i = REGION_LEVELS.indexOf(level);
  return REGION_LEVELS[i + 1] ?? null;
}

export function levelDepth(level: RegionLevel): number {
  return REGION_LEVELS.indexOf(level);
}

/** The path of a child: its parent's path plus its own code. */
export function childPath(parentPath: RegionPath, code: string): string[] {
  return [...parentPath, code];
}

/** True when `path` lies inside (or is) the region whose path is `scopePath`. */
export function isWithin(path: RegionPath, scopePath: RegionPath): boolean {
  if (scopePath.length > path.length) return false;
  for (let i = 0; i < scopePath.length; i++) if (path[i] !== scopePath[i]) return false;
  return true;
}

/** True when the region with `code` appears on `path` (the path passes through it). */
export function pathIncludes(path: RegionPath, code: string): boolean {
  return path.includes(code);
}

/** Paths are stored as one string so a database prefix test (`LIKE 'a/b/%'`) does the scoping. */
export const PATH_SEPARATOR = '/';

/** `['41', '4101']` → `'41/4101/'`; the empty (world) path → `''`, a prefix of every path. */
export function encodePath(path: RegionPath): string {
  return path.length === 0 ? '' : path.join(PATH_SEPARATOR) + PATH_SEPARATOR;
}

export function decodePath(encoded: string): string[] {
  return encoded.split(PATH_SEPARATOR).filter((s) => s.length > 0);
}

/** The prefix that matches a scope and everything beneath it, for `LIKE prefix || '%'`. */
export function scopePrefix(scopePath: RegionPath): string {
  return encodePath(scopePath);
}

/** The code of the ancestor at a given level, if the path reaches that deep. */
export function ancestorAt(path: RegionPath, level: RegionLevel): string | undefined {
  return path[levelDepth(level)];
}

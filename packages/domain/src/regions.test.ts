import { describe, expect, it } from 'vitest';
import {
  REGION_LEVELS,
  ancestorAt,
  childLevel,
  childPath,
  decodePath,
  encodePath,
  isWithin,
  levelDepth,
  pathIncludes,
  scopePrefix,
} from './regions.ts';

// 郑州市 → 金水区 → a street → a community → a grid → a micro-grid.
const CITY = ['4101'];
const DISTRICT = [...CITY, '410105'];
const STREET = [...DISTRICT, '410105001'];
const SIBLING_STREET = [...DISTRICT, '4101050011'];
const COMMUNITY = [...STREET, '410105001001'];
const GRID = [...COMMUNITY, '410105001001001'];
const MICROGRID = [...GRID, '410105001001001001'];

/** What a database `LIKE prefix || '%'` on the encoded path does. */
const likeMatches = (path: string[], scope: string[]): boolean =>
  encodePath(path).startsWith(scopePrefix(scope));

describe('isWithin', () => {
  it('is true for the region itself and everything beneath it', () => {
    expect(isWithin(STREET, STREET)).toBe(true);
    expect(isWithin(GRID, STREET)).toBe(true);
    expect(isWithin(MICROGRID, CITY)).toBe(true);
  });

  it('is false for ancestors, siblings and cousins', () => {
    expect(isWithin(DISTRICT, STREET)).toBe(false);
    expect(isWithin(SIBLING_STREET, STREET)).toBe(false);
    expect(isWithin([...SIBLING_STREET, '41010500110'], STREET)).toBe(false);
    expect(isWithin(['4102', '410202'], CITY)).toBe(false);
  });

  it('compares whole codes, not string prefixes', () => {
    expect(isWithin(['41010'], ['4101'])).toBe(false);
  });

  it('treats the empty scope as everything', () => {
    expect(isWithin(GRID, [])).toBe(true);
    expect(isWithin([], [])).toBe(true);
  });
});

describe('encodePath / decodePath', () => {
  it('round-trips every level', () => {
    for (const path of [CITY, DISTRICT, STREET, COMMUNITY, GRID, MICROGRID, []]) {
      expect(decodePath(encodePath(path))).toEqual(path);
    }
  });

  it('ends every non-empty path with the separator', () => {
    expect(encodePath(STREET)).toBe('4101/410105/410105001/');
    expect(decodePath('4101/410105/')).toEqual(DISTRICT);
  });
});

describe('scopePrefix', () => {
  it('matches the scope and everything beneath it', () => {
    expect(likeMatches(STREET, STREET)).toBe(true);
    expect(likeMatches(GRID, STREET)).toBe(true);
    expect(likeMatches(MICROGRID, DISTRICT)).toBe(true);
  });

  it("does not match a sibling whose code shares a string prefix ('410105001' vs '4101050011')", () => {
    expect(likeMatches(SIBLING_STREET, STREET)).toBe(false);
    expect(likeMatches([...SIBLING_STREET, '41010500110'], STREET)).toBe(false);
    expect(likeMatches(STREET, SIBLING_STREET)).toBe(false);
  });

  it('does not match ancestors', () => {
    expect(likeMatches(DISTRICT, STREET)).toBe(false);
  });

  it('agrees with isWithin, including for the empty (whole-world) scope', () => {
    const paths = [[], CITY, DISTRICT, STREET, SIBLING_STREET, COMMUNITY, GRID, MICROGRID];
    for (const path of paths) {
      for (const scope of paths) {
        expect(likeMatches(path, scope), `${path.join('/')} in ${scope.join('/')}`).toBe(
          isWithin(path, scope),
        );
      }
    }
  });
});

describe('ancestorAt', () => {
  it('finds the code at each level of a path', () => {
    expect(ancestorAt(MICROGRID, 'city')).toBe('4101');
    expect(ancestorAt(MICROGRID, 'district')).toBe('410105');
    expect(ancestorAt(MICROGRID, 'street')).toBe('410105001');
    expect(ancestorAt(MICROGRID, 'community')).toBe('410105001001');
    expect(ancestorAt(MICROGRID, 'grid')).toBe('410105001001001');
    expect(ancestorAt(MICROGRID, 'microgrid')).toBe('410105001001001001');
  });

  it('is the region itself at its own level, and undefined deeper than the path', () => {
    expect(ancestorAt(STREET, 'street')).toBe('410105001');
    expect(ancestorAt(STREET, 'community')).toBeUndefined();
    expect(ancestorAt(STREET, 'grid')).toBeUndefined();
  });
});

describe('childLevel and levelDepth', () => {
  it('steps down the tree and stops at micro-grids', () => {
    expect(childLevel('city')).toBe('district');
    expect(childLevel('district')).toBe('street');
    expect(childLevel('street')).toBe('community');
    expect(childLevel('community')).toBe('grid');
    expect(childLevel('grid')).toBe('microgrid');
    expect(childLevel('microgrid')).toBeNull();
  });

  it('gives the depth that is the index on a path', () => {
    REGION_LEVELS.forEach((level, i) => expect(levelDepth(level)).toBe(i));
    expect(levelDepth('street')).toBe(STREET.length - 1);
  });
});

describe('childPath and pathIncludes', () => {
  it('appends the code without touching the parent', () => {
    const parent = [...STREET];
    expect(childPath(parent, '410105001001')).toEqual(COMMUNITY);
    expect(parent).toEqual(STREET);
  });

  it('tests whole codes on the path', () => {
    expect(pathIncludes(GRID, '410105001')).toBe(true);
    expect(pathIncludes(GRID, '41010500')).toBe(false);
  });
});

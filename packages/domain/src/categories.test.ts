import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  CATEGORY_GROUPS,
  categoryLabel,
  findCategory,
  findCategoryGroup,
  suggestDepartments,
  type Category,
} from './categories.ts';
import { DEPARTMENTS, findDepartment } from './departments.ts';

function category(code: string): Category {
  const c = findCategory(code);
  if (!c) throw new Error(`no category ${code}`);
  return c;
}

describe('the catalogue covers the problems in the seed articles', () => {
  const problems: [string, string, string][] = [
    ['sewer blocked', 'municipal.sewer_blocked', '下水道堵塞'],
    ['e-bike indoor charging', 'safety.ebike_indoor_charging', '电动车进楼入户充电'],
    ['illegal wiring', 'safety.illegal_wiring', '私拉乱接电线'],
    ['fire exit blocked', 'safety.fire_exit_blocked', '消防通道堵塞'],
    ['stairwell light', 'municipal.stair_light', '楼道灯不亮'],
    ['parking', 'parking.illegal', '机动车乱停乱放'],
    ['exposed garbage', 'sanitation.exposed_garbage', '暴露垃圾'],
    ['illegal construction', 'construction.illegal_structure', '违章搭建'],
    ['gutter oil', 'food.gutter_oil', '地沟油'],
    ['neighbour dispute', 'dispute.neighbour', '邻里纠纷'],
    ['heating', 'livelihood.heating', '供暖不热'],
    ['fraud', 'publicsecurity.fraud', '电信诈骗'],
  ];
  for (const [problem, code, name] of problems) {
    it(problem, () => {
      expect(category(code).name).toBe(name);
    });
  }

  it('routes the seed story (blocked sewer) to the water authority', () => {
    expect(category('municipal.sewer_blocked').department).toBe('water');
  });
});

describe('catalogue integrity', () => {
  it("every category's department exists", () => {
    for (const c of CATEGORIES) expect(findDepartment(c.department), c.code).toBeDefined();
  });

  it("every category's group exists and its code starts with the group", () => {
    for (const c of CATEGORIES) {
      expect(findCategoryGroup(c.group), c.code).toBeDefined();
      expect(c.code.startsWith(`${c.group}.`), c.code).toBe(true);
    }
  });

  it('every group has at least one category', () => {
    for (const g of CATEGORY_GROUPS) {
      expect(
        CATEGORIES.some((c) => c.group === g.code),
        g.code,
      ).toBe(true);
    }
  });

  it('codes are unique (categories, groups and departments)', () => {
    expect(new Set(CATEGORIES.map((c) => c.code)).size).toBe(CATEGORIES.length);
    expect(new Set(CATEGORY_GROUPS.map((g) => g.code)).size).toBe(CATEGORY_GROUPS.length);
    expect(new Set(DEPARTMENTS.map((d) => d.code)).size).toBe(DEPARTMENTS.length);
  });

  it('urgent deadlines are positive and shorter than normal ones', () => {
    for (const c of CATEGORIES) {
      expect(c.urgentDeadlineHours, c.code).toBeGreaterThan(0);
      expect(c.urgentDeadlineHours, c.code).toBeLessThan(c.deadlineHours);
    }
  });

  it('weights are positive', () => {
    for (const c of CATEGORIES) expect(c.weight, c.code).toBeGreaterThan(0);
  });

  it('has both components (部件) and events (事件)', () => {
    expect(CATEGORIES.some((c) => c.kind === 'component')).toBe(true);
    expect(CATEGORIES.some((c) => c.kind === 'event')).toBe(true);
  });

  it('names every category and group in both languages', () => {
    for (const c of [...CATEGORIES, ...CATEGORY_GROUPS]) {
      expect(c.name.length, c.code).toBeGreaterThan(0);
      expect(c.nameEn.length, c.code).toBeGreaterThan(0);
    }
  });

  it('finds nothing for unknown codes', () => {
    expect(findCategory('nope')).toBeUndefined();
    expect(findCategoryGroup('nope')).toBeUndefined();
  });
});

describe('suggestDepartments', () => {
  const sewer = category('municipal.sewer_blocked');
  const garbage = category('sanitation.exposed_garbage');

  it('sends a component to its owner first, then the street office', () => {
    expect(sewer.kind).toBe('component');
    expect(suggestDepartments(sewer, '410105001')).toEqual(['water', 'street-410105001']);
  });

  it('sends an event to the street office first (属地), then the functional department', () => {
    expect(garbage.kind).toBe('event');
    expect(suggestDepartments(garbage, '410105001')).toEqual(['street-410105001', 'urban']);
  });

  it('offers only the functional department without a street', () => {
    expect(suggestDepartments(sewer, undefined)).toEqual(['water']);
    expect(suggestDepartments(garbage, undefined)).toEqual(['urban']);
  });
});

describe('categoryLabel', () => {
  it('joins group and category, in Chinese by default', () => {
    expect(categoryLabel('municipal.sewer_blocked')).toBe('市政设施 › 下水道堵塞');
    expect(categoryLabel('safety.ebike_indoor_charging', 'zh')).toBe(
      '安全隐患 › 电动车进楼入户充电',
    );
  });

  it('has an English form', () => {
    expect(categoryLabel('municipal.sewer_blocked', 'en')).toBe(
      'Municipal facilities › Blocked sewer',
    );
  });

  it('falls back to the code for an unknown category', () => {
    expect(categoryLabel('no.such')).toBe('no.such');
  });
});

import { streetOfficeCode } from './departments.ts';

/**
 * Two-level category catalogue. As in GB/T 30428, a category is either a component
 * (部件: an owned asset, routed to its owner first) or an event (事件: routed to the territory,
 * the street office, first).
 */
export type CategoryKind = 'component' | 'event';

export interface CategoryGroup {
  code: string;
  name: string;
  nameEn: string;
}

export interface Category {
  code: string;
  group: string;
  name: string;
  nameEn: string;
  kind: CategoryKind;
  /** The functional department that owns or handles it. */
  department: string;
  /** 处置时限 in hours, normal and urgent. */
  deadlineHours: number;
  urgentDeadlineHours: number;
  /** Relative weight in the demo mix; the simulator and history draw with it. */
  weight: number;
}

export const CATEGORY_GROUPS: readonly CategoryGroup[] = [
  { code: 'municipal', name: '市政设施', nameEn: 'Municipal facilities' },
  { code: 'safety', name: '安全隐患', nameEn: 'Safety hazards' },
  { code: 'sanitation', name: '环境卫生', nameEn: 'Sanitation' },
  { code: 'construction', name: '违法建设', nameEn: 'Illegal construction' },
  { code: 'parking', name: '停车秩序', nameEn: 'Parking order' },
  { code: 'food', name: '食品安全', nameEn: 'Food safety' },
  { code: 'dispute', name: '矛盾纠纷', nameEn: 'Disputes' },
  { code: 'livelihood', name: '民生服务', nameEn: 'Public services' },
  { code: 'publicsecurity', name: '治安隐患', nameEn: 'Public security' },
  { code: 'market', name: '市容秩序', nameEn: 'Street order' },
];

type Row = [
  code: string,
  name: string,
  nameEn: string,
  kind: CategoryKind,
  department: string,
  hours: number,
  urgentHours: number,
  weight: number,
];

const ROWS: Record<string, Row[]> = {
  municipal: [
    ['municipal.sewer_blocked', '下水道堵塞', 'Blocked sewer', 'component', 'water', 24, 4, 9],
    [
      'municipal.manhole_cover',
      '井盖缺失破损',
      'Missing manhole cover',
      'component',
      'water',
      12,
      2,
      4,
    ],
    [
      'municipal.stair_light',
      '楼道灯不亮',
      'Stairwell light out',
      'component',
      'housing',
      48,
      12,
      6,
    ],
    ['municipal.street_light', '路灯损坏', 'Street light broken', 'component', 'urban', 48, 12, 4],
    ['municipal.road_damage', '道路破损', 'Damaged road', 'component', 'transport', 72, 24, 4],
    ['municipal.water_leak', '供水管道漏水', 'Water main leak', 'component', 'water', 12, 4, 3],
  ],
  safety: [
    [
      'safety.ebike_indoor_charging',
      '电动车进楼入户充电',
      'E-bike charging indoors',
      'event',
      'fire',
      24,
      4,
      8,
    ],
    ['safety.illegal_wiring', '私拉乱接电线', 'Illegal wiring', 'event', 'power', 24, 6, 5],
    ['safety.fire_exit_blocked', '消防通道堵塞', 'Fire exit blocked', 'event', 'fire', 12, 2, 4],
    ['safety.gas_hazard', '燃气安全隐患', 'Gas hazard', 'event', 'gas', 8, 2, 2],
    ['safety.dangerous_building', '危房隐患', 'Unsafe building', 'event', 'housing', 48, 12, 1],
  ],
  sanitation: [
    ['sanitation.exposed_garbage', '暴露垃圾', 'Exposed garbage', 'event', 'urban', 24, 6, 10],
    ['sanitation.overflowing_bin', '垃圾桶满溢', 'Overflowing bin', 'component', 'urban', 12, 4, 6],
    [
      'sanitation.construction_waste',
      '建筑垃圾乱倒',
      'Dumped construction waste',
      'event',
      'urban',
      48,
      12,
      3,
    ],
    ['sanitation.sewage_overflow', '污水外溢', 'Sewage overflow', 'event', 'water', 12, 4, 3],
  ],
  construction: [
    [
      'construction.illegal_structure',
      '违章搭建',
      'Illegal structure',
      'event',
      'urban',
      120,
      48,
      3,
    ],
    ['construction.rooftop', '楼顶违建', 'Illegal rooftop building', 'event', 'urban', 120, 48, 1],
  ],
  parking: [
    ['parking.illegal', '机动车乱停乱放', 'Illegal parking', 'event', 'police', 4, 1, 7],
    ['parking.bicycle', '非机动车乱停放', 'Bicycle clutter', 'event', 'urban', 8, 2, 5],
  ],
  food: [
    ['food.gutter_oil', '地沟油', 'Gutter oil', 'event', 'market', 48, 12, 1],
    [
      'food.unlicensed_vendor',
      '无证食品摊贩',
      'Unlicensed food vendor',
      'event',
      'market',
      24,
      6,
      3,
    ],
  ],
  dispute: [
    ['dispute.neighbour', '邻里纠纷', 'Neighbour dispute', 'event', 'justice', 72, 24, 4],
    ['dispute.property', '物业纠纷', 'Property-management dispute', 'event', 'housing', 72, 24, 2],
    ['dispute.wage_arrears', '拖欠工资', 'Unpaid wages', 'event', 'justice', 72, 24, 1],
  ],
  livelihood: [
    ['livelihood.heating', '供暖不热', 'Poor heating', 'event', 'heating', 24, 8, 4],
    ['livelihood.power_outage', '停电', 'Power outage', 'component', 'power', 8, 2, 2],
    [
      'livelihood.elderly_care',
      '独居老人帮扶',
      'Elderly living alone',
      'event',
      'civil',
      48,
      12,
      2,
    ],
    ['livelihood.water_outage', '停水', 'Water outage', 'component', 'water', 12, 4, 2],
  ],
  publicsecurity: [
    ['publicsecurity.fraud', '电信诈骗', 'Telecom fraud', 'event', 'police', 24, 4, 2],
    ['publicsecurity.suspicious', '可疑人员', 'Suspicious person', 'event', 'police', 12, 2, 1],
  ],
  market: [
    ['market.street_vending', '占道经营', 'Street vending', 'event', 'urban', 8, 2, 5],
    ['market.illegal_ads', '乱贴小广告', 'Illegal flyers', 'event', 'urban', 24, 8, 4],
  ],
};

export const CATEGORIES: readonly Category[] = Object.entries(ROWS).flatMap(([group, rows]) =>
  rows.map(([code, name, nameEn, kind, department, hours, urgentHours, weight]) => ({
    code,
    group,
    name,
    nameEn,
    kind,
    department,
    deadlineHours: hours,
    urgentDeadlineHours: urgentHours,
    weight,
  })),
);

const byCode = new Map(CATEGORIES.map((c) => [c.code, c]));
const groupByCode = new Map(CATEGORY_GROUPS.map((g) => [g.code, g]));

export function findCategory(code: string): Category | undefined {
  return byCode.get(code);
}

export function findCategoryGroup(code: string): CategoryGroup | undefined {
  return groupByCode.get(code);
}

/** "市政设施 › 下水道堵塞" */
export function categoryLabel(code: string, lang: 'zh' | 'en' = 'zh'): string {
  const c = byCode.get(code);
  if (!c) return code;
  const g = groupByCode.get(c.group);
  return lang === 'zh' ? `${g?.name ?? ''} › ${c.name}` : `${g?.nameEn ?? ''} › ${c.nameEn}`;
}

/**
 * Departments to offer for dispatch, best first: a component goes to its owner, then the
 * street office; an event goes to the street office (属地), then the functional department.
 */
export function suggestDepartments(category: Category, streetCode: string | undefined): string[] {
  const office = streetCode ? [streetOfficeCode(streetCode)] : [];
  return category.kind === 'component'
    ? [category.department, ...office]
    : [...office, category.department];
}

/** Functional departments (职能部门). Street offices (街道办事处) are generated per street. */
export interface Department {
  code: string;
  name: string;
  nameEn: string;
  /** 'functional' serves the whole city; 'street' is a street office serving its own street. */
  kind: 'functional' | 'street';
}

export const DEPARTMENTS: readonly Department[] = [
  { code: 'urban', name: '城市管理局', nameEn: 'Urban Management', kind: 'functional' },
  { code: 'water', name: '水务局', nameEn: 'Water Authority', kind: 'functional' },
  {
    code: 'housing',
    name: '住房和城乡建设局',
    nameEn: 'Housing & Construction',
    kind: 'functional',
  },
  { code: 'police', name: '公安局', nameEn: 'Public Security', kind: 'functional' },
  { code: 'fire', name: '消防救援支队', nameEn: 'Fire & Rescue', kind: 'functional' },
  { code: 'market', name: '市场监督管理局', nameEn: 'Market Regulation', kind: 'functional' },
  { code: 'civil', name: '民政局', nameEn: 'Civil Affairs', kind: 'functional' },
  { code: 'justice', name: '司法局', nameEn: 'Justice Bureau', kind: 'functional' },
  { code: 'heating', name: '热力公司', nameEn: 'Heating Company', kind: 'functional' },
  { code: 'power', name: '供电公司', nameEn: 'Power Supply', kind: 'functional' },
  { code: 'gas', name: '燃气公司', nameEn: 'Gas Company', kind: 'functional' },
  { code: 'transport', name: '交通运输局', nameEn: 'Transport Bureau', kind: 'functional' },
  { code: 'ecology', name: '生态环境局', nameEn: 'Ecology & Environment', kind: 'functional' },
];

const byCode = new Map(DEPARTMENTS.map((d) => [d.code, d]));

export function findDepartment(code: string): Department | undefined {
  return byCode.get(code);
}

/** The street office of a street is a department too; its code is derived from the street's. */
export function streetOfficeCode(streetCode: string): string {
  return `street-${streetCode}`;
}

export function isStreetOfficeCode(code: string): boolean {
  return code.startsWith('street-');
}

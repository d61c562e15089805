/**
 * Names and codes of the demo city. Districts use real administrative codes (the development
 * zones use Zhengzhou's 4101 7x codes). Street and community names come first from the newspaper
 * articles in shared/seeds, then from real Zhengzhou street names, then from generated names.
 */
import type { Position } from '@cityops/domain';

export interface StreetDef {
  name: string;
  /** Communities named in the source articles (or well known), placed first under this street. */
  communities?: string[];
  /** Share of generated communities that are villages (村) rather than urban communities (社区). */
  rural?: number;
  /** Rough direction from the district's centre where this street should lie (e.g. [0, -1] = south). */
  toward?: Position;
}

export interface DistrictDef {
  code: string;
  name: string;
  /** Where the district's territory grows from (lng, lat). */
  seat: Position;
  /** Relative size of the territory (a weight on distance when dividing the city). */
  weight: number;
  streets: StreetDef[];
}

export const CITY_CODE = '410100';
export const CITY_NAME = '郑州市';
export const CITY_CENTER: Position = [113.62, 34.75];

const N: Position = [0, 1];
const S: Position = [0, -1];
const E: Position = [1, 0];
const W: Position = [-1, 0];

export const DISTRICTS: DistrictDef[] = [
  {
    code: '410105',
    name: '金水区',
    seat: [113.665, 34.8],
    weight: 1.15,
    streets: [
      { name: '花园路街道', communities: ['农南二社区'], toward: W },
      { name: '经八路街道' },
      { name: '文化路街道', toward: N },
      { name: '丰产路街道' },
      { name: '东风路街道' },
      { name: '南阳路街道' },
      { name: '杜岭街道', toward: S },
      { name: '大石桥街道' },
      { name: '人民路街道' },
      { name: '未来路街道', toward: E },
    ],
  },
  {
    code: '410103',
    name: '二七区',
    seat: [113.6, 34.68],
    weight: 1.1,
    streets: [
      { name: '淮河路街道' },
      { name: '解放路街道', communities: ['民主路社区'], toward: N },
      {
        name: '建中街街道',
        communities: [
          '淮南社区',
          '铁路陇海家园社区',
          '庆丰社区',
          '交通路社区',
          '永安社区',
          '建华社区',
        ],
      },
      { name: '大学路街道', communities: ['祥和社区', '学府花园社区'] },
      { name: '长江路街道', communities: ['康桥华城社区'] },
      { name: '嵩山路街道', communities: ['蔚蓝社区', '航海社区', '珠江社区'], toward: W },
      { name: '人和路街道', communities: ['郑飞社区'] },
      { name: '五里堡街道', communities: ['二环东社区'], toward: E },
      { name: '侯寨街道', rural: 0.9, toward: S },
    ],
  },
  {
    code: '410102',
    name: '中原区',
    seat: [113.55, 34.755],
    weight: 1.0,
    streets: [
      { name: '林山寨街道', toward: E },
      { name: '建设路街道' },
      { name: '棉纺路街道', communities: ['工人村社区'] },
      { name: '秦岭路街道' },
      { name: '须水街道', communities: ['帝湖花园东社区'], rural: 0.3, toward: W },
    ],
  },
  {
    code: '410104',
    name: '管城回族区',
    seat: [113.69, 34.715],
    weight: 0.85,
    streets: [
      { name: '北下街街道', toward: N },
      { name: '城东路街道' },
      { name: '南关街道' },
      { name: '十八里河街道', rural: 0.5, toward: S },
    ],
  },
  {
    code: '410108',
    name: '惠济区',
    seat: [113.63, 34.885],
    weight: 0.9,
    streets: [
      { name: '大河路街道' },
      { name: '刘寨街道', rural: 0.3 },
      { name: '长兴路街道', toward: S },
      { name: '花园口镇', rural: 0.8, toward: N },
    ],
  },
  {
    code: '410171',
    name: '郑东新区',
    seat: [113.775, 34.79],
    weight: 1.1,
    streets: [
      { name: '如意湖街道', toward: W },
      { name: '龙子湖街道', toward: E },
      { name: '祭城路街道' },
      { name: '博学路街道' },
    ],
  },
  {
    code: '410172',
    name: '经济技术开发区',
    seat: [113.77, 34.655],
    weight: 1.0,
    streets: [
      { name: '明湖办事处', communities: ['世和社区', '亚太社区'], toward: N },
      { name: '前程办事处', communities: ['锦程花园社区', '瑞秀社区'] },
      { name: '潮河办事处', rural: 0.3, toward: S },
      { name: '京航办事处', rural: 0.2 },
    ],
  },
  {
    code: '410173',
    name: '高新技术产业开发区',
    seat: [113.52, 34.83],
    weight: 1.0,
    streets: [
      { name: '石佛办事处', communities: ['长椿社区'], toward: E },
      { name: '沟赵办事处', rural: 0.5, toward: W },
      { name: '枫杨办事处', rural: 0.3 },
    ],
  },
  {
    code: '410182',
    name: '荥阳市',
    seat: [113.42, 34.72],
    weight: 1.45,
    streets: [
      { name: '索河街道', communities: ['索河湾社区'], rural: 0.3 },
      { name: '京城路街道', rural: 0.3 },
      { name: '豫龙镇', communities: ['万业社区'], rural: 0.6, toward: E },
    ],
  },
  {
    code: '410106',
    name: '上街区',
    seat: [113.415, 34.875],
    weight: 0.75,
    streets: [
      { name: '新安路街道', communities: ['香园街社区'] },
      { name: '济源路街道', rural: 0.2 },
    ],
  },
];

/** Every community name that the articles supply, so the generator never reuses one. */
export function namedCommunities(): string[] {
  return DISTRICTS.flatMap((d) => d.streets.flatMap((s) => s.communities ?? []));
}

const URBAN_WORDS = [
  '文化',
  '建设',
  '锦绣',
  '康复',
  '丰收',
  '红旗',
  '东明',
  '纬五',
  '经三',
  '农科',
  '黄河',
  '金海',
  '银河',
  '绿城',
  '商城',
  '福寿',
  '博雅',
  '翰林',
  '天明',
  '政通',
  '永平',
  '兴华',
  '和平',
  '顺河',
  '瑞祥',
  '凤鸣',
  '嘉园',
  '花溪',
  '书香',
  '桐柏',
  '淮北',
  '伊河',
  '汝河',
  '颍河',
  '洛河',
  '嵩岳',
  '太白',
  '桃源',
  '梧桐',
  '春晖',
  '青年',
  '同乐',
  '幸福',
  '长城',
  '民航',
  '园田',
  '宏达',
  '绿云',
  '清华',
  '金城',
  '百花',
  '中兴',
  '新苑',
  '东苑',
  '西苑',
  '南苑',
  '北苑',
  '碧波',
  '翠竹',
  '紫荆',
  '玉兰',
  '海棠',
  '丁香',
  '芙蓉',
  '牡丹',
  '月季',
  '秀水',
  '金桥',
  '银杏',
  '龙湖',
  '凤凰',
  '锦江',
  '华山',
  '泰山',
  '衡山',
  '恒山',
  '燕庄',
  '陈寨',
  '姚砦',
  '关虎屯',
  '黄家庵',
  '小李庄',
  '三李',
  '祭城',
  '白庄',
  '圃田',
  '杨金',
  '康平',
  '安居',
  '乐业',
  '富民',
  '振兴',
  '光明',
  '朝阳',
  '晨光',
  '曙光',
  '启航',
  '鹏程',
  '博颂',
  '正商',
  '建业',
  '绿地',
  '万科',
  '美景',
  '鸿园',
  '怡园',
];

const URBAN_SUFFIXES = [
  '社区',
  '东社区',
  '西社区',
  '南社区',
  '北社区',
  '花园社区',
  '新村社区',
  '路社区',
];

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '高',
  '林',
  '罗',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
  '彭',
  '曾',
  '田',
  '董',
  '袁',
  '潘',
  '蒋',
  '蔡',
  '余',
  '杜',
];

const VILLAGE_SUFFIXES = [
  '庄',
  '寨',
  '楼',
  '岗',
  '沟',
  '河',
  '湾',
  '店',
  '营',
  '坡',
  '洼',
  '屯',
  '桥',
  '堂',
  '集',
];

/**
 * Generates community and village names that are unique across the whole city (which makes
 * them unique within every parent, as required).
 */
export class CommunityNamer {
  private readonly used = new Set<string>();

  constructor(reserved: readonly string[]) {
    for (const name of reserved) this.used.add(name);
  }

  urban(rand: () => number): string {
    for (let attempt = 0; attempt < 200; attempt++) {
      const word = pick(URBAN_WORDS, rand);
      for (const suffix of URBAN_SUFFIXES) {
        const name = word + suffix;
        if (this.claim(name)) return name;
      }
    }
    return this.numbered('社区');
  }

  village(rand: () => number): string {
    for (let attempt = 0; attempt < 200; attempt++) {
      const name = pick(SURNAMES, rand) + pick(VILLAGE_SUFFIXES, rand) + '村';
      if (this.claim(name)) return name;
    }
    return this.numbered('村');
  }

  private claim(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  private numbered(suffix: string): string {
    for (let i = 1; ; i++) {
      const name = `第${i}${suffix}`;
      if (this.claim(name)) return name;
    }
  }
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length) % items.length]!;
}

export function gridName(communityName: string, index: number): string {
  return `${communityName}第${index}网格`;
}

/**
 * Plausible Chinese texts for the demo history: where it is, what is wrong, what was done.
 * Every pick takes the caller's PRNG, so the texts are as deterministic as the rest.
 */
type Rand = () => number;

/** Where a category is usually found: in a stairwell, beside a building, or out on the road. */
type Place = 'unit' | 'building' | 'road';

interface Templates {
  places: Place[];
  texts: string[];
}

const T: Record<string, Templates> = {
  'municipal.sewer_blocked': {
    places: ['building', 'road'],
    texts: [
      '{loc}下水道堵塞，污水外溢',
      '{loc}雨水篦子堵塞，路面积水严重',
      '{loc}污水井冒水，气味较大',
      '{loc}排水管道不畅，居民反映多日未处理',
    ],
  },
  'municipal.manhole_cover': {
    places: ['road', 'building'],
    texts: [
      '{loc}井盖缺失，存在安全隐患',
      '{loc}井盖破损塌陷，已临时围挡',
      '{loc}井盖松动，车辆经过异响',
    ],
  },
  'municipal.stair_light': {
    places: ['unit'],
    texts: ['{loc}楼道灯不亮，居民夜间出行不便', '{loc}{f}层声控灯损坏', '{loc}楼道照明损坏已一周'],
  },
  'municipal.street_light': {
    places: ['road'],
    texts: ['{loc}路灯不亮', '{loc}连续{n}盏路灯损坏', '{loc}路灯杆倾斜，灯罩脱落'],
  },
  'municipal.road_damage': {
    places: ['road'],
    texts: ['{loc}路面坑洼破损，影响通行', '{loc}人行道地砖松动翘起', '{loc}路面塌陷约{n}平方米'],
  },
  'municipal.water_leak': {
    places: ['road', 'building'],
    texts: ['{loc}供水管道漏水，路面积水', '{loc}地下管道爆裂，水流外涌', '{loc}消防栓漏水'],
  },
  'safety.ebike_indoor_charging': {
    places: ['unit'],
    texts: [
      '{loc}有居民将电动车推入楼道充电',
      '{loc}楼道内飞线充电',
      '{loc}住户电动车电池入户充电',
    ],
  },
  'safety.illegal_wiring': {
    places: ['building', 'road'],
    texts: [
      '{loc}私拉电线给电动车充电',
      '{loc}沿街商户私拉乱接电线',
      '{loc}树上私拉电线，存在触电隐患',
    ],
  },
  'safety.fire_exit_blocked': {
    places: ['building', 'unit'],
    texts: [
      '{loc}消防通道被车辆占用',
      '{loc}楼道堆放杂物，堵塞安全出口',
      '{loc}消防通道被摊位占用',
    ],
  },
  'safety.gas_hazard': {
    places: ['unit', 'road'],
    texts: ['{loc}闻到燃气异味', '{loc}餐馆液化气罐露天存放', '{loc}燃气管道锈蚀，存在泄漏风险'],
  },
  'safety.dangerous_building': {
    places: ['building'],
    texts: ['{loc}墙体出现裂缝', '{loc}阳台外墙皮脱落', '{loc}老旧平房屋顶有塌陷风险'],
  },
  'sanitation.exposed_garbage': {
    places: ['building', 'road'],
    texts: ['{loc}生活垃圾堆积未清运', '{loc}有暴露垃圾，气味较大', '{loc}绿化带内堆放垃圾'],
  },
  'sanitation.overflowing_bin': {
    places: ['building', 'road'],
    texts: ['{loc}垃圾桶满溢', '{loc}分类垃圾桶满溢未及时清运', '{loc}垃圾桶周边散落垃圾'],
  },
  'sanitation.construction_waste': {
    places: ['building', 'road'],
    texts: ['{loc}有人倾倒建筑垃圾', '{loc}装修垃圾堆放占道', '{loc}夜间偷倒渣土'],
  },
  'sanitation.sewage_overflow': {
    places: ['road', 'building'],
    texts: ['{loc}污水外溢，路面污染', '{loc}化粪池满溢', '{loc}餐饮店污水直排路面'],
  },
  'construction.illegal_structure': {
    places: ['building'],
    texts: ['{loc}有人私自搭建彩钢棚', '{loc}一楼住户私扩院墙', '{loc}商户违规搭建雨棚'],
  },
  'construction.rooftop': {
    places: ['building'],
    texts: ['{loc}楼顶加盖彩钢房', '{loc}顶层住户楼顶违建', '{loc}屋顶私搭阳光房'],
  },
  'parking.illegal': {
    places: ['road', 'building'],
    texts: ['{loc}机动车乱停放，堵塞道路', '{loc}车辆占用盲道停放', '{loc}车辆停在消防通道口'],
  },
  'parking.bicycle': {
    places: ['road'],
    texts: ['{loc}共享单车乱停乱放', '{loc}非机动车占用人行道', '{loc}电动车堆放影响通行'],
  },
  'food.gutter_oil': {
    places: ['road'],
    texts: ['{loc}疑似有人收购地沟油', '{loc}餐馆疑似使用回收油', '{loc}发现地沟油收集桶'],
  },
  'food.unlicensed_vendor': {
    places: ['road'],
    texts: ['{loc}无证流动摊贩售卖熟食', '{loc}无证早餐摊点', '{loc}流动摊贩售卖散装食品'],
  },
  'dispute.neighbour': {
    places: ['unit'],
    texts: [
      '{loc}邻里因噪音产生纠纷',
      '{loc}楼上漏水引发邻里矛盾',
      '{loc}邻居因占用公共空间发生争执',
    ],
  },
  'dispute.property': {
    places: ['building'],
    texts: [
      '{loc}居民与物业因收费产生纠纷',
      '{loc}物业服务不到位，居民投诉',
      '{loc}电梯维修费用分摊纠纷',
    ],
  },
  'dispute.wage_arrears': {
    places: ['road', 'building'],
    texts: ['{loc}工地农民工反映被拖欠工资', '{loc}商户拖欠员工工资', '{loc}装修工人讨要工钱'],
  },
  'livelihood.heating': {
    places: ['unit'],
    texts: ['{loc}暖气不热，室温偏低', '{loc}供暖管道漏水', '{loc}整栋楼暖气温度不达标'],
  },
  'livelihood.power_outage': {
    places: ['building', 'unit'],
    texts: ['{loc}突然停电', '{loc}片区停电超过两小时', '{loc}电压不稳，频繁跳闸'],
  },
  'livelihood.elderly_care': {
    places: ['unit'],
    texts: [
      '{loc}独居老人行动不便，需要帮扶',
      '{loc}空巢老人多日未出门，需上门探访',
      '{loc}高龄独居老人申请助餐服务',
    ],
  },
  'livelihood.water_outage': {
    places: ['building', 'unit'],
    texts: ['{loc}停水未提前通知', '{loc}水压过低，高层无水', '{loc}自来水浑浊发黄'],
  },
  'publicsecurity.fraud': {
    places: ['building', 'unit'],
    texts: [
      '{loc}居民反映接到冒充客服的诈骗电话',
      '{loc}有人散发虚假投资理财传单',
      '{loc}老人疑似被保健品推销诈骗',
    ],
  },
  'publicsecurity.suspicious': {
    places: ['building', 'road'],
    texts: ['{loc}有可疑人员逐户敲门', '{loc}深夜有可疑人员徘徊', '{loc}有人撬动电动车车锁'],
  },
  'market.street_vending': {
    places: ['road'],
    texts: ['{loc}占道经营，影响通行', '{loc}水果摊占用人行道', '{loc}夜市摊点超出划定范围'],
  },
  'market.illegal_ads': {
    places: ['unit', 'road'],
    texts: ['{loc}墙面张贴小广告', '{loc}单元门口乱贴小广告', '{loc}电线杆上乱贴办证广告'],
  },
};

const GENERIC: Templates = { places: ['building', 'road'], texts: ['{loc}发现问题，请尽快处理'] };

const ROADS = [
  '文化路',
  '花园路',
  '农业路',
  '经三路',
  '纬五路',
  '黄河路',
  '金水路',
  '东风路',
  '丰产路',
  '政七街',
  '红专路',
  '健康路',
  '南阳路',
  '优胜路',
  '索凌路',
  '园田路',
  '姚砦路',
  '沙口路',
  '商都路',
  '未来路',
  '嵩山路',
  '建设路',
  '中原路',
  '航海路',
];
const SIDES = ['东侧', '西侧', '南侧', '北侧', '门口', '附近', '楼下'];
const ROAD_SIDES = ['东北角', '西南角', '路口', '人行道', '公交站旁', '附近'];

export function pick<T>(items: readonly T[], rand: Rand): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const int = (lo: number, hi: number, rand: Rand): number => lo + Math.floor(rand() * (hi - lo + 1));

export interface Description {
  description: string;
  address: string;
}

/** A description and an address for an incident of `category` in `community`. */
export function describeIncident(category: string, community: string, rand: Rand): Description {
  const t = T[category] ?? GENERIC;
  const place = pick(t.places, rand);
  let address: string;
  if (place === 'road') {
    const a = pick(ROADS, rand);
    let b = pick(ROADS, rand);
    if (b === a) b = pick(ROADS, rand);
    address =
      rand() < 0.6 && b !== a
        ? `${a}与${b}交叉口${pick(ROAD_SIDES, rand)}`
        : `${a}${int(1, 260, rand)}号门前`;
  } else if (place === 'unit') {
    address = `${community}${int(1, 28, rand)}号楼${int(1, 4, rand)}单元`;
  } else {
    address = `${community}${int(1, 28, rand)}号楼${pick(SIDES, rand)}`;
  }
  const loc = place === 'road' ? `${community}辖区${address}` : address;
  const description = pick(t.texts, rand)
    .replace('{loc}', loc)
    .replace('{f}', `${int(2, 5, rand)}至${int(6, 11, rand)}`)
    .replace('{n}', String(int(2, 6, rand)));
  return { description, address };
}

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕';

/** How the hotline records a caller: 王女士, 李先生. */
export function citizenName(rand: Rand): string {
  const s = SURNAMES[Math.floor(rand() * SURNAMES.length)] ?? '王';
  return `${s}${rand() < 0.5 ? '女士' : '先生'}`;
}

const RESOLVE_NOTES: Record<string, string[]> = {
  municipal: [
    '已安排维修人员到场，现已修复',
    '已完成维修，恢复正常使用',
    '已疏通处理，现场恢复正常',
  ],
  safety: ['已现场劝导整改，隐患已消除', '已督促责任人整改到位', '已清理并张贴安全提示'],
  sanitation: ['已清理完毕', '已安排环卫人员清运', '已清运并对现场消杀'],
  construction: ['已下达整改通知书，违建已拆除', '已依法拆除', '当事人已自行拆除，现场复原'],
  parking: ['已现场劝离', '已贴单处理并拖移车辆', '已清理规整'],
  food: ['已依法查处', '已取缔，相关物品已暂扣', '已立案调查并责令停业整改'],
  dispute: ['经调解双方达成一致', '已调解完毕，双方签订调解协议', '已联系双方当事人化解矛盾'],
  livelihood: ['已上门处置，恢复正常', '已对接帮扶服务', '已完成抢修，恢复供应'],
  publicsecurity: ['已出警处置', '已开展反诈宣传并登记', '已核查处置，未发现异常'],
  market: ['已劝离摊贩，恢复通行', '已清除小广告', '已规范经营，恢复秩序'],
};

export function resolveNote(category: string, rand: Rand): string {
  const group = category.split('.')[0] ?? '';
  return pick(RESOLVE_NOTES[group] ?? ['已处置完毕'], rand);
}

export const SELF_RESOLVE_NOTES = [
  '网格员现场处置完毕',
  '已现场劝导，当事人已整改',
  '已联系物业现场处理完毕',
  '网格员协调楼栋长处理完毕',
];
export const REJECT_REASONS = [
  '不属于受理范围',
  '信息不全，无法核实',
  '现场核实问题不存在',
  '非本辖区事项，已告知来电人',
  '咨询类诉求，已直接答复',
];
export const RETURN_REASONS = [
  '不属于本部门职责，请改派',
  '该问题属于属地管理，请街道处置',
  '权属不清，请核实后重新派遣',
  '需由产权单位负责，请改派',
];
export const VERIFY_PASS_NOTES = ['现场核实已处置完毕', '复核通过，群众满意', '已核查，问题已解决'];
export const VERIFY_FAIL_NOTES = [
  '现场仍有问题，未彻底处置',
  '复核发现问题反弹，请继续处置',
  '处置不到位，群众不满意',
];
export const EXTENSION_REASONS = [
  '需协调多个部门联合处置',
  '维修材料采购中',
  '需等待施工许可',
  '当事人暂时联系不上，需继续做工作',
  '天气原因无法施工',
];
export const ESCALATE_NOTES = [
  '请加快处置进度',
  '群众多次反映，请尽快处置',
  '领导批示，请限时办结',
];

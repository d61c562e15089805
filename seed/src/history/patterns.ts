/**
 * The shape of a realistic history: when reports arrive, where from, how urgent, and how fast
 * each department works. Numbers are tuned so that 30 days show ~6–10% overdue incidents and a
 * live board with one to two thousand open cases.
 */
import type { Category, Source } from '@cityops/domain';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Relative report volume per local hour on a weekday: quiet nights, peaks 9–11h and 14–17h. */
const WEEKDAY_HOURS = [
  0.14, 0.09, 0.06, 0.05, 0.06, 0.14, 0.4, 0.95, 1.7, 2.5, 2.7, 2.3, 1.25, 1.35, 2.2, 2.5, 2.4,
  1.85, 1.15, 0.95, 0.8, 0.6, 0.38, 0.22,
];
/** Weekends start later and stay flatter. */
const WEEKEND_HOURS = [
  0.2, 0.13, 0.08, 0.06, 0.06, 0.1, 0.25, 0.55, 1.0, 1.6, 1.9, 1.8, 1.3, 1.25, 1.6, 1.75, 1.7, 1.5,
  1.2, 1.05, 0.9, 0.7, 0.45, 0.28,
];

/** Weekends see fewer reports: fewer grid workers on patrol, offices closed. */
const DAY_OF_WEEK_FACTOR = [0.68, 1.0, 1.02, 1.0, 1.0, 0.96, 0.74]; // Sunday first

export function hourWeight(localHour: number, localDayOfWeek: number): number {
  const weekend = localDayOfWeek === 0 || localDayOfWeek === 6;
  const table = weekend ? WEEKEND_HOURS : WEEKDAY_HOURS;
  return (table[localHour] ?? 1) * (DAY_OF_WEEK_FACTOR[localDayOfWeek] ?? 1);
}

/** Report sources (网格员上报, 12345 hotline, citizen app, cameras, Open311) by time of day. */
export function sourceWeights(localHour: number, weekend: boolean): [Source, number][] {
  const night = localHour < 7 || localHour >= 20;
  const patrol = night ? 0.12 : weekend ? 0.6 : 1;
  return [
    ['grid', 0.62 * patrol],
    ['hotline', 0.17 * (night ? 1.6 : 1)],
    ['app', 0.1],
    ['camera', 0.06 * (night ? 2 : 1)],
    ['open311', 0.05],
  ];
}

/** Categories that are often urgent, and those that rarely are (multipliers on the base rate). */
const URGENCY: Record<string, number> = {
  'safety.gas_hazard': 4,
  'municipal.manhole_cover': 3,
  'municipal.water_leak': 2.5,
  'safety.fire_exit_blocked': 2,
  'livelihood.power_outage': 2.5,
  'livelihood.water_outage': 2,
  'sanitation.sewage_overflow': 1.8,
  'safety.dangerous_building': 2.5,
  'publicsecurity.suspicious': 2,
  'market.illegal_ads': 0.2,
  'parking.bicycle': 0.3,
  'dispute.neighbour': 0.4,
  'dispute.property': 0.3,
  'construction.rooftop': 0.3,
  'construction.illegal_structure': 0.4,
  'sanitation.overflowing_bin': 0.5,
  'sanitation.exposed_garbage': 0.5,
};
export const URGENT_RATE = 0.08;

export function urgencyFactor(code: string): number {
  return URGENCY[code] ?? 1;
}

/** Categories a grid worker can usually fix on the spot (网格自办), and those never. */
const SELF_RESOLVABLE: Record<string, number> = {
  'sanitation.exposed_garbage': 1.6,
  'sanitation.overflowing_bin': 1.2,
  'parking.bicycle': 2,
  'market.illegal_ads': 2,
  'market.street_vending': 1.6,
  'safety.fire_exit_blocked': 1.4,
  'safety.ebike_indoor_charging': 1.5,
  'dispute.neighbour': 1.5,
  'livelihood.elderly_care': 1,
  'parking.illegal': 0.8,
  'municipal.stair_light': 0.5,
  'safety.gas_hazard': 0,
  'construction.illegal_structure': 0.1,
  'construction.rooftop': 0,
  'food.gutter_oil': 0,
  'municipal.road_damage': 0,
  'municipal.water_leak': 0,
  'municipal.manhole_cover': 0.2,
  'dispute.wage_arrears': 0,
  'publicsecurity.fraud': 0.2,
  'livelihood.power_outage': 0,
  'livelihood.water_outage': 0,
  'livelihood.heating': 0,
};
/** Share of grid-worker reports closed by the worker (≈12% of all incidents). */
export const SELF_RESOLVE_RATE = 0.245;

export function selfResolveFactor(code: string): number {
  return SELF_RESOLVABLE[code] ?? 0.6;
}

/** Complaints about heating come in the heating season only (mid-November to mid-March). */
export function seasonalWeight(category: Category, localMonth: number): number {
  if (category.code !== 'livelihood.heating') return category.weight;
  const season = localMonth >= 10 || localMonth <= 2; // Nov–Mar, months 0-based
  return season ? category.weight : category.weight * 0.05;
}

/** Triage outcomes among dispatcher-handled reports (the ~12% self-resolved never reach them). */
export const REJECT_RATE = 0.045;
export const MERGE_RATE = 0.028;
/** Share of 'event' categories sent to the street office (属地) rather than the department. */
export const STREET_OFFICE_SHARE = 0.3;
export const RETURN_RATE = 0.05;
export const REWORK_RATE = 0.07;
export const ESCALATE_RATE = 0.03;
/** Of those that will not make the deadline, how many ask for more time, and how many get it. */
export const EXTENSION_ASK_RATE = 0.5;
export const EXTENSION_APPROVE_RATE = 0.85;

/**
 * How a department resolves work: the median resolution time is `ratio` × the category's
 * deadline (log-normal with `sigma`), and `allHours` departments work through the night.
 */
export interface DepartmentPace {
  ratio: number;
  sigma: number;
  allHours: boolean;
}

const PACE: Record<string, DepartmentPace> = {
  police: { ratio: 0.22, sigma: 0.7, allHours: true },
  fire: { ratio: 0.24, sigma: 0.7, allHours: true },
  gas: { ratio: 0.2, sigma: 0.6, allHours: true },
  power: { ratio: 0.26, sigma: 0.7, allHours: true },
  water: { ratio: 0.3, sigma: 0.72, allHours: true },
  heating: { ratio: 0.32, sigma: 0.75, allHours: true },
  market: { ratio: 0.3, sigma: 0.75, allHours: false },
  civil: { ratio: 0.3, sigma: 0.7, allHours: false },
  justice: { ratio: 0.3, sigma: 0.8, allHours: false },
  transport: { ratio: 0.36, sigma: 0.8, allHours: false },
  housing: { ratio: 0.36, sigma: 0.85, allHours: false },
  urban: { ratio: 0.31, sigma: 0.85, allHours: false },
  ecology: { ratio: 0.34, sigma: 0.8, allHours: false },
};
const STREET_OFFICE_PACE: DepartmentPace = { ratio: 0.29, sigma: 0.8, allHours: false };

export function departmentPace(code: string): DepartmentPace {
  if (code.startsWith('street-')) return STREET_OFFICE_PACE;
  return PACE[code] ?? { ratio: 0.32, sigma: 0.8, allHours: false };
}

/** Relative busyness of the districts (central districts report more), by position in the list. */
export function districtBusyness(index: number, rand: () => number): number {
  const central = index < 3 ? 1.8 - index * 0.25 : 0.9;
  return central * (0.75 + 0.5 * rand());
}

/** Office hours in local time for work that is not done at night (07:30–20:00). */
export const OFFICE_OPEN_MINUTES = 7 * 60 + 30;
export const OFFICE_CLOSE_MINUTES = 20 * 60;
/** Grid workers patrol and verify 08:00–19:00. */
export const PATROL_OPEN_MINUTES = 8 * 60;
export const PATROL_CLOSE_MINUTES = 19 * 60;

/**
 * The demo history, built in memory: report times with a local daily rhythm, a place and a
 * category for each, a whole life per incident through the state machine, and the last week's patrol
 * check-ins. Pure and deterministic for a given seed; `writeHistory` puts it in the database.
 */
import {
  CATEGORIES,
  DEPARTMENTS,
  deadlineFrom,
  encodePath,
  streetOfficeCode,
  suggestDepartments,
  type Actor,
  type Category,
  type IncidentCore,
  type Priority,
  type Source,
} from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';
import type { checkins, incidents } from '@cityops/db';
import { demoPoint, mulberry32, type City, type CityRegion } from '../city/index.ts';
import {
  ESCALATE_NOTES,
  EXTENSION_REASONS,
  REJECT_REASONS,
  RETURN_REASONS,
  SELF_RESOLVE_NOTES,
  VERIFY_FAIL_NOTES,
  VERIFY_PASS_NOTES,
  citizenName,
  describeIncident,
  pick,
  resolveNote,
} from './descriptions.ts';
import { Lifecycle, type GeneratedEvent } from './lifecycle.ts';
import {
  DAY,
  ESCALATE_RATE,
  EXTENSION_APPROVE_RATE,
  EXTENSION_ASK_RATE,
  HOUR,
  MERGE_RATE,
  MINUTE,
  OFFICE_CLOSE_MINUTES,
  OFFICE_OPEN_MINUTES,
  PATROL_CLOSE_MINUTES,
  PATROL_OPEN_MINUTES,
  REJECT_RATE,
  RETURN_RATE,
  REWORK_RATE,
  SELF_RESOLVE_RATE,
  STREET_OFFICE_SHARE,
  URGENT_RATE,
  departmentPace,
  districtBusyness,
  hourWeight,
  seasonalWeight,
  selfResolveFactor,
  sourceWeights,
  urgencyFactor,
} from './patterns.ts';

export interface UserRef {
  id: number;
  username: string;
}

export interface HistoryUsers {
  dispatchers: UserRef[];
  /** Keyed by department code (functional departments and street offices alike). */
  departmentHandlers: Record<string, UserRef>;
  /** Keyed by grid code. */
  fieldWorkers: Map<string, UserRef>;
}

export interface GenerateOptions {
  city: City;
  now: Date;
  days: number;
  incidents: number;
  seed: number;
  users: HistoryUsers;
  utcOffsetMinutes: number;
  /** Id of the first incident (the rest follow in report order). */
  firstIncidentId: number;
}

export type IncidentRow = typeof incidents.$inferInsert;
export type CheckinRow = Omit<typeof checkins.$inferInsert, 'id'>;

export interface GeneratedHistory {
  incidents: IncidentRow[];
  /** Every event, incident and patrol alike, in time order (stable: an incident's own order holds). */
  events: GeneratedEvent[];
  /** Check-ins in time order; `events` holds one 'patrol.checkin' event for each. */
  checkins: CheckinRow[];
}

type Rand = () => number;

interface GridInfo {
  grid: CityRegion;
  streetCode: string | undefined;
  communityCode: string;
  communityName: string;
  encodedPath: string;
  worker: UserRef | undefined;
}

interface Report {
  id: number;
  t: number;
  info: GridInfo;
  category: Category;
  priority: Priority;
  source: Source;
}

/** Builds the whole history in memory. */
export function generateHistory(opts: GenerateOptions): GeneratedHistory {
  if (opts.users.dispatchers.length === 0)
    throw new Error('history: at least one dispatcher is needed');
  if (opts.city.grids.length === 0) throw new Error('history: the city has no grids');
  const rand = mulberry32(opts.seed);
  const nowMs = opts.now.getTime();
  const offsetMs = opts.utcOffsetMinutes * MINUTE;
  const clock = new LocalClock(offsetMs);
  const grids = gridInfos(opts.city, opts.users);
  const departmentCodes = new Set<string>([
    ...DEPARTMENTS.map((d) => d.code),
    ...opts.city.streets.map((s) => streetOfficeCode(s.code)),
  ]);
  const departmentExists = (code: string): boolean => departmentCodes.has(code);

  const times = reportTimes(opts, clock, rand);
  const pickGrid = gridPicker(opts.city, grids, rand);
  const pickCategory = categoryPicker();
  const meanUrgency =
    CATEGORIES.reduce((s, c) => s + c.weight * urgencyFactor(c.code), 0) /
    CATEGORIES.reduce((s, c) => s + c.weight, 0);

  const world: World = { opts, rand, nowMs, clock, departmentExists, recent: new Map() };
  const incidentRows: IncidentRow[] = [];
  const events: GeneratedEvent[] = [];
  times.forEach((t, i) => {
    const info = pickGrid();
    const category = pickCategory(clock.month(t), rand);
    const urgent = rand() < (URGENT_RATE * urgencyFactor(category.code)) / meanUrgency;
    const report: Report = {
      id: opts.firstIncidentId + i,
      t,
      info,
      category,
      priority: urgent ? 'urgent' : 'normal',
      source: pickSource(clock, t, info, rand),
    };
    const { row, life } = live(report, world);
    incidentRows.push(row);
    for (const e of life.events) events.push(e);
  });

  const patrol = patrolCheckins(opts, grids, clock, mulberry32(opts.seed ^ 0x5bd1e995));
  for (const e of patrol.events) events.push(e);
  // Array.prototype.sort is stable: events at the same instant keep their incident's order.
  events.sort((a, b) => a.t - b.t);
  return { incidents: incidentRows, events, checkins: patrol.rows };
}

// ---------------------------------------------------------------------------------------------
// Time

/** Local wall-clock arithmetic at a fixed UTC offset. */
class LocalClock {
  constructor(private readonly offsetMs: number) {}
  /** Minutes since local midnight. */
  minuteOfDay(t: number): number {
    return Math.floor(mod(t + this.offsetMs, DAY) / MINUTE);
  }
  hour(t: number): number {
    return Math.floor(this.minuteOfDay(t) / 60);
  }
  /** Local midnight (as epoch ms) of the day containing t. */
  midnight(t: number): number {
    return t - mod(t + this.offsetMs, DAY);
  }
  dayOfWeek(t: number): number {
    return new Date(t + this.offsetMs).getUTCDay();
  }
  month(t: number): number {
    return new Date(t + this.offsetMs).getUTCMonth();
  }
  /** t if it falls within [open, close) local minutes, else the next opening plus up to an hour. */
  within(t: number, open: number, close: number, rand: Rand): number {
    const m = this.minuteOfDay(t);
    if (m >= open && m < close) return t;
    const midnight = this.midnight(t);
    const next = m < open ? midnight + open * MINUTE : midnight + DAY + open * MINUTE;
    return next + Math.floor(rand() * 60 * MINUTE);
  }
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Report times: hourly slots weighted by local hour, weekday and a little daily noise; sorted. */
function reportTimes(opts: GenerateOptions, clock: LocalClock, rand: Rand): number[] {
  const nowMs = opts.now.getTime();
  const start = clock.midnight(nowMs) - opts.days * DAY;
  const slotStarts: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  let dayNoise = 1;
  for (let s = start; s < nowMs; s += HOUR) {
    if (clock.hour(s) === 0 || slotStarts.length === 0) dayNoise = 0.88 + 0.24 * rand();
    const span = Math.min(HOUR, nowMs - s);
    total += hourWeight(clock.hour(s), clock.dayOfWeek(s)) * dayNoise * (span / HOUR);
    slotStarts.push(s);
    cumulative.push(total);
  }
  const times: number[] = [];
  for (let i = 0; i < opts.incidents; i++) {
    const slot = search(cumulative, rand() * total);
    const s = slotStarts[slot] ?? start;
    const span = Math.min(HOUR, nowMs - s);
    times.push(s + Math.floor(rand() * span));
  }
  return times.sort((a, b) => a - b);
}

/** Index of the first cumulative weight above x. */
function search(cumulative: readonly number[], x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function normal(rand: Rand): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A log-normal duration in ms with the given median. */
function logNormal(medianMs: number, sigma: number, rand: Rand): number {
  return Math.round(medianMs * Math.exp(sigma * normal(rand)));
}

// ---------------------------------------------------------------------------------------------
// Place, category, source

function gridInfos(city: City, users: HistoryUsers): GridInfo[] {
  const communities = new Map(city.communities.map((c) => [c.code, c]));
  const streetCodes = new Set(city.streets.map((s) => s.code));
  return city.grids.map((grid) => {
    const community = grid.parentCode ? communities.get(grid.parentCode) : undefined;
    return {
      grid,
      streetCode: grid.path.find((code) => streetCodes.has(code)),
      communityCode: community?.code ?? grid.parentCode ?? grid.code,
      communityName: community?.name ?? grid.name,
      encodedPath: encodePath(grid.path),
      worker: users.fieldWorkers.get(grid.code),
    };
  });
}

/** Grids weighted by their district's busyness and a lasting per-grid factor. */
function gridPicker(city: City, grids: GridInfo[], rand: Rand): () => GridInfo {
  const districtWeight = new Map(city.districts.map((d, i) => [d.code, districtBusyness(i, rand)]));
  const cumulative: number[] = [];
  let total = 0;
  for (const info of grids) {
    const district = info.grid.path.find((code) => districtWeight.has(code));
    const w = (district ? (districtWeight.get(district) ?? 1) : 1) * Math.exp(0.55 * normal(rand));
    total += w;
    cumulative.push(total);
  }
  return () => grids[search(cumulative, rand() * total)] ?? (grids[0] as GridInfo);
}

function categoryPicker(): (month: number, rand: Rand) => Category {
  const tables = new Map<number, { cumulative: number[]; total: number }>();
  return (month, rand) => {
    let table = tables.get(month);
    if (!table) {
      const cumulative: number[] = [];
      let total = 0;
      for (const c of CATEGORIES) cumulative.push((total += seasonalWeight(c, month)));
      table = { cumulative, total };
      tables.set(month, table);
    }
    return (
      CATEGORIES[search(table.cumulative, rand() * table.total)] ?? (CATEGORIES[0] as Category)
    );
  };
}

function pickSource(clock: LocalClock, t: number, info: GridInfo, rand: Rand): Source {
  const dow = clock.dayOfWeek(t);
  const weights = sourceWeights(clock.hour(t), dow === 0 || dow === 6).filter(
    ([source]) => source !== 'grid' || info.worker !== undefined,
  );
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [source, w] of weights) if ((x -= w) < 0) return source;
  return 'hotline';
}

// ---------------------------------------------------------------------------------------------
// Lifecycles

interface World {
  opts: GenerateOptions;
  rand: Rand;
  nowMs: number;
  clock: LocalClock;
  departmentExists: (code: string) => boolean;
  /** Recent incidents per category and community, for merging duplicates. */
  recent: Map<string, { id: number; t: number }[]>;
}

function actorFor(role: 'dispatcher', user: UserRef): Actor;
function actorFor(role: 'field', user: UserRef, grid: string): Actor;
function actorFor(role: 'dispatcher' | 'field', user: UserRef, grid?: string): Actor {
  return { role, username: user.username, department: null, grid: grid ?? null, userId: user.id };
}

function departmentActor(users: HistoryUsers, code: string): Actor {
  const handler = users.departmentHandlers[code];
  return {
    role: 'department',
    username: handler?.username ?? code,
    department: code,
    grid: null,
    userId: handler?.id ?? null,
  };
}

/** The life of one incident: its report, triage, handling and verification, up to now. */
function live(report: Report, world: World): { row: IncidentRow; life: Lifecycle } {
  const { opts, rand } = world;
  const { info, category, priority } = report;
  const users = opts.users;
  const urgent = priority === 'urgent';
  const [lng, lat] = demoPoint(info.grid, rand);
  const { description, address } = describeIncident(category.code, info.communityName, rand);
  // Grid workers report under their own account; the hotline notes the caller as 王女士.
  const reporter: { id: number | null; name: string | null } =
    report.source === 'grid' && info.worker
      ? { id: info.worker.id, name: info.worker.username }
      : { id: null, name: report.source === 'camera' ? null : citizenName(rand) };
  const dispatcher = (): Actor => actorFor('dispatcher', pick(users.dispatchers, rand));
  const field = (): Actor =>
    info.worker ? actorFor('field', info.worker, info.grid.code) : dispatcher();

  const reportedAt = new Date(report.t).toISOString();
  const core: IncidentCore = {
    id: report.id,
    version: 1,
    state: 'reported',
    category: category.code,
    priority,
    gridCode: info.grid.code,
    reporterId: reporter.id,
    department: null,
    deadline: deadlineFrom(category, priority, new Date(report.t)).toISOString(),
    overdue: false,
    escalated: false,
    reminded: false,
    returnCount: 0,
    reworkCount: 0,
    mergedInto: null,
    extension: null,
    reportedAt,
    filedAt: null,
    dispatchedAt: null,
    resolvedAt: null,
    closedAt: null,
  };
  const fixed = {
    source: report.source,
    description,
    address,
    lng,
    lat,
    path: info.grid.path,
    reporterName: reporter.name,
  };
  const reportActor =
    report.source === 'grid'
      ? reporter.name
      : report.source === 'hotline'
        ? dispatcher().username
        : null;
  const life = new Lifecycle(
    core,
    {
      t: report.t,
      type: 'incident.reported',
      actor: reportActor,
      path: info.encodedPath,
      incidentId: report.id,
      data: { action: 'report', incident: toDto(core, fixed, reportedAt) },
    },
    {
      nowMs: world.nowMs,
      path: info.encodedPath,
      category,
      departmentExists: world.departmentExists,
      rand,
    },
  );

  // A duplicate is merged into an earlier report nearby: same community, else same street.
  const keys = [
    `${category.code}|${info.communityCode}`,
    `${category.code}|${info.streetCode ?? ''}`,
  ];
  const duplicateOf =
    findDuplicate(world, keys[0]!, report.t) ?? findDuplicate(world, keys[1]!, report.t);
  for (const key of keys) {
    const recent = world.recent.get(key) ?? [];
    recent.push({ id: report.id, t: report.t });
    if (recent.length > 8) recent.shift();
    world.recent.set(key, recent);
  }

  runLife(life, { report, world, urgent, dispatcher, field, duplicateOf });
  life.finish();
  const final = life.core;
  const updatedAt = new Date(life.last);
  const row: IncidentRow = {
    id: final.id,
    version: final.version,
    state: final.state,
    categoryCode: final.category,
    priority: final.priority,
    source: fixed.source,
    description,
    address,
    lng,
    lat,
    gridCode: final.gridCode,
    path: info.encodedPath,
    reporterId: final.reporterId,
    reporterName: reporter.name,
    departmentCode: final.department,
    deadline: new Date(final.deadline),
    overdue: final.overdue,
    escalated: final.escalated,
    reminded: final.reminded,
    returnCount: final.returnCount,
    reworkCount: final.reworkCount,
    mergedInto: final.mergedInto,
    extension: final.extension,
    photos: [],
    reportedAt: new Date(final.reportedAt),
    filedAt: date(final.filedAt),
    dispatchedAt: date(final.dispatchedAt),
    resolvedAt: date(final.resolvedAt),
    closedAt: date(final.closedAt),
    updatedAt,
  };
  return { row, life };
}

function date(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

/** The latest earlier report under `key` from within the last day. */
function findDuplicate(world: World, key: string, t: number): number | null {
  const list = world.recent.get(key);
  if (!list) return null;
  for (let i = list.length - 1; i >= 0; i--) {
    const r = list[i];
    if (r && t - r.t < DAY) return r.id;
  }
  return null;
}

interface Script {
  report: Report;
  world: World;
  urgent: boolean;
  dispatcher: () => Actor;
  field: () => Actor;
  duplicateOf: number | null;
}

/** The plan of a life; each step stops it when its time lies after now. */
function runLife(life: Lifecycle, s: Script): void {
  const { report, world, urgent, dispatcher, field } = s;
  const { rand, clock, opts } = world;
  const { category, info } = report;
  const t0 = report.t;

  // 网格自办: the worker who reported it fixes it on the spot.
  if (
    report.source === 'grid' &&
    info.worker &&
    rand() < SELF_RESOLVE_RATE * selfResolveFactor(category.code)
  ) {
    const t = t0 + 2 * MINUTE + logNormal(10 * MINUTE, 0.6, rand);
    life.act(t, { action: 'self_resolve', note: pick(SELF_RESOLVE_NOTES, rand) }, field());
    return;
  }

  // Triage by the operations centre: quicker by day, some left waiting for hours.
  const night = clock.hour(t0) < 7 || clock.hour(t0) >= 22;
  let t = t0 + logNormal((night ? 30 : 12) * MINUTE, 0.7, rand);
  if (rand() < 0.05) t += HOUR + rand() * 5 * HOUR;
  const triage = rand();
  if (triage < REJECT_RATE) {
    life.act(t, { action: 'reject', reason: pick(REJECT_REASONS, rand) }, dispatcher());
    return;
  }
  if (triage < REJECT_RATE + MERGE_RATE) {
    if (s.duplicateOf !== null) {
      life.act(t, { action: 'merge', into: s.duplicateOf }, dispatcher());
    } else {
      life.act(t, { action: 'reject', reason: '重复上报' }, dispatcher());
    }
    return;
  }
  if (!life.act(t, { action: 'file' }, dispatcher())) return;

  let department = firstDepartment(category, info.streetCode, rand);
  if (!world.departmentExists(department)) department = category.department;
  t = life.last + logNormal(4 * MINUTE, 0.8, rand);
  if (!life.act(t, { action: 'dispatch', department }, dispatcher())) return;

  // 退回: not ours; the centre sends it on to the other candidate.
  if (rand() < RETURN_RATE) {
    const beforeSign = rand() < 0.6;
    if (!beforeSign) {
      t = signTime(life.last, department, urgent, world);
      if (!life.act(t, { action: 'sign' }, departmentActor(opts.users, department))) return;
    }
    t = beforeSign
      ? signTime(life.last, department, urgent, world)
      : workTime(life.last + logNormal(2 * HOUR, 0.8, rand), department, urgent, world);
    const reason = pick(RETURN_REASONS, rand);
    if (!life.act(t, { action: 'return', reason }, departmentActor(opts.users, department))) return;
    department = alternativeDepartment(category, info.streetCode, department, world);
    t = life.last + logNormal(15 * MINUTE, 0.8, rand);
    if (!life.act(t, { action: 'dispatch', department }, dispatcher())) return;
  }
  const handler = departmentActor(opts.users, department);
  t = signTime(life.last, department, urgent, world);
  if (!life.act(t, { action: 'sign' }, handler)) return;

  const pace = departmentPace(department);
  const hours = urgent ? category.urgentDeadlineHours : category.deadlineHours;
  const work = logNormal(hours * pace.ratio * HOUR, pace.sigma, rand);
  let resolveAt = workTime(life.last + work, department, urgent, world);

  // 延期: a department that will not make it asks for more time before the deadline.
  const deadline = Date.parse(life.core.deadline);
  if (resolveAt > deadline && rand() < EXTENSION_ASK_RATE) {
    const askAt = life.last + (deadline - life.last) * (0.5 + 0.4 * rand());
    const until = Math.ceil((resolveAt + HOUR + rand() * 12 * HOUR) / HOUR) * HOUR;
    if (askAt > life.last && askAt < deadline - MINUTE) {
      const asked = life.act(
        askAt,
        {
          action: 'request_extension',
          until: new Date(until).toISOString(),
          reason: pick(EXTENSION_REASONS, rand),
        },
        handler,
      );
      if (!asked) return;
      const decideAt = life.last + logNormal(40 * MINUTE, 0.8, rand);
      if (decideAt < resolveAt && life.core.extension) {
        const approved = rand() < EXTENSION_APPROVE_RATE;
        if (!life.act(decideAt, { action: 'decide_extension', approved }, dispatcher())) return;
      }
    }
  }
  // 督办: a dispatcher or leader chases it before the clock does.
  if (rand() < ESCALATE_RATE && resolveAt > life.last + MINUTE) {
    const at = life.last + rand() * (resolveAt - life.last);
    if (!life.act(at, { action: 'escalate', note: pick(ESCALATE_NOTES, rand) }, dispatcher()))
      return;
  }
  if (!life.act(resolveAt, { action: 'resolve', note: resolveNote(category.code, rand) }, handler))
    return;

  // 核查: the grid worker checks on site; some fixes do not hold (返工).
  t = patrolTime(life.last + logNormal(150 * MINUTE, 1, rand), world);
  if (rand() < REWORK_RATE) {
    const note = pick(VERIFY_FAIL_NOTES, rand);
    if (!life.act(t, { action: 'verify', passed: false, note }, field())) return;
    resolveAt = workTime(life.last + logNormal(work * 0.35, 0.6, rand), department, urgent, world);
    if (
      !life.act(resolveAt, { action: 'resolve', note: resolveNote(category.code, rand) }, handler)
    ) {
      return;
    }
    t = patrolTime(life.last + logNormal(150 * MINUTE, 1, rand), world);
  }
  life.act(t, { action: 'verify', passed: true, note: pick(VERIFY_PASS_NOTES, rand) }, field());
}

/** Components go to their owner; ~30% of events go to the street office (属地) first. */
function firstDepartment(category: Category, streetCode: string | undefined, rand: Rand): string {
  if (category.kind === 'event' && streetCode && rand() < STREET_OFFICE_SHARE) {
    return streetOfficeCode(streetCode);
  }
  return category.department;
}

function alternativeDepartment(
  category: Category,
  streetCode: string | undefined,
  current: string,
  world: World,
): string {
  const other = suggestDepartments(category, streetCode).find(
    (code) => code !== current && world.departmentExists(code),
  );
  return other ?? (current === category.department ? 'urban' : category.department);
}

/** When a department signs for new work: fast when urgent or staffed round the clock. */
function signTime(from: number, department: string, urgent: boolean, world: World): number {
  const { rand } = world;
  if (urgent) return from + logNormal(6 * MINUTE, 0.6, rand);
  const pace = departmentPace(department);
  if (pace.allHours) return from + logNormal(15 * MINUTE, 0.7, rand);
  return workTime(from + logNormal(40 * MINUTE, 1, rand), department, urgent, world);
}

/** Office departments do non-urgent work in office hours. */
function workTime(t: number, department: string, urgent: boolean, world: World): number {
  if (urgent || departmentPace(department).allHours) return t;
  return world.clock.within(t, OFFICE_OPEN_MINUTES, OFFICE_CLOSE_MINUTES, world.rand);
}

function patrolTime(t: number, world: World): number {
  return world.clock.within(t, PATROL_OPEN_MINUTES, PATROL_CLOSE_MINUTES, world.rand);
}

interface FixedFields {
  source: Source;
  description: string;
  address: string;
  lng: number;
  lat: number;
  path: string[];
  reporterName: string | null;
}

function toDto(core: IncidentCore, fixed: FixedFields, updatedAt: string): IncidentDto {
  return {
    id: core.id,
    version: core.version,
    state: core.state,
    category: core.category,
    priority: core.priority,
    source: fixed.source,
    description: fixed.description,
    address: fixed.address,
    lng: fixed.lng,
    lat: fixed.lat,
    gridCode: core.gridCode,
    path: [...fixed.path],
    department: core.department,
    deadline: core.deadline,
    overdue: core.overdue,
    escalated: core.escalated,
    reminded: core.reminded,
    returnCount: core.returnCount,
    reworkCount: core.reworkCount,
    mergedInto: core.mergedInto,
    extension: core.extension,
    photos: [],
    reporter: fixed.reporterName,
    reportedAt: core.reportedAt,
    filedAt: core.filedAt,
    dispatchedAt: core.dispatchedAt,
    resolvedAt: core.resolvedAt,
    closedAt: core.closedAt,
    updatedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Patrols

/** Days of patrol history, today included: the board compares with yesterday, reports with last week. */
export const PATROL_HISTORY_DAYS = 7;

/**
 * Check-ins of the last PATROL_HISTORY_DAYS days, up to now: each day some 60–75% of the grids
 * are visited, one to six times, within patrol hours; today only as far as the day has gone.
 */
function patrolCheckins(
  opts: GenerateOptions,
  grids: GridInfo[],
  clock: LocalClock,
  rand: Rand,
): { rows: CheckinRow[]; events: GeneratedEvent[] } {
  const nowMs = opts.now.getTime();
  const byCode = new Map(grids.map((g) => [g.grid.code, g]));
  const found: { t: number; row: CheckinRow; event: GeneratedEvent }[] = [];
  for (let back = Math.min(PATROL_HISTORY_DAYS, opts.days) - 1; back >= 0; back--) {
    const midnight = clock.midnight(nowMs) - back * DAY;
    const from = midnight + PATROL_OPEN_MINUTES * MINUTE;
    const to = Math.min(nowMs, midnight + (PATROL_CLOSE_MINUTES - 30) * MINUTE);
    if (to <= from) continue;
    const visitedShare = 0.6 + 0.15 * rand();
    // Later in the day more grids have been visited; before 08:00 nobody has started.
    const dayDone = Math.max(0, Math.min(1, (to - from) / (4 * HOUR)));
    for (const [gridCode, worker] of opts.users.fieldWorkers) {
      const info = byCode.get(gridCode);
      if (!info) continue;
      if (rand() >= visitedShare * (0.35 + 0.65 * dayDone)) continue;
      const count = 1 + Math.floor(rand() * 6 * (0.3 + 0.7 * dayDone));
      for (let k = 0; k < count; k++) {
        const t = from + Math.floor(rand() * (to - from));
        const [lng, lat] = demoPoint(info.grid, rand);
        const row: CheckinRow = {
          userId: worker.id,
          gridCode,
          homeGridCode: gridCode,
          outsideGrid: false,
          path: info.encodedPath,
          kind: 'checkin',
          lng,
          lat,
          note: null,
          at: new Date(t),
        };
        const event: GeneratedEvent = {
          t,
          type: 'patrol.checkin',
          actor: worker.username,
          path: info.encodedPath,
          incidentId: null,
          data: {
            userId: worker.id,
            username: worker.username,
            gridCode,
            lng,
            lat,
            kind: 'checkin',
            outsideGrid: false,
          },
        };
        found.push({ t, row, event });
      }
    }
  }
  found.sort((a, b) => a.t - b.t);
  return { rows: found.map((f) => f.row), events: found.map((f) => f.event) };
}

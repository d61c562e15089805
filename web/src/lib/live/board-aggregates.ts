import {
  findCategory,
  INCIDENT_STATES,
  KpiTally,
  kpiShare,
  kpiTimes,
  SOURCES,
  type IncidentState,
  type KpiShare,
  type Source,
} from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';
import type { IncidentChange } from './apply-events.ts';
import { WatchedCounts } from './changed-keys.ts';

/** Resolution-time buckets, in hours (upper bounds; the last is open-ended). */
export const RESOLUTION_BUCKETS = [1, 4, 24, Infinity] as const;

/** What one incident adds to every figure of the board, for one day and one scope. */
export interface BoardShare {
  /** The KPI strip's rules (reported/filed/resolved today, open, overdue, on time). */
  kpi: KpiShare;
  state: IncidentState;
  source: Source;
  /** Category group (the category mix). */
  group: string;
  department: string | null;
  /** The scope's child region the incident lies in. */
  region: string | undefined;
  grid: string;
  /** RESOLUTION_BUCKETS index of its resolution today; -1 when not resolved today. */
  bucket: number;
}

/** A pure function of the incident: a changed incident takes its old share back and adds its new. */
export function boardShare(i: IncidentDto, dayStart: number, scopeDepth: number): BoardShare {
  const kpi = kpiShare(kpiTimes(i), dayStart);
  let bucket = -1;
  if (kpi.resolved) {
    const hours = kpi.resolved.ms / 3_600_000;
    bucket = RESOLUTION_BUCKETS.findIndex((limit) => hours < limit);
    if (bucket === -1) bucket = RESOLUTION_BUCKETS.length - 1;
  }
  return {
    kpi,
    state: i.state,
    source: i.source,
    group: findCategory(i.category)?.group ?? 'other',
    department: i.department,
    region: i.path[scopeDepth],
    grid: i.gridCode,
    bucket,
  };
}

export interface DepartmentStats {
  code: string;
  /** Incidents this department resolved today. */
  resolved: number;
  onTime: number;
  /** On-time share of `resolved`; null when it resolved nothing today. */
  onTimeRate: number | null;
  /** Incidents it returned (退回) today. */
  returns: number;
  /** Today's resolutions per RESOLUTION_BUCKETS bucket (time from report to resolution). */
  buckets: number[];
}

/** Per child region of the scope: open and overdue work, today's resolutions and on time. */
export interface RegionTally {
  open: number;
  overdue: number;
  resolved: number;
  onTime: number;
}

interface DepartmentTally {
  resolved: number;
  onTime: number;
  buckets: number[];
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/**
 * The board's figures as running totals over its incidents: a flush costs the incidents it
 * changed, not all of them. `reset` recounts from scratch (snapshot, new day); `apply` takes
 * each change's old share back and adds its new one.
 */
export class BoardAggregates {
  #dayStart = 0;
  #scopeDepth = 1;
  #kpi = new KpiTally();
  #states = zeros(INCIDENT_STATES);
  #sources = zeros(SOURCES);
  #groups = new Map<string, number>();
  #departments = new Map<string, DepartmentTally>();
  #regions = new Map<string, RegionTally>();
  /** Open incidents per grid code, for the grid shading. */
  readonly gridOpen = new WatchedCounts<string>();

  get dayStart(): number {
    return this.#dayStart;
  }
  get kpi(): KpiTally {
    return this.#kpi;
  }

  reset(incidents: Iterable<IncidentDto>, dayStart: number, scopeDepth: number): void {
    this.#dayStart = dayStart;
    this.#scopeDepth = scopeDepth;
    this.#kpi = new KpiTally();
    this.#states = zeros(INCIDENT_STATES);
    this.#sources = zeros(SOURCES);
    this.#groups = new Map();
    this.#departments = new Map();
    this.#regions = new Map();
    this.gridOpen.clear();
    for (const i of incidents) this.#add(this.#share(i), 1);
  }

  apply(changes: readonly IncidentChange[]): void {
    for (const { before, after } of changes) {
      if (before) this.#add(this.#share(before), -1);
      if (after) this.#add(this.#share(after), 1);
    }
  }

  /** Incidents on the board per workflow state. */
  stateCounts(): Record<IncidentState, number> {
    return { ...this.#states };
  }

  /** Reports today per source channel. */
  sourceCounts(): Record<Source, number> {
    return { ...this.#sources };
  }

  /** Reports today per category group (groups with none are left out). */
  groupCounts(): Map<string, number> {
    return new Map(this.#groups);
  }

  /** Per department with resolutions or returns today (`returns`: code → returned today). */
  departmentStats(returns: Readonly<Record<string, number>>): DepartmentStats[] {
    const rows = new Map<string, DepartmentStats>();
    for (const [code, d] of this.#departments)
      rows.set(code, {
        code,
        resolved: d.resolved,
        onTime: d.onTime,
        onTimeRate: d.resolved ? d.onTime / d.resolved : null,
        returns: 0,
        buckets: [...d.buckets],
      });
    for (const [code, n] of Object.entries(returns)) {
      if (n <= 0) continue;
      const row = rows.get(code);
      if (row) row.returns = n;
      else
        rows.set(code, {
          code,
          resolved: 0,
          onTime: 0,
          onTimeRate: null,
          returns: n,
          buckets: RESOLUTION_BUCKETS.map(() => 0),
        });
    }
    return [...rows.values()];
  }

  /** Child region code → its tally (regions with nothing to count are left out). */
  regionTallies(): Map<string, RegionTally> {
    return new Map([...this.#regions].map(([code, r]) => [code, { ...r }]));
  }

  #share(i: IncidentDto): BoardShare {
    return boardShare(i, this.#dayStart, this.#scopeDepth);
  }

  #add(s: BoardShare, sign: 1 | -1): void {
    const { kpi } = s;
    this.#kpi.add(kpi, sign);
    this.#states[s.state] += sign;
    if (kpi.reportedToday) {
      this.#sources[s.source] += sign;
      bump(this.#groups, s.group, sign);
    }
    const resolved = kpi.resolved;
    if (s.department && resolved) {
      let d = this.#departments.get(s.department);
      if (!d) {
        d = { resolved: 0, onTime: 0, buckets: RESOLUTION_BUCKETS.map(() => 0) };
        this.#departments.set(s.department, d);
      }
      d.resolved += sign;
      if (resolved.onTime) d.onTime += sign;
      d.buckets[s.bucket]! += sign;
      if (d.resolved === 0) this.#departments.delete(s.department);
    }
    if (s.region !== undefined && (kpi.open || resolved)) {
      let r = this.#regions.get(s.region);
      if (!r) {
        r = { open: 0, overdue: 0, resolved: 0, onTime: 0 };
        this.#regions.set(s.region, r);
      }
      if (kpi.open) r.open += sign;
      if (kpi.overdue) r.overdue += sign;
      if (resolved) r.resolved += sign;
      if (resolved?.onTime) r.onTime += sign;
      if (r.open === 0 && r.resolved === 0) this.#regions.delete(s.region);
    }
    if (kpi.open) this.gridOpen.add(s.grid, sign);
  }
}

function bump(counts: Map<string, number>, key: string, sign: number): void {
  const n = (counts.get(key) ?? 0) + sign;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}

import type { Event, IncidentDto, Snapshot, WorkerPosition } from '@cityops/protocol';

/**
 * The board's data, as plain maps. Everything here is pure: the Svelte store wraps it and
 * the tests drive it directly.
 */
export interface BoardData {
  incidents: Map<number, IncidentDto>;
  /** Latest position per worker, by user id. */
  workers: Map<number, WorkerPosition>;
  /** Grid code → last visit time today. */
  gridVisits: Map<string, string>;
  lastEventId: number;
}

export function dataFromSnapshot(s: Snapshot): BoardData {
  return {
    incidents: new Map(s.incidents.map((i) => [i.id, i])),
    workers: new Map(s.workers.map((w) => [w.userId, w])),
    gridVisits: new Map(Object.entries(s.gridVisits)),
    lastEventId: s.lastEventId,
  };
}

/** A bounded set of recently applied event ids: duplicates change nothing. */
export class RecentIds {
  readonly #limit: number;
  #set = new Set<number>();
  constructor(limit = 10_000) {
    this.#limit = limit;
  }
  has(id: number): boolean {
    return this.#set.has(id);
  }
  add(id: number): void {
    this.#set.add(id);
    if (this.#set.size > this.#limit) {
      // Sets iterate in insertion order: drop the oldest.
      const oldest = this.#set.values().next().value;
      if (oldest !== undefined) this.#set.delete(oldest);
    }
  }
  get size(): number {
    return this.#set.size;
  }
  clear(): void {
    this.#set.clear();
  }
}

/** One incident's copy before and after a change; undefined: not on the board. */
export interface IncidentChange {
  before: IncidentDto | undefined;
  after: IncidentDto | undefined;
}

export interface ApplyResult {
  /** Events that changed something, in order (for the ticker). */
  applied: Event[];
  /** Incidents whose local copy is missing or behind by more than one version: fetch them. */
  refetch: Set<number>;
  incidentsChanged: boolean;
  /** Every incident copy replaced, in order: what the board's running totals are kept from. */
  changes: IncidentChange[];
  workersChanged: boolean;
  visitsChanged: boolean;
}

export type IncidentVerdict = 'apply' | 'duplicate' | 'refetch';

/** Decide what to do with an incident event, given the local copy. */
export function judgeIncidentEvent(event: Event, local: IncidentDto | undefined): IncidentVerdict {
  if (event.type === 'incident.reported') {
    const incoming = reportedIncident(event);
    if (!incoming) return 'refetch';
    if (!local) return 'apply';
    return incoming.version <= local.version ? 'duplicate' : 'refetch';
  }
  const version = afterVersion(event);
  if (!local || version === undefined) return 'refetch';
  if (version <= local.version) return 'duplicate';
  if (version === local.version + 1) return 'apply';
  return 'refetch';
}

function reportedIncident(event: Event): IncidentDto | undefined {
  const inc = event.data['incident'];
  return inc && typeof inc === 'object' ? (inc as IncidentDto) : undefined;
}

function afterOf(event: Event): Partial<IncidentDto> | undefined {
  const after = event.data['after'];
  return after && typeof after === 'object' ? (after as Partial<IncidentDto>) : undefined;
}

function afterVersion(event: Event): number | undefined {
  const v = afterOf(event)?.version;
  return typeof v === 'number' ? v : undefined;
}

/**
 * Apply events in id order. An event at or below `data.lastEventId`, or already in `seen`,
 * is skipped; incident events apply only on the next version, otherwise they ask for a refetch.
 */
export function applyEvents(
  data: BoardData,
  events: readonly Event[],
  seen: RecentIds,
): ApplyResult {
  const result: ApplyResult = {
    applied: [],
    refetch: new Set(),
    incidentsChanged: false,
    changes: [],
    workersChanged: false,
    visitsChanged: false,
  };
  const ordered = [...events].sort((a, b) => a.id - b.id);
  for (const event of ordered) {
    if (event.id <= data.lastEventId || seen.has(event.id)) continue;
    seen.add(event.id);
    data.lastEventId = event.id;
    if (event.type === 'patrol.checkin') {
      if (applyCheckin(data, event, result)) result.applied.push(event);
      continue;
    }
    const id = event.incidentId ?? reportedIncident(event)?.id;
    if (id === undefined) continue;
    const local = data.incidents.get(id);
    const verdict = judgeIncidentEvent(event, local);
    if (verdict === 'duplicate') continue;
    // The ticker shows the event even when the incident itself must be refetched.
    result.applied.push(event);
    if (verdict === 'refetch') {
      result.refetch.add(id);
      continue;
    }
    const next =
      event.type === 'incident.reported'
        ? reportedIncident(event)
        : local && ({ ...local, ...afterOf(event) } as IncidentDto);
    if (next) {
      data.incidents.set(id, next);
      result.changes.push({ before: local, after: next });
    }
    result.incidentsChanged = true;
  }
  return result;
}

interface CheckinData {
  userId: number;
  username: string;
  /** The worker's display name (events before it was sent carry only the username). */
  name?: string;
  gridCode: string;
  lng: number;
  lat: number;
  kind?: WorkerPosition['kind'];
}

function applyCheckin(data: BoardData, event: Event, result: ApplyResult): boolean {
  const d = event.data as unknown as CheckinData;
  if (typeof d.userId !== 'number' || typeof d.lng !== 'number' || typeof d.lat !== 'number')
    return false;
  const prev = data.workers.get(d.userId);
  data.workers.set(d.userId, {
    userId: d.userId,
    username: d.username,
    name: d.name ?? prev?.name ?? d.username,
    kind: d.kind ?? 'checkin',
    gridCode: d.gridCode,
    lng: d.lng,
    lat: d.lat,
    at: event.at,
  });
  result.workersChanged = true;
  if (d.gridCode) {
    data.gridVisits.set(d.gridCode, event.at);
    result.visitsChanged = true;
  }
  return true;
}

/** Replace an incident with a fetched copy, unless the local one is already as new. */
export function replaceIncident(data: BoardData, fetched: IncidentDto): boolean {
  const local = data.incidents.get(fetched.id);
  if (local && local.version >= fetched.version) return false;
  data.incidents.set(fetched.id, fetched);
  return true;
}

/**
 * At the local day's turn, drop what the snapshot would no longer hold: terminal incidents
 * finished before today, and visits before today.
 */
export function pruneBefore(data: BoardData, dayStart: Date): boolean {
  const start = dayStart.getTime();
  let changed = false;
  for (const [id, i] of data.incidents) {
    if (i.state !== 'closed' && i.state !== 'rejected') continue;
    if (Date.parse(i.closedAt ?? i.updatedAt) < start) {
      data.incidents.delete(id);
      changed = true;
    }
  }
  for (const [grid, at] of data.gridVisits) {
    if (Date.parse(at) < start) {
      data.gridVisits.delete(grid);
      changed = true;
    }
  }
  return changed;
}

import { INCIDENT_STATES, SOURCES } from '@cityops/domain';
import type { Event, IncidentDto } from '@cityops/protocol';
import type { IncidentChange } from './apply-events.ts';

/** Test fixtures for the live store. */
export function incident(over: Partial<IncidentDto> = {}): IncidentDto {
  return {
    id: 1,
    version: 1,
    state: 'reported',
    category: 'municipal.sewer_blocked',
    priority: 'normal',
    source: 'grid',
    description: 'x',
    address: null,
    lng: 113.6,
    lat: 34.7,
    gridCode: '410105001001001',
    path: ['410100', '410105', '410105001', '410105001001', '410105001001001'],
    department: null,
    deadline: '2026-01-02T00:00:00.000Z',
    overdue: false,
    escalated: false,
    reminded: false,
    returnCount: 0,
    reworkCount: 0,
    mergedInto: null,
    extension: null,
    photos: [],
    reporter: null,
    reportedAt: '2026-01-01T02:00:00.000Z',
    filedAt: null,
    dispatchedAt: null,
    resolvedAt: null,
    closedAt: null,
    updatedAt: '2026-01-01T02:00:00.000Z',
    ...over,
  };
}

export function reported(id: number, inc: IncidentDto): Event {
  return {
    id,
    type: 'incident.reported',
    at: inc.reportedAt,
    scope: inc.path,
    incidentId: inc.id,
    data: { incident: inc },
  };
}

export function changed(
  id: number,
  incidentId: number,
  type: Event['type'],
  after: Partial<IncidentDto>,
): Event {
  return {
    id,
    type,
    at: '2026-01-01T03:00:00.000Z',
    scope: ['410100'],
    incidentId,
    data: { before: {}, after },
  };
}

/** Seeded random numbers, so a failing random test replays. */
export { mulberry32 as seeded } from '@cityops/domain';

const pick = <T>(rand: () => number, list: readonly T[]): T =>
  list[Math.floor(rand() * list.length)]!;

/** The day random incidents are spread around (two days before to the end of it). */
export const RANDOM_DAY = Date.parse('2026-05-01T00:00:00+08:00');

/**
 * A random copy of incident `id`: any state, source, category (one unknown), department,
 * district (one outside the city's children), grid, flags and times around RANDOM_DAY.
 */
export function randomIncident(rand: () => number, id: number, version = 1): IncidentDto {
  const at = (h: number): string => new Date(RANDOM_DAY + h * 3_600_000).toISOString();
  const reported = Math.round((rand() * 72 - 48) * 4) / 4;
  const later = (): string => at(Math.min(24, reported + Math.round(rand() * 40 * 4) / 4));
  const district = pick(rand, ['410102', '410103', '410105', '419999']);
  const grid = `${district}00100${Math.floor(rand() * 4)}`;
  return incident({
    id,
    version,
    state: pick(rand, INCIDENT_STATES),
    category: pick(rand, ['municipal.sewer_blocked', 'parking.illegal', 'food.gutter_oil', 'x.y']),
    priority: rand() < 0.2 ? 'urgent' : 'normal',
    source: pick(rand, SOURCES),
    lng: 113.6 + Math.floor(rand() * 3) * 0.01,
    lat: 34.7,
    gridCode: grid,
    path: ['410100', district, `${district}001`, grid],
    department: rand() < 0.7 ? pick(rand, ['water', 'urban', 'traffic', '']) : null,
    deadline: later(),
    overdue: rand() < 0.3,
    reminded: rand() < 0.3,
    reportedAt: at(reported),
    filedAt: rand() < 0.6 ? later() : null,
    resolvedAt: rand() < 0.4 ? later() : null,
  });
}

/**
 * A random walk of incident changes over ids 1..`ids` (reports, new copies, removals), and the
 * incidents it leaves: what the store's running totals are checked against.
 */
export function randomChanges(
  rand: () => number,
  steps: number,
  ids = 40,
  start: ReadonlyMap<number, IncidentDto> = new Map(),
): { changes: IncidentChange[]; final: Map<number, IncidentDto> } {
  const live = new Map(start);
  const changes: IncidentChange[] = [];
  for (let s = 0; s < steps; s++) {
    const id = 1 + Math.floor(rand() * ids);
    const before = live.get(id);
    // Mostly new copies; sometimes a copy that looks the same on the map (a reminder only).
    const after =
      rand() < 0.15
        ? undefined
        : before && rand() < 0.2
          ? { ...before, version: before.version + 1, reminded: !before.reminded }
          : randomIncident(rand, id, (before?.version ?? 0) + 1);
    if (!before && !after) continue;
    changes.push({ before, after });
    if (after) live.set(id, after);
    else live.delete(id);
  }
  return { changes, final: live };
}

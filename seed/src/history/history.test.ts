import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTION_FROM,
  CLOCK_STATES,
  findCategory,
  pointInGeometry,
  type ActionName,
} from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';
import { open, type Database } from '@cityops/db';
import type { City, CityRegion } from '../city/index.ts';
import { generateHistory, PATROL_HISTORY_DAYS, writeHistory, type HistoryUsers } from './index.ts';
import { PATROL_CLOSE_MINUTES, PATROL_OPEN_MINUTES } from './patterns.ts';

// A tiny city: one district, two streets, three communities, eight square grids.
function region(
  code: string,
  name: string,
  level: CityRegion['level'],
  parent: CityRegion | null,
  [x, y, w, h]: [number, number, number, number],
): CityRegion {
  return {
    code,
    name,
    level,
    parentCode: parent?.code ?? null,
    path: [...(parent?.path ?? []), code],
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + w, y],
          [x + w, y + h],
          [x, y + h],
          [x, y],
        ],
      ],
    },
    center: [x + w / 2, y + h / 2],
  };
}

function fakeCity(): City {
  const city = region('410100', '郑州市', 'city', null, [113.6, 34.7, 0.08, 0.02]);
  const district = region('410105', '金水区', 'district', city, [113.6, 34.7, 0.08, 0.02]);
  const s1 = region('410105001', '花园路街道', 'street', district, [113.6, 34.7, 0.04, 0.02]);
  const s2 = region('410105002', '丰产路街道', 'street', district, [113.64, 34.7, 0.04, 0.02]);
  const c1 = region('410105001001', '世和社区', 'community', s1, [113.6, 34.7, 0.04, 0.01]);
  const c2 = region('410105001002', '文化社区', 'community', s1, [113.6, 34.71, 0.04, 0.01]);
  const c3 = region('410105002001', '丰庆社区', 'community', s2, [113.64, 34.7, 0.04, 0.02]);
  // Each community is cut into 0.02° × 0.01° cells: 2 + 2 + 4 grids.
  const cells = (c: CityRegion, x: number, y: number, rows: number): CityRegion[] =>
    Array.from({ length: rows * 2 }, (_, i) =>
      region(`${c.code}00${i + 1}`, `${c.name}第${i + 1}网格`, 'grid', c, [
        x + (i % 2) * 0.02,
        y + Math.floor(i / 2) * 0.01,
        0.02,
        0.01,
      ]),
    );
  const grids = [
    ...cells(c1, 113.6, 34.7, 1),
    ...cells(c2, 113.6, 34.71, 1),
    ...cells(c3, 113.64, 34.7, 2),
  ];
  return { city, districts: [district], streets: [s1, s2], communities: [c1, c2, c3], grids };
}

const CITY = fakeCity();
const NOW = new Date('2026-07-22T06:30:00.000Z'); // 14:30 in Zhengzhou
const N = 2_000;
const DAYS = 7;

function fakeUsers(city: City): HistoryUsers {
  const fieldWorkers = new Map<string, { id: number; username: string }>();
  // The last grid has no worker: its reports come from citizens and a dispatcher verifies.
  city.grids
    .slice(0, -1)
    .forEach((g, i) => fieldWorkers.set(g.code, { id: 100 + i, username: `w${g.code}` }));
  return {
    dispatchers: [
      { id: 1, username: 'dispatcher' },
      { id: 2, username: 'dispatcher2' },
    ],
    departmentHandlers: {
      water: { id: 10, username: 'department' },
      urban: { id: 11, username: 'dept-urban' },
      'street-410105001': { id: 12, username: 'huayuanlu-office' },
    },
    fieldWorkers,
  };
}

interface EventRow {
  id: number;
  type: string;
  at: Date;
  actor: string | null;
  path: string;
  incident_id: number | null;
  data: Record<string, unknown>;
}

type Row = Record<string, unknown>;

async function rows<T = Row>(database: Database, query: string): Promise<T[]> {
  return ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Events with ids as numbers and times as Dates, whatever the driver returns. */
async function readEvents(database: Database): Promise<EventRow[]> {
  const raw = await rows<EventRow>(database, 'select * from events order by id');
  return raw.map((e) => ({
    ...e,
    id: Number(e.id),
    incident_id: e.incident_id === null ? null : Number(e.incident_id),
    at: new Date(e.at),
  }));
}

const iso = (d: unknown): string | null =>
  d === null ? null : new Date(d as string | Date).toISOString();

/** The incident row as the wire DTO (what replaying the events must reproduce). */
function dtoOf(r: Row): IncidentDto {
  return {
    id: Number(r.id),
    version: r.version as number,
    state: r.state as IncidentDto['state'],
    category: r.category_code as string,
    priority: r.priority as IncidentDto['priority'],
    source: r.source as IncidentDto['source'],
    description: r.description as string,
    address: r.address as string | null,
    lng: r.lng as number,
    lat: r.lat as number,
    gridCode: r.grid_code as string,
    path: (r.path as string).split('/').filter(Boolean),
    department: r.department_code as string | null,
    deadline: iso(r.deadline)!,
    overdue: r.overdue as boolean,
    escalated: r.escalated as boolean,
    reminded: r.reminded as boolean,
    returnCount: r.return_count as number,
    reworkCount: r.rework_count as number,
    mergedInto: r.merged_into === null ? null : Number(r.merged_into),
    extension: (r.extension as IncidentDto['extension']) ?? null,
    photos: r.photos as string[],
    reporter: r.reporter_name as string | null,
    reportedAt: iso(r.reported_at)!,
    filedAt: iso(r.filed_at),
    dispatchedAt: iso(r.dispatched_at),
    resolvedAt: iso(r.resolved_at),
    closedAt: iso(r.closed_at),
    updatedAt: iso(r.updated_at)!,
  };
}

/** What each event type may be, by the action recorded in its data. */
const TYPE_OF_ACTION: Record<string, string[]> = {
  file: ['incident.filed'],
  reject: ['incident.rejected'],
  merge: ['incident.merged'],
  dispatch: ['incident.dispatched'],
  sign: ['incident.signed'],
  return: ['incident.returned'],
  resolve: ['incident.resolved'],
  verify: ['incident.verified', 'incident.reworked'],
  self_resolve: ['incident.closed'],
  escalate: ['incident.escalated'],
  request_extension: ['incident.extension_requested'],
  decide_extension: ['incident.extension_decided'],
  mark_overdue: ['incident.overdue'],
  remind: ['incident.reminded'],
};

describe('writeHistory', () => {
  let database: Database;
  let counts: { incidents: number; events: number; checkins: number };
  let incidents: Row[];
  let events: EventRow[];
  let checkins: Row[];
  const users = fakeUsers(CITY);

  beforeAll(async () => {
    database = await open({ url: 'memory://' });
    counts = await writeHistory({
      db: database.db,
      city: CITY,
      now: NOW,
      days: DAYS,
      incidents: N,
      users,
    });
    incidents = await rows(database, 'select * from incidents order by id');
    events = await readEvents(database);
    checkins = await rows(database, 'select * from checkins order by id');
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  it('writes the requested incidents, their events and the check-ins', () => {
    expect(counts.incidents).toBe(N);
    expect(incidents).toHaveLength(N);
    expect(events).toHaveLength(counts.events);
    expect(checkins).toHaveLength(counts.checkins);
    expect(events.filter((e) => e.type === 'incident.reported')).toHaveLength(N);
    expect(events.filter((e) => e.type === 'patrol.checkin')).toHaveLength(counts.checkins);
  });

  it('gives event ids in time order, and incident ids in report order', () => {
    for (let i = 1; i < events.length; i++) {
      expect(Number(events[i]!.id)).toBe(Number(events[i - 1]!.id) + 1);
      expect(events[i]!.at.getTime()).toBeGreaterThanOrEqual(events[i - 1]!.at.getTime());
    }
    for (let i = 1; i < incidents.length; i++) {
      expect(Number(incidents[i]!.id)).toBe(Number(incidents[i - 1]!.id) + 1);
      expect(iso(incidents[i]!.reported_at)! >= iso(incidents[i - 1]!.reported_at)!).toBe(true);
    }
  });

  it('has nothing after now, and covers the requested days', () => {
    const last = events[events.length - 1]!.at.getTime();
    expect(last).toBeLessThanOrEqual(NOW.getTime());
    const first = events[0]!.at.getTime();
    expect(NOW.getTime() - first).toBeGreaterThan((DAYS - 0.5) * 86_400_000);
    for (const r of incidents)
      expect(new Date(r.updated_at as string).getTime()).toBeLessThanOrEqual(NOW.getTime());
  });

  it('reproduces every incident row by replaying its events over the reported DTO', () => {
    const byIncident = new Map<number, EventRow[]>();
    for (const e of events) {
      if (e.incident_id === null) continue;
      const list = byIncident.get(Number(e.incident_id)) ?? [];
      list.push(e);
      byIncident.set(Number(e.incident_id), list);
    }
    for (const row of incidents) {
      const list = byIncident.get(Number(row.id))!;
      const [first, ...rest] = list;
      expect(first!.type).toBe('incident.reported');
      expect(first!.data.action).toBe('report');
      const dto = { ...(first!.data.incident as IncidentDto) };
      expect(dto.version).toBe(1);
      expect(dto.state).toBe('reported');
      expect(dto.department).toBeNull();
      expect(dto.reportedAt).toBe(iso(first!.at));
      expect(first!.path).toBe(row.path);
      for (const e of rest) {
        const { action, before, after } = e.data as {
          action: string;
          before: Record<string, unknown>;
          after: Record<string, unknown>;
        };
        // A legal step: the action may start from the state the incident was in.
        if (action === 'mark_overdue') expect(CLOCK_STATES).toContain(dto.state);
        else if (action === 'remind') expect(['dispatched', 'in_progress']).toContain(dto.state);
        else expect(ACTION_FROM[action as ActionName]).toContain(dto.state);
        expect(TYPE_OF_ACTION[action]).toContain(e.type);
        expect(e.path).toBe(row.path);
        for (const [k, v] of Object.entries(before))
          expect((dto as Record<string, unknown>)[k]).toEqual(v);
        expect(after.version).toBe(dto.version + 1);
        Object.assign(dto, after);
      }
      dto.updatedAt = iso(list[list.length - 1]!.at)!;
      expect(dto).toEqual(dtoOf(row));
    }
  });

  it('includes every kind of story', () => {
    const actions = new Set(events.map((e) => e.data.action));
    for (const a of Object.keys(TYPE_OF_ACTION)) expect(actions, a).toContain(a);
    const share = (pred: (r: Row) => boolean): number => incidents.filter(pred).length / N;
    const open = share((r) => r.state !== 'closed' && r.state !== 'rejected');
    expect(open).toBeGreaterThan(0.01);
    expect(share((r) => r.overdue === true)).toBeGreaterThan(0.03);
    expect(
      share((r) => r.overdue === true && r.state !== 'closed' && r.state !== 'rejected'),
    ).toBeGreaterThan(0);
    expect(share((r) => (r.return_count as number) > 0)).toBeGreaterThan(0.02);
    expect(share((r) => (r.rework_count as number) > 0)).toBeGreaterThan(0.03);
    expect(share((r) => r.state === 'rejected' && r.merged_into === null)).toBeGreaterThan(0.02);
    expect(share((r) => r.merged_into !== null)).toBeGreaterThan(0.005);
    const selfResolved = events.filter((e) => e.data.action === 'self_resolve').length / N;
    expect(selfResolved).toBeGreaterThan(0.07);
    expect(selfResolved).toBeLessThan(0.18);
    const urgent = share((r) => r.priority === 'urgent');
    expect(urgent).toBeGreaterThan(0.05);
    expect(urgent).toBeLessThan(0.12);
    expect(share((r) => r.source === 'grid')).toBeGreaterThan(0.4);
    expect(
      share((r) => (r.department_code as string | null)?.startsWith('street-') ?? false),
    ).toBeGreaterThan(0.05);
  });

  it('merges only into earlier incidents of the same category', () => {
    const byId = new Map(incidents.map((r) => [Number(r.id), r]));
    for (const r of incidents.filter((x) => x.merged_into !== null)) {
      const target = byId.get(Number(r.merged_into))!;
      expect(Number(target.id)).toBeLessThan(Number(r.id));
      expect(target.category_code).toBe(r.category_code);
    }
  });

  it('reports mostly in the daytime, with local peaks', () => {
    const hours = new Array<number>(24).fill(0);
    for (const r of incidents) hours[(new Date(r.reported_at as string).getUTCHours() + 8) % 24]!++;
    const night = hours.slice(0, 6).reduce((a, b) => a + b, 0) / N;
    const peak = [9, 10, 14, 15, 16].reduce((a, h) => a + hours[h]!, 0) / N;
    expect(night).toBeLessThan(0.05);
    expect(peak).toBeGreaterThan(0.3);
  });

  it('uses the right actors', () => {
    const dispatchers = new Set(users.dispatchers.map((d) => d.username));
    const byId = new Map(incidents.map((r) => [Number(r.id), r]));
    const department = new Map<number, string>();
    for (const e of events) {
      const action = e.data.action as string;
      if (
        ['file', 'reject', 'merge', 'dispatch', 'decide_extension', 'escalate'].includes(action)
      ) {
        expect(dispatchers).toContain(e.actor);
      }
      if (action === 'mark_overdue' || action === 'remind') expect(e.actor).toBe('system');
      if (action === 'self_resolve') {
        const grid = byId.get(Number(e.incident_id))!.grid_code as string;
        expect(e.actor).toBe(users.fieldWorkers.get(grid)!.username);
      }
      if (action === 'dispatch') department.set(Number(e.incident_id), e.data.department as string);
      if (['sign', 'return', 'resolve', 'request_extension'].includes(action)) {
        const code = department.get(Number(e.incident_id))!;
        expect(e.actor).toBe(users.departmentHandlers[code]?.username ?? code);
      }
    }
    for (const r of incidents.filter((x) => x.source === 'grid')) {
      const worker = users.fieldWorkers.get(r.grid_code as string)!;
      expect(r.reporter_id).toBe(worker.id);
      expect(r.reporter_name).toBe(worker.username);
    }
    expect(events.some((e) => e.actor === 'department')).toBe(true);
    expect(events.some((e) => e.actor === 'huayuanlu-office')).toBe(true);
    expect(events.some((e) => e.actor === 'police' || e.actor === 'fire')).toBe(true);
  });

  it('writes incidents inside their grid with a category and a description', () => {
    const grids = new Map(CITY.grids.map((g) => [g.code, g]));
    for (const r of incidents) {
      const grid = grids.get(r.grid_code as string)!;
      expect(pointInGeometry(r.lng as number, r.lat as number, grid.geometry)).toBe(true);
      expect(r.path).toBe(grid.path.join('/') + '/');
      expect(findCategory(r.category_code as string)).toBeDefined();
      expect((r.description as string).length).toBeGreaterThan(4);
    }
  });

  it("writes the last week's check-ins inside each worker's grid, one event each", () => {
    const grids = new Map(CITY.grids.map((g) => [g.code, g]));
    const checkinEvents = events.filter((e) => e.type === 'patrol.checkin');
    const localMidnight = Date.parse('2026-07-21T16:00:00Z');
    const weekStart = localMidnight - (PATROL_HISTORY_DAYS - 1) * 86_400_000;
    checkins.forEach((c, i) => {
      const at = new Date(c.at as string).getTime();
      expect(at).toBeGreaterThanOrEqual(weekStart);
      expect(at).toBeLessThanOrEqual(NOW.getTime());
      // Within patrol hours of its local day.
      const minute = ((((at - localMidnight) % 86_400_000) + 86_400_000) % 86_400_000) / 60_000;
      expect(minute).toBeGreaterThanOrEqual(PATROL_OPEN_MINUTES);
      expect(minute).toBeLessThanOrEqual(PATROL_CLOSE_MINUTES);
      expect(
        pointInGeometry(
          c.lng as number,
          c.lat as number,
          grids.get(c.grid_code as string)!.geometry,
        ),
      ).toBe(true);
      const e = checkinEvents[i]!;
      expect(e.at.getTime()).toBe(at);
      expect(e.data).toEqual({
        userId: c.user_id,
        username: users.fieldWorkers.get(c.grid_code as string)!.username,
        gridCode: c.grid_code,
        lng: c.lng,
        lat: c.lat,
        kind: 'checkin',
        outsideGrid: false,
      });
    });
    expect(new Set(checkins.map((c) => c.grid_code)).size).toBeGreaterThan(0);
    // Every day of the week has patrols, today and yesterday included.
    const days = new Set(
      checkins.map((c) =>
        Math.floor((new Date(c.at as string).getTime() - weekStart) / 86_400_000),
      ),
    );
    expect([...days].sort()).toEqual([...Array(PATROL_HISTORY_DAYS).keys()]);
  });

  it('leaves the id sequences after the history and the indexes in place', async () => {
    const [next] = await rows<{ id: string }>(
      database,
      `select nextval(pg_get_serial_sequence('events', 'id'))::text as id`,
    );
    expect(Number(next!.id)).toBe(events.length + 1);
    const [inc] = await rows<{ id: string }>(
      database,
      `select nextval(pg_get_serial_sequence('incidents', 'id'))::text as id`,
    );
    expect(Number(inc!.id)).toBe(N + 1);
    const indexes = await rows<{ indexname: string }>(
      database,
      `select indexname from pg_indexes where tablename in ('incidents', 'events', 'checkins')`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual(
      expect.arrayContaining([
        'events_incident_idx',
        'events_path_idx',
        'events_at_idx',
        'incidents_path_idx',
      ]),
    );
  });

  it('leaves statistics on what it wrote, so the planner knows the states apart', async () => {
    const stats = await rows<{ tablename: string; attname: string }>(
      database,
      `select tablename, attname from pg_stats
       where (tablename, attname) in (('incidents', 'state'), ('events', 'incident_id'), ('checkins', 'at'))`,
    );
    expect(stats.map((r) => `${r.tablename}.${r.attname}`).sort()).toEqual([
      'checkins.at',
      'events.incident_id',
      'incidents.state',
    ]);
  });

  it('is deterministic: the same seed writes the same rows', async () => {
    const again = await open({ url: 'memory://' });
    try {
      await writeHistory({ db: again.db, city: CITY, now: NOW, days: DAYS, incidents: N, users });
      expect(await rows(again, 'select * from incidents order by id')).toEqual(incidents);
      expect(await readEvents(again)).toEqual(events);
      expect(await rows(again, 'select * from checkins order by id')).toEqual(checkins);
    } finally {
      await again.close();
    }
  }, 60_000);
});

describe('generateHistory', () => {
  const base = {
    city: CITY,
    now: NOW,
    days: 3,
    incidents: 300,
    users: fakeUsers(CITY),
    utcOffsetMinutes: 480,
    firstIncidentId: 1,
  };

  it('differs with another seed', () => {
    const a = generateHistory({ ...base, seed: 1 });
    const b = generateHistory({ ...base, seed: 2 });
    expect(a.incidents.map((r) => r.description)).not.toEqual(
      b.incidents.map((r) => r.description),
    );
  });

  it('continues ids after existing incidents, also in merge targets and events', () => {
    const h = generateHistory({ ...base, seed: 7, firstIncidentId: 501 });
    expect(h.incidents[0]!.id).toBe(501);
    for (const r of h.incidents)
      if (r.mergedInto != null) expect(r.mergedInto).toBeGreaterThanOrEqual(501);
    for (const e of h.events)
      if (e.incidentId !== null) expect(e.incidentId).toBeGreaterThanOrEqual(501);
  });

  it('has no check-ins today before patrols start, but the earlier days have theirs', () => {
    const now = new Date('2026-07-21T22:30:00Z'); // 06:30 local on 22 July
    const early = generateHistory({ ...base, seed: 3, now });
    const localMidnight = Date.parse('2026-07-21T16:00:00Z');
    expect(early.checkins.filter((c) => c.at.getTime() >= localMidnight)).toHaveLength(0);
    expect(early.checkins.filter((c) => c.at.getTime() < localMidnight).length).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { Event } from '@cityops/protocol';
import { changed, incident, reported } from './fixtures.ts';
import {
  applyEvents,
  judgeIncidentEvent,
  pruneBefore,
  RecentIds,
  replaceIncident,
  type BoardData,
} from './apply-events.ts';

function empty(lastEventId = 0): BoardData {
  return { incidents: new Map(), workers: new Map(), gridVisits: new Map(), lastEventId };
}

describe('applyEvents', () => {
  it('adds a reported incident and applies the next version', () => {
    const data = empty();
    const r = applyEvents(
      data,
      [reported(1, incident()), changed(2, 1, 'incident.filed', { state: 'filed', version: 2 })],
      new RecentIds(),
    );
    expect(r.applied.map((e) => e.id)).toEqual([1, 2]);
    expect(r.refetch.size).toBe(0);
    expect(data.incidents.get(1)).toMatchObject({ state: 'filed', version: 2 });
    expect(data.lastEventId).toBe(2);
  });

  it('skips events at or below lastEventId and duplicates by id', () => {
    const data = empty(5);
    data.incidents.set(1, incident());
    const seen = new RecentIds();
    expect(
      applyEvents(data, [changed(4, 1, 'incident.filed', { state: 'filed', version: 2 })], seen)
        .applied,
    ).toEqual([]);
    expect(data.incidents.get(1)?.version).toBe(1);
    const e = changed(6, 1, 'incident.filed', { state: 'filed', version: 2 });
    expect(applyEvents(data, [e], seen).applied).toHaveLength(1);
    // The same id again (e.g. live copy of a replayed event) changes nothing.
    data.lastEventId = 0;
    expect(applyEvents(data, [e], seen).applied).toHaveLength(0);
    expect(data.incidents.get(1)?.version).toBe(2);
  });

  it('skips an older or equal version as a duplicate', () => {
    const data = empty();
    data.incidents.set(1, incident({ version: 3, state: 'dispatched' }));
    const r = applyEvents(
      data,
      [changed(10, 1, 'incident.filed', { state: 'filed', version: 2 })],
      new RecentIds(),
    );
    expect(r.applied).toEqual([]);
    expect(data.incidents.get(1)?.state).toBe('dispatched');
  });

  it('asks for a refetch on a version gap or an unknown incident', () => {
    const data = empty();
    data.incidents.set(1, incident());
    const r = applyEvents(
      data,
      [
        changed(3, 1, 'incident.dispatched', { version: 3 }),
        changed(4, 2, 'incident.filed', { version: 2 }),
      ],
      new RecentIds(),
    );
    expect([...r.refetch].sort()).toEqual([1, 2]);
    expect(data.incidents.get(1)?.version).toBe(1);
    expect(data.incidents.has(2)).toBe(false);
  });

  it('applies events in id order whatever order they arrive in', () => {
    const data = empty();
    const r = applyEvents(
      data,
      [changed(2, 1, 'incident.filed', { state: 'filed', version: 2 }), reported(1, incident())],
      new RecentIds(),
    );
    expect(r.refetch.size).toBe(0);
    expect(data.incidents.get(1)?.version).toBe(2);
  });

  it('moves a worker and records the grid visit on a check-in', () => {
    const data = empty();
    const e: Event = {
      id: 1,
      type: 'patrol.checkin',
      at: '2026-01-01T03:00:00.000Z',
      scope: ['410100'],
      data: {
        userId: 7,
        username: 'w1',
        gridCode: 'g1',
        lng: 113,
        lat: 34,
        kind: 'checkin',
        outsideGrid: false,
      },
    };
    const r = applyEvents(data, [e], new RecentIds());
    expect(r.workersChanged && r.visitsChanged).toBe(true);
    expect(data.workers.get(7)).toMatchObject({ lng: 113, lat: 34, gridCode: 'g1' });
    expect(data.gridVisits.get('g1')).toBe(e.at);
  });

  it("takes a newcomer's name from the check-in, and keeps a known name when an older event has none", () => {
    const data = empty();
    const at = '2026-01-01T03:00:00.000Z';
    const checkin = (id: number, userId: number, extra: Record<string, unknown>): Event => ({
      id,
      type: 'patrol.checkin',
      at,
      scope: ['410100'],
      data: { userId, username: `w${userId}`, gridCode: 'g1', lng: 113, lat: 34, ...extra },
    });
    applyEvents(data, [checkin(1, 7, { name: '张建国' }), checkin(2, 8, {})], new RecentIds());
    expect(data.workers.get(7)?.name).toBe('张建国');
    expect(data.workers.get(8)?.name).toBe('w8');
    applyEvents(data, [checkin(3, 7, {})], new RecentIds());
    expect(data.workers.get(7)?.name).toBe('张建国');
  });
});

describe('judgeIncidentEvent', () => {
  it('treats a second report of a known incident as a duplicate', () => {
    expect(judgeIncidentEvent(reported(1, incident()), incident())).toBe('duplicate');
    expect(judgeIncidentEvent(reported(1, incident()), undefined)).toBe('apply');
  });
});

describe('replaceIncident', () => {
  it('never goes back in version', () => {
    const data = empty();
    data.incidents.set(1, incident({ version: 4 }));
    expect(replaceIncident(data, incident({ version: 3 }))).toBe(false);
    expect(replaceIncident(data, incident({ version: 5 }))).toBe(true);
    expect(data.incidents.get(1)?.version).toBe(5);
  });
});

describe('RecentIds', () => {
  it('is bounded and forgets the oldest', () => {
    const s = new RecentIds(3);
    for (const id of [1, 2, 3, 4]) s.add(id);
    expect(s.size).toBe(3);
    expect(s.has(1)).toBe(false);
    expect(s.has(4)).toBe(true);
  });
});

describe('pruneBefore', () => {
  it('drops incidents closed before the day start and keeps open ones', () => {
    const data = empty();
    data.incidents.set(
      1,
      incident({ id: 1, state: 'closed', closedAt: '2026-01-01T10:00:00.000Z' }),
    );
    data.incidents.set(2, incident({ id: 2, state: 'in_progress' }));
    data.gridVisits.set('g', '2026-01-01T10:00:00.000Z');
    expect(pruneBefore(data, new Date('2026-01-01T16:00:00.000Z'))).toBe(true);
    expect([...data.incidents.keys()]).toEqual([2]);
    expect(data.gridVisits.size).toBe(0);
  });
});

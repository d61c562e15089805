import { describe, expect, it } from 'vitest';
import type { Event } from '@cityops/protocol';
import { thinCheckins } from './thin-checkins.ts';

let nextId = 1;
function checkin(userId: number, kind: 'checkin' | 'start' | 'end' = 'checkin'): Event {
  const id = nextId++;
  return {
    id,
    type: 'patrol.checkin',
    at: new Date(0).toISOString(),
    scope: ['c', 'g'],
    data: { userId, username: `u${userId}`, lng: 113 + id / 1000, lat: 34, kind },
  };
}
function incident(): Event {
  const id = nextId++;
  return {
    id,
    type: 'incident.reported',
    at: new Date(0).toISOString(),
    scope: ['c', 'g'],
    incidentId: id,
    data: {},
  };
}

describe('thinCheckins', () => {
  it('keeps every incident event and only the newest position of each worker in a batch', () => {
    const batch = [checkin(1), incident(), checkin(1), checkin(2), checkin(1), incident()];
    const out = thinCheckins(batch, new Map(), 0);
    expect(out.map((e) => e.id)).toEqual([batch[1]!.id, batch[3]!.id, batch[4]!.id, batch[5]!.id]);
  });

  it('relays at most one position per worker per interval across batches', () => {
    const sent = new Map<number, number>();
    expect(thinCheckins([checkin(1)], sent, 0, 5000)).toHaveLength(1);
    expect(
      thinCheckins([checkin(1), checkin(2)], sent, 4999, 5000).map((e) => e.data['userId']),
    ).toEqual([2]);
    expect(thinCheckins([checkin(1)], sent, 5000, 5000)).toHaveLength(1);
  });

  it('always relays patrol start and end, which do not use up the interval', () => {
    const sent = new Map<number, number>();
    const out = thinCheckins([checkin(1, 'start'), checkin(1)], sent, 0, 5000);
    expect(out.map((e) => e.data['kind'])).toEqual(['start', 'checkin']);
    expect(thinCheckins([checkin(1, 'end')], sent, 1, 5000)).toHaveLength(1);
  });

  it('thins a flood of 5,000 workers checking in every second to one position each per interval', () => {
    const sent = new Map<number, number>();
    let relayed = 0;
    for (let second = 0; second < 10; second++) {
      const batch = Array.from({ length: 5000 }, (_, w) => checkin(w));
      relayed += thinCheckins(batch, sent, second * 1000, 5000).length;
    }
    expect(relayed).toBe(5000 * 2);
  });
});

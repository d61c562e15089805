import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, gte } from 'drizzle-orm';
import { events, open, type Database } from '@cityops/db';
import { appendEvent } from './append-event.ts';

let database: Database;
beforeAll(async () => {
  database = await open({ url: 'memory://' });
}, 120_000);
afterAll(async () => {
  await database?.close();
});

describe('appendEvent', () => {
  it('stores every field as given and returns the wire event with its id', async () => {
    const at = new Date('2026-11-30T23:59:59.123Z');
    const data = {
      action: 'report',
      note: '井盖缺失 "quoted" \\ back',
      nested: { n: 1, ok: true },
    };
    const [first, second] = await database.db.transaction(async (tx) => [
      await appendEvent(tx, {
        type: 'incident.reported',
        at,
        actor: 'dispatcher',
        scope: ['410100', '410105', '410105001'],
        incidentId: 42,
        data,
      }),
      await appendEvent(tx, {
        type: 'patrol.checkin',
        at,
        actor: null,
        scope: ['410100'],
        incidentId: null,
        data: {},
      }),
    ]);
    expect(second!.id).toBe(first!.id + 1);
    expect(first).toEqual({
      id: first!.id,
      type: 'incident.reported',
      at: at.toISOString(),
      actor: 'dispatcher',
      scope: ['410100', '410105', '410105001'],
      incidentId: 42,
      data,
    });
    expect(second).not.toHaveProperty('actor');
    expect(second).not.toHaveProperty('incidentId');

    const rows = await database.db
      .select()
      .from(events)
      .where(gte(events.id, first!.id))
      .orderBy(asc(events.id));
    expect(rows).toEqual([
      {
        id: first!.id,
        type: 'incident.reported',
        at,
        actor: 'dispatcher',
        path: '410100/410105/410105001/',
        incidentId: 42,
        data,
      },
      {
        id: second!.id,
        type: 'patrol.checkin',
        at,
        actor: null,
        path: '410100/',
        incidentId: null,
        data: {},
      },
    ]);
  });

  it('writes nothing when its transaction rolls back', async () => {
    const before = await database.db.select({ id: events.id }).from(events);
    await expect(
      database.db.transaction(async (tx) => {
        await appendEvent(tx, {
          type: 'incident.reported',
          at: new Date(),
          actor: null,
          scope: ['410100'],
          incidentId: null,
          data: {},
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await database.db.select({ id: events.id }).from(events)).toEqual(before);
  });
});

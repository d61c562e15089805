/**
 * Races on real Postgres (PGlite runs one query at a time, so it cannot race): concurrent
 * transitions on one incident and concurrent submissions with one Idempotency-Key.
 * Fails, never skips, when Postgres is not reachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { events, incidents } from '@cityops/db';
import {
  createPostgresDatabase,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import {
  act,
  actOk,
  eventRowsOf,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

const SEWER = 'municipal.sewer_blocked';
let pg: Awaited<ReturnType<typeof createPostgresDatabase>>;
let server: TestServer;
let field: User;
let dispatcher: User;

beforeAll(async () => {
  pg = await createPostgresDatabase();
  server = await startTestServer({ databaseUrl: pg.url });
  [field, dispatcher] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
  ]);
});
afterAll(async () => {
  await server?.close();
  await pg?.drop();
});

describe('races on Postgres', () => {
  it('50 concurrent dispatch attempts on one incident: exactly one wins and exactly one event is written', async () => {
    const i = await reportOk(field, {
      category: SEWER,
      ...pointIn(storyGrid(server)),
      description: uniqueText('并发派遣'),
    });
    await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
    const departments = ['water', 'urban', 'housing', 'power', 'gas'];
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        act(dispatcher, i.id, {
          action: 'dispatch',
          department: departments[k % departments.length],
          expectedVersion: 2,
        }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    const winner = replies.find((r) => r.status === 200)!.body;
    // Every loser was told the current incident, which is the winner's.
    for (const r of replies.filter((x) => x.status === 409))
      expect(r.body.error.current).toMatchObject({ id: i.id, version: 3 });
    const types = (await eventRowsOf(server.database.db, i.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'incident.dispatched')).toHaveLength(1);
    const [row] = await server.database.db.select().from(incidents).where(eq(incidents.id, i.id));
    expect(row!.version).toBe(3);
    expect(row!.departmentCode).toBe(winner.department);
  });

  it('10 concurrent submissions with one Idempotency-Key: exactly one incident, and every 2xx names it', async () => {
    const description = uniqueText('幂等并发');
    const body = { category: SEWER, ...pointIn(storyGrid(server)), description };
    const key = `race-${Date.now()}`;
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        field.post('/api/incidents', body, { 'Idempotency-Key': key }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    const ids = new Set(replies.filter((r) => r.status === 201).map((r) => r.body.id as number));
    expect(ids.size).toBe(1);
    const rows = await server.database.db
      .select({ id: incidents.id })
      .from(incidents)
      .where(eq(incidents.description, description));
    expect(rows.map((r) => r.id)).toEqual([...ids]);
    const reported = await server.database.db
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          eq(events.type, 'incident.reported'),
          eq(events.incidentId, rows[0]!.id),
          like(events.path, '%'),
        ),
      );
    expect(reported).toHaveLength(1);
    // A retry after the dust settles replays the same incident.
    const again = await field.post('/api/incidents', body, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(rows[0]!.id);
  });
});

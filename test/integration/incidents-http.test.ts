import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { findCategory } from '@cityops/domain';
import { idempotencyKeys, incidents } from '@cityops/db';
import pg from 'pg';
import {
  BOARD_FIELDS,
  expandBoardSnapshot,
  type BoardSnapshot,
  type IncidentDto,
  type Snapshot,
} from '@cityops/protocol';
import {
  createPostgresDatabase,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';
import { User, type Reply } from '../support/api-client.ts';
import {
  account,
  act,
  actOk,
  countRows,
  gridContaining,
  sleep,
  gridsWithin,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

const SEWER = 'municipal.sewer_blocked';
const HOUR = 3_600_000;

let server: TestServer;
let field: User;
let dispatcher: User;
let department: User;
let housing: User;
let admin: User;
let minghu: User;
let huayuanlu: User;

beforeAll(async () => {
  server = await startTestServer();
  [field, dispatcher, department, housing, admin, minghu, huayuanlu] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'department'),
    User.login(server.url, 'dept-housing'),
    User.login(server.url, 'admin'),
    User.login(server.url, 'minghu'),
    User.login(server.url, 'huayuanlu'),
  ]);
});
afterAll(async () => {
  await server?.close();
});

/** A report in the story grid (the `field` account's own grid). */
function storyReport(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    category: SEWER,
    ...pointIn(storyGrid(server)),
    description: uniqueText('十字路口下水道堵塞'),
    ...extra,
  };
}

async function timeline(id: number, as: User = admin): Promise<any[]> {
  const r = await as.get(`/api/incidents/${id}`);
  expect(r.status).toBe(200);
  return r.body.timeline;
}

/** report → file → dispatch(water) → sign; returns the incident in progress. */
async function inProgress(): Promise<any> {
  const i = await reportOk(field, storyReport());
  await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
  await actOk(dispatcher, i.id, { action: 'dispatch', department: 'water', expectedVersion: 2 });
  return actOk(department, i.id, { action: 'sign', expectedVersion: 3 });
}

describe('the workflow over HTTP, each step by the role that does it', () => {
  it('report → file → dispatch → sign → resolve → verify closes, with one timeline event per step', async () => {
    const grid = storyGrid(server);
    const point = pointIn(grid);
    const body = { category: SEWER, ...point, description: uniqueText('十字路口下水道堵塞') };
    const r = await field.post('/api/incidents', body);
    expect(r.status).toBe(201);
    const created = r.body;
    expect(created.state).toBe('reported');
    expect(created.version).toBe(1);
    expect(created.description).toBe(body.description);
    const containing = gridContaining(server, point.lng, point.lat);
    expect(containing?.code).toBe(grid.code);
    expect(created.gridCode).toBe(containing!.code);
    expect(created.path).toEqual(containing!.path);
    expect(created.path.at(-1)).toBe(created.gridCode);
    const hours = findCategory(SEWER)!.deadlineHours;
    expect(Date.parse(created.deadline) - Date.parse(created.reportedAt)).toBe(hours * HOUR);

    const steps: [User, Record<string, unknown>, string, string][] = [
      [dispatcher, { action: 'file' }, 'filed', 'incident.filed'],
      [
        dispatcher,
        { action: 'dispatch', department: 'water' },
        'dispatched',
        'incident.dispatched',
      ],
      [department, { action: 'sign' }, 'in_progress', 'incident.signed'],
      [department, { action: 'resolve', note: '已疏通' }, 'resolved', 'incident.resolved'],
      [
        field,
        { action: 'verify', passed: true, note: '现场核查已通畅' },
        'closed',
        'incident.verified',
      ],
    ];
    let version = 1;
    for (const [user, action, state] of steps) {
      const res = await act(user, created.id, { ...action, expectedVersion: version });
      expect(
        res.status,
        `${user.username} ${String(action.action)}: ${JSON.stringify(res.body)}`,
      ).toBe(200);
      expect(res.body.version).toBe(version + 1);
      expect(res.body.state).toBe(state);
      expect(res.body.id).toBe(created.id);
      version = res.body.version;
    }

    const got = await field.get(`/api/incidents/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body.state).toBe('closed');
    expect(got.body.version).toBe(6);
    expect(got.body.department).toBe('water');
    expect(got.body.closedAt).not.toBeNull();
    expect(got.body.gridName).toBe(grid.name);
    expect(grid.name).toMatch(/网格/);
    const tl = got.body.timeline as any[];
    expect(tl.map((e) => e.type)).toEqual(['incident.reported', ...steps.map((s) => s[3])]);
    expect(tl.map((e) => e.actor)).toEqual([
      'field',
      'dispatcher',
      'dispatcher',
      'department',
      'department',
      'field',
    ]);
    for (let i = 1; i < tl.length; i++) expect(tl[i].id).toBeGreaterThan(tl[i - 1].id);
    for (const e of tl) {
      expect(e.incidentId).toBe(created.id);
      expect(e.scope).toEqual(created.path);
    }
    // Each transition's audit record carries the versions it moved between.
    tl.slice(1).forEach((e, i) => {
      expect(e.data.before.version).toBe(i + 1);
      expect(e.data.after.version).toBe(i + 2);
    });
    expect(tl[2].data.department).toBe('water');
  });

  it('an urgent report gets the urgent deadline of its category', async () => {
    const i = await reportOk(field, storyReport({ priority: 'urgent' }));
    expect(i.priority).toBe('urgent');
    expect(Date.parse(i.deadline) - Date.parse(i.reportedAt)).toBe(
      findCategory(SEWER)!.urgentDeadlineHours * HOUR,
    );
  });

  it('verify failed sends the work back (rework): in_progress, reworkCount 1', async () => {
    const i = await inProgress();
    await actOk(department, i.id, { action: 'resolve', note: '已处理', expectedVersion: 4 });
    const r = await act(field, i.id, {
      action: 'verify',
      passed: false,
      note: '仍有积水',
      expectedVersion: 5,
    });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('in_progress');
    expect(r.body.reworkCount).toBe(1);
    expect(r.body.resolvedAt).toBeNull();
    expect(r.body.version).toBe(6);
    const tl = await timeline(i.id);
    expect(tl.map((e) => e.type)).toEqual([
      'incident.reported',
      'incident.filed',
      'incident.dispatched',
      'incident.signed',
      'incident.resolved',
      'incident.reworked',
    ]);
    // The department can resolve again after rework.
    const again = await act(department, i.id, {
      action: 'resolve',
      note: '二次疏通',
      expectedVersion: 6,
    });
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('resolved');
    expect(again.body.reworkCount).toBe(1);
  });

  it('return (not ours) sends it back to filed with no department, returnCount 1', async () => {
    const i = await reportOk(field, storyReport());
    await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
    await actOk(dispatcher, i.id, { action: 'dispatch', department: 'water', expectedVersion: 2 });
    const r = await act(department, i.id, {
      action: 'return',
      reason: '非本单位职责',
      expectedVersion: 3,
    });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('filed');
    expect(r.body.department).toBeNull();
    expect(r.body.returnCount).toBe(1);
    const tl = await timeline(i.id);
    expect(tl.at(-1).type).toBe('incident.returned');
    expect(tl.at(-1).actor).toBe('department');
    expect(tl.at(-1).data.department).toBe('water');
    // The returned incident is no longer the water department's to sign.
    const sign = await act(department, i.id, { action: 'sign', expectedVersion: 4 });
    expect(sign.status).toBe(403);
  });

  it('self_resolve by the grid worker closes a reported incident at once', async () => {
    const i = await reportOk(field, storyReport());
    const r = await act(field, i.id, {
      action: 'self_resolve',
      note: '网格员现场清理',
      expectedVersion: 1,
    });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('closed');
    expect(r.body.version).toBe(2);
    expect(r.body.resolvedAt).not.toBeNull();
    expect(r.body.closedAt).not.toBeNull();
    const tl = await timeline(i.id);
    expect(tl.map((e) => e.type)).toEqual(['incident.reported', 'incident.closed']);
    expect(tl[1].actor).toBe('field');
    expect(tl[1].data.selfResolved).toBe(true);
  });
});

describe('conflicts and refusals', () => {
  it('a stale expectedVersion is a 409 with the current incident and who changed it, and writes nothing', async () => {
    const i = await reportOk(field, storyReport());
    // minghu (the story street's dispatcher) files it first; `dispatcher` still holds version 1.
    const filed = await actOk(minghu, i.id, { action: 'file', expectedVersion: 1 });
    expect(filed.version).toBe(2);
    const before = await timeline(i.id);
    const rowsBefore = await countRows(server.database.db);

    const r = await act(dispatcher, i.id, {
      action: 'reject',
      reason: '重复上报',
      expectedVersion: 1,
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('conflict');
    expect(typeof r.body.error.message).toBe('string');
    expect(r.body.error.message).toContain('minghu');
    expect(r.body.error.current.id).toBe(i.id);
    expect(r.body.error.current.version).toBe(2);
    expect(r.body.error.current.state).toBe('filed');

    const after = await timeline(i.id);
    expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(await countRows(server.database.db)).toEqual(rowsBefore);
    const now = await admin.get(`/api/incidents/${i.id}`);
    expect(now.body.state).toBe('filed');
    expect(now.body.version).toBe(2);
  });

  it('an illegal transition is a 409 illegal_transition naming the current state', async () => {
    const i = await reportOk(field, storyReport());
    const rowsBefore = await countRows(server.database.db);
    // admin passes every role check, so only the state machine can refuse.
    const sign = await act(admin, i.id, { action: 'sign', expectedVersion: 1 });
    expect(sign.status).toBe(409);
    expect(sign.body.error.code).toBe('illegal_transition');
    expect(sign.body.error.message).toContain('reported');
    expect(sign.body.error.current.state).toBe('reported');
    expect(sign.body.error.current.version).toBe(1);

    const dispatch = await act(dispatcher, i.id, {
      action: 'dispatch',
      department: 'water',
      expectedVersion: 1,
    });
    expect(dispatch.status).toBe(409);
    expect(dispatch.body.error.code).toBe('illegal_transition');
    expect(dispatch.body.error.message).toContain('reported');
    expect(await countRows(server.database.db)).toEqual(rowsBefore);
  });

  it('the wrong role is a 403, and so is a department acting on another department’s incident', async () => {
    const i = await reportOk(field, storyReport());
    const rowsBefore = await countRows(server.database.db);
    const fileByField = await act(field, i.id, { action: 'file', expectedVersion: 1 });
    expect(fileByField.status).toBe(403);
    expect(fileByField.body.error.code).toBe('forbidden');
    const fileByDept = await act(department, i.id, { action: 'file', expectedVersion: 1 });
    expect(fileByDept.status).toBe(403);
    expect(await countRows(server.database.db)).toEqual(rowsBefore);

    await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
    await actOk(dispatcher, i.id, { action: 'dispatch', department: 'water', expectedVersion: 2 });
    const rowsDispatched = await countRows(server.database.db);
    const other = await act(housing, i.id, { action: 'sign', expectedVersion: 3 });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('forbidden');
    const otherReturn = await act(housing, i.id, {
      action: 'return',
      reason: '不归我们',
      expectedVersion: 3,
    });
    expect(otherReturn.status).toBe(403);
    expect(await countRows(server.database.db)).toEqual(rowsDispatched);
    // ...while the department it was sent to may sign it.
    expect((await act(department, i.id, { action: 'sign', expectedVersion: 3 })).status).toBe(200);
  });
});

describe('invalid input is a 422 naming the field, with nothing written', () => {
  async function expect422(
    call: () => Promise<{ status: number; body: any }>,
    key: string,
  ): Promise<void> {
    const before = await countRows(server.database.db);
    const r = await call();
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(typeof r.body.error.code).toBe('string');
    expect(typeof r.body.error.message).toBe('string');
    expect(Object.keys(r.body.error.fields ?? {})).toContain(key);
    expect(await countRows(server.database.db)).toEqual(before);
  }

  it('reports: missing description, lng out of range, unknown category, a point outside the city', async () => {
    const { description: _d, ...noDescription } = storyReport();
    await expect422(() => field.post('/api/incidents', noDescription), 'description');
    await expect422(
      () => field.post('/api/incidents', storyReport({ description: '   ' })),
      'description',
    );
    await expect422(() => field.post('/api/incidents', storyReport({ lng: 200 })), 'lng');
    await expect422(
      () => field.post('/api/incidents', storyReport({ category: 'municipal.no_such_thing' })),
      'category',
    );
    await expect422(
      () => dispatcher.post('/api/incidents', storyReport({ lng: 2.35, lat: 48.85 })),
      'lng',
    );
  });

  it('actions: a bad action name, dispatch to an unknown department, reject with an empty reason', async () => {
    const i = await reportOk(field, storyReport());
    await expect422(
      () => act(dispatcher, i.id, { action: 'explode', expectedVersion: 1 }),
      'action',
    );
    await expect422(
      () => act(dispatcher, i.id, { action: 'reject', reason: '', expectedVersion: 1 }),
      'reason',
    );
    await expect422(
      () => act(dispatcher, i.id, { action: 'reject', reason: '   ', expectedVersion: 1 }),
      'reason',
    );
    await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
    await expect422(
      () =>
        act(dispatcher, i.id, {
          action: 'dispatch',
          department: 'no_such_department',
          expectedVersion: 2,
        }),
      'department',
    );
    const now = await admin.get(`/api/incidents/${i.id}`);
    expect(now.body.state).toBe('filed');
    expect(now.body.version).toBe(2);
    expect(now.body.department).toBeNull();
  });

  it('malformed JSON is a 400 bad_json, never a 500', async () => {
    const before = await countRows(server.database.db);
    const r = await field.post('/api/incidents', '{"category": "municipal.sewer_blocked", "lng": ');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('bad_json');
    const i = await reportOk(field, storyReport());
    const a = await field.post(`/api/incidents/${i.id}/actions`, '{action:file}');
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('bad_json');
    expect((await countRows(server.database.db)).incidents).toBe(before.incidents + 1);
  });
});

describe('Idempotency-Key', () => {
  async function countByDescription(description: string): Promise<number> {
    const [r] = await server.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(incidents)
      .where(eq(incidents.description, description));
    return Number(r!.n);
  }

  it('same key and body replays the same response; another body with that key is a 422', async () => {
    const body = storyReport();
    const key = `k-${Date.now()}-replay`;
    const first = await field.post('/api/incidents', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const eventsAfterFirst = await countRows(server.database.db);
    const second = await field.post('/api/incidents', body, { 'Idempotency-Key': key });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countByDescription(body.description as string)).toBe(1);
    expect(await countRows(server.database.db)).toEqual(eventsAfterFirst);

    const different = await field.post(
      '/api/incidents',
      { ...body, description: uniqueText('另一件事') },
      { 'Idempotency-Key': key },
    );
    expect(different.status).toBe(422);
    expect(Object.keys(different.body.error.fields)).toContain('Idempotency-Key');
    expect(await countRows(server.database.db)).toEqual(eventsAfterFirst);
  });

  it('10 concurrent requests with one key create exactly one incident; the others replay it or get 409', async () => {
    const body = storyReport();
    const key = `k-${Date.now()}-burst`;
    const before = await countRows(server.database.db);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        field.post('/api/incidents', body, { 'Idempotency-Key': key }),
      ),
    );
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(created.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    for (const r of replies) {
      expect([201, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body.error.code).toBe('in_flight');
    }
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(await countByDescription(body.description as string)).toBe(1);
    const after = await countRows(server.database.db);
    expect(after.incidents).toBe(before.incidents + 1);
    expect(after.events).toBe(before.events + 1);
    // Once the first is done, a retry with the key replays it.
    const retry = await field.post('/api/incidents', body, { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe([...ids][0]);
  });

  describe('on Postgres, while the first request is held inside its transaction', () => {
    let pgServer: TestServer | undefined;
    let pgDb: { url: string; drop: () => Promise<void> } | undefined;
    beforeAll(async () => {
      pgDb = await createPostgresDatabase();
      pgServer = await startTestServer({ databaseUrl: pgDb.url });
    });
    afterAll(async () => {
      await pgServer?.close();
      await pgDb?.drop();
    });

    it('a request with the same key while the first is in flight is a 409 in_flight; the first still succeeds once', async () => {
      const s = pgServer!;
      const worker = await User.login(s.url, 'field');
      const body = {
        category: SEWER,
        ...pointIn(storyGrid(s)),
        description: uniqueText('在途请求'),
      };
      const key = `k-${Date.now()}-held`;
      // A second connection blocks every write to incidents: the first request claims its key
      // (committed, pending) and then waits inside its transaction.
      const blocker = new pg.Client({ connectionString: pgDb!.url });
      await blocker.connect();
      let first: Promise<Reply<any>> | undefined;
      try {
        await blocker.query('begin');
        await blocker.query('lock table incidents in exclusive mode');
        first = worker.post('/api/incidents', body, { 'Idempotency-Key': key });
        const deadline = Date.now() + 10_000;
        for (;;) {
          const rows = await s.database.db
            .select()
            .from(idempotencyKeys)
            .where(sql`${idempotencyKeys.key} like ${'%:' + key}`);
          if (rows.length === 1) {
            expect(rows[0]!.status).toBe('pending');
            break;
          }
          if (Date.now() > deadline) throw new Error('the first request never claimed its key');
          await sleep(20);
        }
        const during = await Promise.all(
          Array.from({ length: 9 }, () =>
            worker.post('/api/incidents', body, { 'Idempotency-Key': key }),
          ),
        );
        for (const r of during) {
          expect(r.status).toBe(409);
          expect(r.body.error.code).toBe('in_flight');
        }
        const otherBody = await worker.post(
          '/api/incidents',
          { ...body, description: uniqueText('别的') },
          { 'Idempotency-Key': key },
        );
        expect(otherBody.status).toBe(422);
      } finally {
        await blocker.query('rollback').catch(() => undefined);
        await blocker.end();
      }
      const done = await first!;
      expect(done.status).toBe(201);
      const [n] = await s.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(incidents)
        .where(eq(incidents.description, body.description));
      expect(Number(n!.n)).toBe(1);
      const retry = await worker.post('/api/incidents', body, { 'Idempotency-Key': key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body.id).toBe(done.body.id);
    });

    it('two dispatchers acting on the same version at once: one wins, the other gets 409 naming the winner', async () => {
      const s = pgServer!;
      const [worker, d1, d2] = await Promise.all([
        User.login(s.url, 'field'),
        User.login(s.url, 'dispatcher'),
        User.login(s.url, 'dispatcher2'),
      ]);
      for (let round = 0; round < 5; round++) {
        const i = await reportOk(worker, {
          category: SEWER,
          ...pointIn(storyGrid(s)),
          description: uniqueText('同时处理'),
        });
        const [a, b] = await Promise.all([
          act(d1, i.id, { action: 'file', expectedVersion: 1 }),
          act(d2, i.id, { action: 'reject', reason: '重复', expectedVersion: 1 }),
        ]);
        const statuses = [a.status, b.status].sort();
        expect(statuses).toEqual([200, 409]);
        const [win, lose, winnerName] =
          a.status === 200 ? [a, b, 'dispatcher'] : [b, a, 'dispatcher2'];
        expect(lose.body.error.code).toBe('conflict');
        expect(lose.body.error.current.version).toBe(2);
        expect(lose.body.error.current.state).toBe(win.body.state);
        expect(lose.body.error.message).toContain(`${winnerName} `);
        const tl = (await d1.get(`/api/incidents/${i.id}`)).body.timeline as any[];
        expect(tl).toHaveLength(2);
        expect(tl[1].actor).toBe(winnerName);
      }
    });

    it('10 concurrent requests with one key over a connection pool create exactly one incident', async () => {
      const s = pgServer!;
      const worker = await User.login(s.url, 'field');
      const body = { category: SEWER, ...pointIn(storyGrid(s)), description: uniqueText('并发') };
      const key = `k-${Date.now()}-pool`;
      const replies = await Promise.all(
        Array.from({ length: 10 }, () =>
          worker.post('/api/incidents', body, { 'Idempotency-Key': key }),
        ),
      );
      const created = replies.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      for (const r of replies) expect([201, 409]).toContain(r.status);
      expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(
        1,
      );
      const [n] = await s.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(incidents)
        .where(eq(incidents.description, body.description));
      expect(Number(n!.n)).toBe(1);
    });
  });

  it('different users may use the same key independently', async () => {
    const body = storyReport();
    const key = `k-${Date.now()}-shared`;
    const a = await field.post('/api/incidents', body, { 'Idempotency-Key': key });
    const b = await dispatcher.post('/api/incidents', body, { 'Idempotency-Key': key });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.reporter).toBe('dispatcher');
    expect(await countByDescription(body.description as string)).toBe(2);
  });
});

describe('GET /api/snapshot?view=board', () => {
  it('holds the same incidents and figures as the full snapshot, as rows without the free text', async () => {
    await reportOk(field, storyReport({ address: '花园路与农业路交叉口' }));
    // Both read at the same event, so they must agree exactly (nothing may happen in between).
    let full: Snapshot;
    let board: BoardSnapshot;
    do {
      full = (await dispatcher.get<Snapshot>('/api/snapshot')).body;
      board = (await dispatcher.get<BoardSnapshot>('/api/snapshot?view=board')).body;
    } while (full.lastEventId !== board.lastEventId);
    expect(board.incidents).toEqual([]);
    expect(board.board.fields).toEqual(BOARD_FIELDS);
    expect(board.board.rows.length).toBe(full.incidents.length);
    // Each region path is sent once and a row names it by index: one per grid, not per incident.
    const at = BOARD_FIELDS.indexOf('path');
    expect(board.board.rows.every((r) => Number.isInteger(r[at]))).toBe(true);
    const paths = board.board.paths.map((p) => p.join('.'));
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.length).toBe(new Set(full.incidents.map((i) => i.path.join('.'))).size);
    const { board: _rows, incidents: _none, serverTime: _t1, ...boardRest } = board;
    const { incidents: fullIncidents, serverTime: _t2, ...fullRest } = full;
    expect(boardRest).toEqual(fullRest);
    const blank = { description: '', address: null, photos: [], reporter: null, extension: null };
    const byId = (a: IncidentDto, b: IncidentDto): number => a.id - b.id;
    expect(expandBoardSnapshot(board).incidents.sort(byId)).toEqual(
      fullIncidents.map((i) => ({ ...i, ...blank })).sort(byId),
    );
    // The left-out fields were there to leave out.
    expect(fullIncidents.some((i) => i.address === '花园路与农业路交叉口')).toBe(true);
  });

  it('422 naming `view` for an unknown view', async () => {
    const r = await dispatcher.get('/api/snapshot?view=everything');
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.error.fields ?? {})).toContain('view');
  });
});

describe('scope: a street-level account sees its street and nothing else', () => {
  it('403 for another district’s snapshot, 404 for an incident outside its street, and a list of its street only', async () => {
    const street = account(server, 'huayuanlu').scopeCode;
    const streetNode = server.city.streets.find((s) => s.code === street)!;
    const district = streetNode.path[1]!;
    const otherDistrict = server.city.districts.find((d) => d.code !== district)!;
    const story = storyGrid(server);
    expect(story.path).not.toContain(street); // the story incident must lie outside huayuanlu's street

    const inside = await reportOk(dispatcher, {
      category: SEWER,
      ...pointIn(gridsWithin(server, street)[0]!),
      description: uniqueText('花园路'),
    });
    const outside = await reportOk(field, storyReport());
    expect(inside.path).toContain(street);

    const own = await huayuanlu.get(`/api/snapshot?scope=${street}`);
    expect(own.status).toBe(200);
    expect(own.body.incidents.map((i: any) => i.id)).toContain(inside.id);
    expect(own.body.incidents.every((i: any) => i.path.includes(street))).toBe(true);
    const snap = await huayuanlu.get(`/api/snapshot?scope=${otherDistrict.code}`);
    expect(snap.status).toBe(403);
    expect(snap.body.error.code).toBe('forbidden');
    expect((await huayuanlu.get(`/api/snapshot?scope=${server.city.city.code}`)).status).toBe(403);
    expect((await huayuanlu.get(`/api/incidents?scope=${otherDistrict.code}`)).status).toBe(403);

    const theirs = await huayuanlu.get(`/api/incidents/${outside.id}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('not_found');
    const mine = await huayuanlu.get(`/api/incidents/${inside.id}`);
    expect(mine.status).toBe(200);

    const list = await huayuanlu.get('/api/incidents?limit=500');
    expect(list.status).toBe(200);
    const ids = list.body.items.map((i: any) => i.id);
    expect(ids).toContain(inside.id);
    expect(ids).not.toContain(outside.id);
    for (const item of list.body.items) expect(item.path).toContain(street);
    // The city-wide view has both, so the filter above is the scope at work.
    const all = (await dispatcher.get('/api/incidents?limit=500')).body.items.map((i: any) => i.id);
    expect(all).toEqual(expect.arrayContaining([inside.id, outside.id]));
  });

  it('a street-scoped dispatcher cannot act on an incident outside its street', async () => {
    const minghuStreet = account(server, 'minghu').scopeCode;
    const elsewhere = server.city.grids.find((g) => !g.path.includes(minghuStreet))!;
    const i = await reportOk(dispatcher, {
      category: SEWER,
      ...pointIn(elsewhere),
      description: uniqueText('别处'),
    });
    const before = await countRows(server.database.db);
    const r = await act(minghu, i.id, { action: 'file', expectedVersion: 1 });
    expect(r.status).toBe(404);
    expect(await countRows(server.database.db)).toEqual(before);
  });

  it('unauthenticated requests are a 401 with the error shape', async () => {
    for (const [method, path] of [
      ['GET', '/api/incidents'],
      ['POST', '/api/incidents'],
      ['GET', '/api/snapshot'],
    ] as const) {
      const r = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify(storyReport()) : null,
      });
      expect(r.status, `${method} ${path}`).toBe(401);
      const body = (await r.json()) as any;
      expect(body.error.code).toBe('unauthenticated');
      expect(typeof body.error.message).toBe('string');
    }
    const bogus = await fetch(`${server.url}/api/incidents`, {
      headers: { cookie: 'cityops_session=not-a-session' },
    });
    expect(bogus.status).toBe(401);
  });
});

describe('operational endpoints', () => {
  it('healthz, readyz, metrics and the OpenAPI document', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks.database).toBe('ok');
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('cityops_events_relayed_total');
    const api = await fetch(`${server.url}/api/openapi.json`);
    expect(api.status).toBe(200);
    const doc = (await api.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/incidents', '/api/incidents/{id}/actions']),
    );
    expect(doc.paths['/api/incidents'].post).toBeDefined();
  });
});

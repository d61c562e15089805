import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { checkins, events, users } from '@cityops/db';
import type { Event, FieldWork, MyPatrol } from '@cityops/protocol';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User, type LiveClient } from '../support/api-client.ts';
import {
  actOk,
  gridsWithin,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

let server: TestServer;
let field: User;
let dispatcher: User;
let department: User;

async function checkinRows(userId: number): Promise<number> {
  const [r] = await server.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(checkins)
    .where(eq(checkins.userId, userId));
  return Number(r!.n);
}

beforeAll(async () => {
  server = await startTestServer();
  [field, dispatcher, department] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'department'),
  ]);
});
afterAll(async () => {
  await server?.close();
});

describe('patrol check-ins', () => {
  it('inside the own grid: not flagged; in a neighbouring grid of the same street: allowed and flagged; another street: 403', async () => {
    const home = storyGrid(server);
    const street = home.path[2]!;
    const neighbour = gridsWithin(server, street).find((g) => g.code !== home.code)!;
    const elsewhere = server.city.grids.find((g) => !g.path.includes(street))!;

    const inside = await field.post('/api/checkins', { ...pointIn(home), kind: 'start' });
    expect(inside.status).toBe(201);
    expect(inside.body).toMatchObject({ gridCode: home.code, outsideGrid: false });

    const outside = await field.post('/api/checkins', pointIn(neighbour));
    expect(outside.status).toBe(201);
    expect(outside.body).toMatchObject({ gridCode: neighbour.code, outsideGrid: true });
    const [ev] = await server.database.db
      .select()
      .from(events)
      .where(
        sql`${events.type} = 'patrol.checkin' and (${events.data} ->> 'gridCode') = ${neighbour.code}`,
      );
    expect(ev?.data).toMatchObject({
      outsideGrid: true,
      username: 'field',
      name: '网格长 赵思雨',
      kind: 'checkin',
    });

    const far = await field.post('/api/checkins', pointIn(elsewhere));
    expect(far.status).toBe(403);

    const invalid = await field.post('/api/checkins', { lng: 'x', lat: 34 });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.fields).toHaveProperty('lng');

    const mine = (await field.get('/api/checkins/mine')).body as MyPatrol;
    expect(mine.onPatrol).toBe(true);
    expect(mine.checkins.map((c) => [c.kind, c.outsideGrid])).toEqual([
      ['start', false],
      ['checkin', true],
    ]);
  });

  it('a queued check-in sent twice (lost reply) is one check-in and one event', async () => {
    const [me] = await server.database.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.username, 'field'));
    const userId = me!.id;
    const body = { ...pointIn(storyGrid(server)), at: new Date(Date.now() - 60_000).toISOString() };
    const before = await checkinRows(userId);
    const a = await field.post('/api/checkins', body);
    const b = await field.post('/api/checkins', body);
    expect(a.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(await checkinRows(userId)).toBe(before + 1);
  });

  it("boards get a burst of one worker's check-ins thinned, and patrol end always", async () => {
    const board: LiveClient = dispatcher.socket();
    try {
      // A worker who has not checked in yet, so the first position is relayed.
      const grid = server.city.grids.find((g) => g.code !== storyGrid(server).code)!;
      const worker = await User.login(server.url, `w${grid.code}`);
      await board.subscribe(grid.path[0]!);
      const here = pointIn(grid);
      const isPosition = (e: Event): boolean =>
        e.type === 'patrol.checkin' &&
        e.data['kind'] === 'checkin' &&
        e.data['username'] === worker.username;
      // The first position reaches the board without waiting for a window.
      expect((await worker.post('/api/checkins', here)).status).toBe(201);
      await board.waitFor((applied) => applied.some(isPosition));
      for (let i = 1; i < 6; i++)
        expect(
          (await worker.post('/api/checkins', { lng: here.lng + i * 1e-6, lat: here.lat })).status,
        ).toBe(201);
      expect((await worker.post('/api/checkins', { ...here, kind: 'end' })).status).toBe(201);
      await board.waitFor((applied) =>
        applied.some((e) => e.type === 'patrol.checkin' && e.data['kind'] === 'end'),
      );
      const positions = board.applied.filter(isPosition);
      // Six written (all in the database), far fewer relayed: at most one per 5 s window here.
      expect(positions.length).toBeGreaterThanOrEqual(1);
      expect(positions.length).toBeLessThan(6);
      const written = await server.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(events)
        .where(
          sql`${events.type} = 'patrol.checkin' and (${events.data} ->> 'username') = ${worker.username}`,
        );
      expect(Number(written[0]!.n)).toBe(7);
      expect(positions[0]!.data['lng']).toBe(here.lng);
      // The snapshot has the newest one.
      const snap = (await dispatcher.get(`/api/snapshot?scope=${grid.code}`)).body as {
        workers: { username: string; lng: number; kind: string }[];
      };
      expect(snap.workers).toEqual([
        expect.objectContaining({ username: worker.username, kind: 'end' }),
      ]);
    } finally {
      board.socket.disconnect();
    }
  });

  it('only grid workers check in', async () => {
    expect((await dispatcher.post('/api/checkins', pointIn(storyGrid(server)))).status).toBe(403);
  });
});

describe('my work', () => {
  it('lists my reports and the resolved incidents of my grid to verify, with overdue reminders', async () => {
    const text = uniqueText('核查任务');
    let inc = await reportOk(field, {
      category: 'municipal.sewer_blocked',
      ...pointIn(storyGrid(server)),
      description: text,
    });
    inc = await actOk(dispatcher, inc.id, { action: 'file', expectedVersion: inc.version });
    inc = await actOk(dispatcher, inc.id, {
      action: 'dispatch',
      department: 'water',
      expectedVersion: inc.version,
    });
    inc = await actOk(department, inc.id, { action: 'sign', expectedVersion: inc.version });
    inc = await actOk(department, inc.id, {
      action: 'resolve',
      note: '已疏通',
      expectedVersion: inc.version,
    });

    const work = (await field.get('/api/field/work')).body as FieldWork;
    expect(work.reports.map((r) => r.description)).toContain(text);
    const task = work.verifications.find((v) => v.incident.id === inc.id);
    expect(task).toMatchObject({ overdue: false });
    expect(Date.parse(task!.dueAt) - Date.parse(inc.resolvedAt)).toBe(
      work.verifyWithinHours * 3_600_000,
    );
    expect(work.overdueVerifications).toBe(0);

    server.setNow(new Date(Date.now() + (work.verifyWithinHours + 1) * 3_600_000));
    try {
      const later = (await field.get('/api/field/work')).body as FieldWork;
      expect(later.verifications.find((v) => v.incident.id === inc.id)?.overdue).toBe(true);
      expect(later.overdueVerifications).toBeGreaterThanOrEqual(1);
    } finally {
      server.setNow(null);
    }

    // Another grid's worker sees neither my report nor this verification.
    const otherGrid = server.city.grids.find((g) => g.code !== storyGrid(server).code)!;
    const other = await User.login(server.url, `w${otherGrid.code}`);
    const theirs = (await other.get('/api/field/work')).body as FieldWork;
    expect(theirs.reports).toEqual([]);
    expect(theirs.verifications.map((v) => v.incident.id)).not.toContain(inc.id);
  });
});

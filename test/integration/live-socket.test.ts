import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { events } from '@cityops/db';
import { encodePath } from '@cityops/domain';
import { MAX_REPLAY, type Event } from '@cityops/protocol';
import {
  createPostgresDatabase,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';
import { LiveClient, User } from '../support/api-client.ts';
import {
  account,
  gridsWithin,
  pointIn,
  reportOk,
  sleep,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

const SEWER = 'municipal.sewer_blocked';

let server: TestServer;
let field: User;
let dispatcher: User;
let operator: User;
let huayuanlu: User;
const open: LiveClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  [field, dispatcher, operator, huayuanlu] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'operator'),
    User.login(server.url, 'huayuanlu'),
  ]);
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(async () => {
  await server?.close();
});

function socketOf(user: User): LiveClient {
  const s = user.socket();
  open.push(s);
  return s;
}

/** Report as the city-wide dispatcher in a given grid. */
function reportIn(gridCode: string, text = '测试'): Promise<any> {
  const grid = server.city.grids.find((g) => g.code === gridCode)!;
  return reportOk(dispatcher, { category: SEWER, ...pointIn(grid), description: uniqueText(text) });
}

const reportedIds = (list: Event[]): number[] =>
  list.filter((e) => e.type === 'incident.reported').map((e) => e.incidentId!);
const countOf = (list: Event[], incidentId: number): number =>
  list.filter((e) => e.incidentId === incidentId).length;

async function maxEventId(): Promise<number> {
  const [m] = await server.database.db
    .select({ max: sql<number>`coalesce(max(${events.id}), 0)::bigint` })
    .from(events);
  return Number(m!.max);
}

/** Wait until the relay has emitted everything committed so far. */
async function relayCaughtUp(): Promise<void> {
  const target = await maxEventId();
  const deadline = Date.now() + 5000;
  while (server.app.relay.cursor < target) {
    if (Date.now() > deadline)
      throw new Error(`relay stuck at ${server.app.relay.cursor}, want ${target}`);
    await sleep(20);
  }
}

describe('live events over real sockets', () => {
  it('a socket subscribed to a street gets reports made in it, and nothing from another street', async () => {
    const story = storyGrid(server);
    const streetA = story.path[2]!;
    const streetB = server.city.streets.find((s) => s.path[1] !== story.path[1])!.code;
    const a = socketOf(operator);
    const b = socketOf(operator);
    expect(await a.subscribe(streetA)).toMatchObject({ ok: true });
    expect(await b.subscribe(streetB)).toMatchObject({ ok: true });

    const inA = await reportOk(field, {
      category: SEWER,
      ...pointIn(story),
      description: uniqueText('A街道'),
    });
    const inB = await reportIn(gridsWithin(server, streetB)[0]!.code, 'B街道');
    expect(inA.path).toContain(streetA);
    expect(inB.path).toContain(streetB);

    await a.waitFor(
      (evs) => evs.some((e) => e.incidentId === inA.id && e.type === 'incident.reported'),
      3000,
    );
    await b.waitFor(
      (evs) => evs.some((e) => e.incidentId === inB.id && e.type === 'incident.reported'),
      3000,
    );
    const ev = a.applied.find((e) => e.incidentId === inA.id)!;
    expect(ev.scope).toEqual(inA.path);
    expect(ev.actor).toBe('field');
    expect((ev.data as any).incident.id).toBe(inA.id);
    await sleep(500);
    expect(countOf(a.raw, inB.id)).toBe(0);
    expect(countOf(b.raw, inA.id)).toBe(0);
    expect(countOf(a.raw, inA.id)).toBe(1);
    expect(countOf(b.raw, inB.id)).toBe(1);
  });

  it('subscribing outside your scope is refused, and such a socket gets nothing from there', async () => {
    const street = account(server, 'huayuanlu').scopeCode;
    const streetNode = server.city.streets.find((s) => s.code === street)!;
    const otherDistrict = server.city.districts.find((d) => d.code !== streetNode.path[1])!;

    const refusedOnly = socketOf(huayuanlu);
    const cityAck = await refusedOnly.subscribe(server.city.city.code);
    expect(cityAck.ok).toBe(false);
    expect(cityAck.ok === false && cityAck.error).toMatch(/forbidden/i);
    const districtAck = await refusedOnly.subscribe(otherDistrict.code);
    expect(districtAck.ok).toBe(false);
    expect(districtAck.ok === false && districtAck.error).toMatch(/forbidden/i);

    // A socket that holds its own street and then asks for more keeps only its street.
    const ownThenMore = socketOf(huayuanlu);
    expect((await ownThenMore.subscribe(street)).ok).toBe(true);
    const more = await ownThenMore.subscribe(server.city.city.code);
    expect(more.ok).toBe(false);
    expect(more.ok === false && more.error).toMatch(/forbidden/i);

    const control = socketOf(operator);
    expect((await control.subscribe(server.city.city.code)).ok).toBe(true);
    const there = await reportIn(gridsWithin(server, otherDistrict.code)[0]!.code, '别的区');
    const here = await reportIn(gridsWithin(server, street)[0]!.code, '花园路');
    await control.waitFor(
      (evs) =>
        evs.some((e) => e.incidentId === there.id) && evs.some((e) => e.incidentId === here.id),
      3000,
    );
    await ownThenMore.waitFor((evs) => evs.some((e) => e.incidentId === here.id), 3000);
    await sleep(500);
    expect(countOf(refusedOnly.raw, there.id)).toBe(0);
    expect(refusedOnly.raw).toEqual([]);
    expect(countOf(ownThenMore.raw, there.id)).toBe(0);
    for (const e of ownThenMore.raw) expect(e.scope).toContain(street);
  });

  it('an unauthenticated socket is refused at connection', async () => {
    const anonymous = new LiveClient(server.url, {});
    open.push(anonymous);
    await expect(anonymous.connected()).rejects.toThrow(/unauthenticated/);
    const forged = new LiveClient(server.url, {
      extraHeaders: { cookie: 'cityops_session=forged' },
    });
    open.push(forged);
    await expect(forged.connected()).rejects.toThrow(/unauthenticated/);
  });

  it('a board that was away replays exactly the events it missed, once each, in order, then continues live', async () => {
    const cityCode = server.city.city.code;
    const away = socketOf(operator);
    const ack = await away.subscribe(cityCode);
    expect(ack.ok).toBe(true);
    const lastSeen = away.lastEventId;
    expect(lastSeen).toBe(await maxEventId());
    away.close();

    // 100 reports across the city while the board is away.
    const grids = server.city.grids;
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) {
      const grid = grids[(i * 37) % grids.length]!;
      ids.push((await reportIn(grid.code, `离线期间 ${i}`)).id);
    }
    expect(new Set(ids).size).toBe(100);
    // Let the relay finish emitting them to nobody, so anything the new socket gets is the replay.
    await relayCaughtUp();

    const back = socketOf(operator);
    const again = await back.subscribe(cityCode, lastSeen);
    expect(again.ok).toBe(true);
    expect(again.ok && again.replayed).toBe(100);
    await back.waitFor((evs) => reportedIds(evs).length >= 100, 5000);
    await sleep(300);
    expect(back.applied).toHaveLength(100);
    expect(back.applied.every((e) => e.type === 'incident.reported')).toBe(true);
    expect(new Set(reportedIds(back.applied))).toEqual(new Set(ids));
    // Replay must not duplicate: every incident arrived exactly once on the wire.
    expect(back.raw).toHaveLength(100);
    for (const id of ids) expect(countOf(back.raw, id)).toBe(1);
    for (let i = 1; i < back.raw.length; i++)
      expect(back.raw[i]!.id).toBeGreaterThan(back.raw[i - 1]!.id);
    expect(back.raw[0]!.id).toBeGreaterThan(lastSeen);
    expect(back.lastEventId).toBe(await maxEventId());

    const live = await reportIn(grids[5]!.code, '回来之后');
    await back.waitFor((evs) => evs.some((e) => e.incidentId === live.id), 3000);
    await sleep(300);
    expect(countOf(back.raw, live.id)).toBe(1);
    expect(back.raw.at(-1)!.incidentId).toBe(live.id);
  });

  it('a `since` ahead of the server gets a resync (ahead_of_server); an up-to-date one does not', async () => {
    const max = await maxEventId();
    const ahead = socketOf(operator);
    const ack = await ahead.subscribe(server.city.city.code, max + 1000);
    expect(ack.ok).toBe(true);
    const deadline = Date.now() + 2000;
    while (ahead.resyncs.length === 0 && Date.now() < deadline) await sleep(20);
    expect(ahead.resyncs).toEqual(['ahead_of_server']);

    const current = socketOf(operator);
    const ok = await current.subscribe(server.city.city.code, max);
    expect(ok.ok && ok.replayed).toBe(0);
    await sleep(200);
    expect(current.resyncs).toEqual([]);
  });

  it('concurrent reports arrive batched: all of them, in fewer messages than events, each in id order', async () => {
    const board = socketOf(operator);
    const batches: Event[][] = [];
    board.socket.on('events', ({ events: list }) => batches.push(list));
    expect((await board.subscribe(server.city.city.code)).ok).toBe(true);
    const grids = server.city.grids;
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        reportIn(grids[(i * 101) % grids.length]!.code, `并发 ${i}`),
      ),
    );
    const ids = new Set(created.map((c) => c.id as number));
    expect(ids.size).toBe(20);
    await board.waitFor((evs) => reportedIds(evs).filter((id) => ids.has(id)).length === 20, 5000);
    const carrying = batches.filter((b) => b.some((e) => ids.has(e.incidentId!)));
    expect(carrying.length).toBeLessThan(20);
    for (const b of batches)
      for (let i = 1; i < b.length; i++) expect(b[i]!.id).toBeGreaterThan(b[i - 1]!.id);
    const flat = batches.flat();
    for (let i = 1; i < flat.length; i++) expect(flat[i]!.id).toBeGreaterThan(flat[i - 1]!.id);
    for (const id of ids) expect(countOf(board.raw, id)).toBe(1);
  });

  it('a tick arrives within a few seconds, never behind what the socket has seen', async () => {
    const board = socketOf(operator);
    expect((await board.subscribe(server.city.city.code)).ok).toBe(true);
    const tick = await new Promise<{ lastEventId: number; serverTime: string }>(
      (resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no tick within 6.5 s')), 6500);
        board.socket.once('tick', (p) => {
          clearTimeout(t);
          resolve(p);
        });
      },
    );
    expect(tick.lastEventId).toBeGreaterThanOrEqual(board.lastEventId);
    expect(tick.lastEventId).toBeLessThanOrEqual(await maxEventId());
    expect(Number.isNaN(Date.parse(tick.serverTime))).toBe(false);
  });

  it('a board further behind than MAX_REPLAY is told to resync; exactly MAX_REPLAY behind is replayed', async () => {
    // The boundary needs MAX_REPLAY events in one scope; writing them through the API would take
    // minutes, so they go straight into the events table (the table the replay reads).
    const base = await maxEventId();
    const grid = storyGrid(server);
    const at = new Date();
    const rows = Array.from({ length: MAX_REPLAY + 1 }, (_, k) => ({
      type: 'patrol.checkin',
      at,
      actor: 'field',
      path: encodePath(grid.path),
      incidentId: null,
      data: { seq: k },
    }));
    for (let i = 0; i < rows.length; i += 1000)
      await server.database.db.insert(events).values(rows.slice(i, i + 1000));
    expect(await maxEventId()).toBe(base + MAX_REPLAY + 1);
    await relayCaughtUp();

    const tooFar = socketOf(operator);
    const refused = await tooFar.subscribe(server.city.city.code, base);
    expect(refused.ok && refused.replayed).toBe(0);
    const deadline = Date.now() + 2000;
    while (tooFar.resyncs.length === 0 && Date.now() < deadline) await sleep(20);
    expect(tooFar.resyncs).toEqual(['too_far_behind']);
    expect(tooFar.raw).toEqual([]);

    const justEnough = socketOf(operator);
    const replayed = await justEnough.subscribe(server.city.city.code, base + 1);
    expect(replayed.ok && replayed.replayed).toBe(MAX_REPLAY);
    await justEnough.waitFor((evs) => evs.length >= MAX_REPLAY, 10_000);
    expect(justEnough.resyncs).toEqual([]);
    expect(justEnough.raw).toHaveLength(MAX_REPLAY);
    expect(justEnough.raw[0]!.id).toBe(base + 2);
    expect(justEnough.raw.at(-1)!.id).toBe(base + MAX_REPLAY + 1);
  });
});

describe('live events on Postgres with concurrent writers', () => {
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

  it('every report committed by concurrent transactions reaches the board exactly once, in id order', async () => {
    const s = pgServer!;
    const [writer, watcher] = await Promise.all([
      User.login(s.url, 'dispatcher'),
      User.login(s.url, 'operator'),
    ]);
    const board = socketOf(watcher);
    expect((await board.subscribe(s.city.city.code)).ok).toBe(true);
    const grids = s.city.grids;
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reportOk(writer, {
          category: SEWER,
          ...pointIn(grids[(i * 53) % grids.length]!),
          description: uniqueText(`并发事务 ${i}`),
        }),
      ),
    );
    const ids = new Set(created.map((c) => c.id as number));
    expect(ids.size).toBe(40);
    await board.waitFor(
      (evs) => reportedIds(evs).filter((id) => ids.has(id)).length === 40,
      10_000,
    );
    for (const id of ids) expect(countOf(board.raw, id)).toBe(1);
    for (let i = 1; i < board.raw.length; i++)
      expect(board.raw[i]!.id).toBeGreaterThan(board.raw[i - 1]!.id);
  });

  it('an event committed late, after a later one was relayed, is still delivered (event ids commit in order)', async () => {
    const s = pgServer!;
    // Fault injection on this throw-away database: the transaction writing a "slow" report's
    // event stalls after the insert, as a paused process would, holding a lower id uncommitted.
    const admin = new pg.Client({ connectionString: pgDb!.url });
    await admin.connect();
    try {
      await admin.query(`
        create or replace function cityops_test_slow_event() returns trigger language plpgsql as $$
        begin
          if new.data->'incident'->>'description' like '慢事务%' then perform pg_sleep(2); end if;
          return new;
        end $$`);
      await admin.query(
        'create trigger cityops_test_slow after insert on events for each row execute function cityops_test_slow_event()',
      );
    } finally {
      await admin.end();
    }
    const [writer, watcher] = await Promise.all([
      User.login(s.url, 'dispatcher'),
      User.login(s.url, 'operator'),
    ]);
    const board = socketOf(watcher);
    expect((await board.subscribe(s.city.city.code)).ok).toBe(true);
    const [g1, g2] = [s.city.grids[10]!, s.city.grids[20]!];
    const slow = reportOk(writer, {
      category: SEWER,
      ...pointIn(g1),
      description: uniqueText('慢事务'),
    });
    // Wait until the slow transaction is inside its stall (its event row written, uncommitted).
    const probe = new pg.Client({ connectionString: pgDb!.url });
    await probe.connect();
    try {
      const until = Date.now() + 5000;
      for (;;) {
        const r = await probe.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`,
        );
        if (r.rows[0].n > 0) break;
        if (Date.now() > until) throw new Error('the slow report never reached its stall');
        await sleep(20);
      }
    } finally {
      await probe.end();
    }
    const fast = await reportOk(writer, {
      category: SEWER,
      ...pointIn(g2),
      description: uniqueText('快事务'),
    });
    const late = await slow;
    expect(late.id).toBeLessThan(fast.id);
    await board.waitFor(
      (evs) =>
        evs.some((e) => e.incidentId === late.id) && evs.some((e) => e.incidentId === fast.id),
      5000,
    );
    expect(countOf(board.raw, late.id)).toBe(1);
    expect(countOf(board.raw, fast.id)).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDayStart, ON_DUTY_WINDOW_MS } from '@cityops/domain';
import {
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
import { User } from '../support/api-client.ts';
import {
  actOk,
  gridsWithin,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

/**
 * The board view of the snapshot is kept in memory and caught up from the events
 * (BoardSnapshots); the full view is read whole every time. At the same event both must say the
 * same thing: every row and every figure. The server's clock is held still while they are
 * compared, so nothing that moves with the clock differs between the two reads.
 */
const SEWER = 'municipal.sewer_blocked';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let pg: Awaited<ReturnType<typeof createPostgresDatabase>>;
let server: TestServer;
let field: User;
let dispatcher: User;
let department: User;
let huayuanlu: User;
let clock = 0;

beforeAll(async () => {
  pg = await createPostgresDatabase();
  server = await startTestServer({ databaseUrl: pg.url });
  [field, dispatcher, department, huayuanlu] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'department'),
    User.login(server.url, 'huayuanlu'),
  ]);
  // Local noon today: a day's turn is at least twelve hours off either way.
  clock = localDayStart(new Date(), 480).getTime() + 12 * HOUR;
  server.setNow(new Date(clock));
});
afterAll(async () => {
  server?.setNow(null);
  await server?.close();
  await pg?.drop();
});

/** Move the server's clock on (each step at its own time, as they would happen). */
function later(ms = 1000): void {
  clock += ms;
  server.setNow(new Date(clock));
}

const report = (extra: Record<string, unknown> = {}): Promise<IncidentDto> =>
  reportOk(field, {
    category: SEWER,
    ...pointIn(storyGrid(server)),
    description: uniqueText('下水道堵塞'),
    ...extra,
  });

/** Run actions one after the other, each at its own time; returns the incident after the last. */
async function steps(
  i: IncidentDto,
  ...actions: [User, Record<string, unknown>][]
): Promise<IncidentDto> {
  let cur = i;
  for (const [user, action] of actions) {
    later();
    cur = await actOk(user, cur.id, { ...action, expectedVersion: cur.version });
  }
  return cur;
}

/** Both views of `scope` at the same event, and what the board view stands for. */
async function bothViews(
  user: User,
  scope?: string,
): Promise<{ full: Snapshot; board: BoardSnapshot }> {
  const q = scope ? `scope=${scope}&` : '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const full = await user.get<Snapshot>(`/api/snapshot?${q}`);
    const board = await user.get<BoardSnapshot>(`/api/snapshot?${q}view=board`);
    expect(full.status).toBe(200);
    expect(board.status).toBe(200);
    expect(board.headers.get('server-timing')).toMatch(
      /^before;dur=[\d.]+, auth;dur=[\d.]+, wait;dur=[\d.]+, update;dur=[\d.]+, render;dur=[\d.]+, gzip;dur=[\d.]+, reused;desc=(yes|no)$/,
    );
    // fetch asks for gzip and unpacks it: the body above came compressed.
    expect(board.headers.get('content-encoding')).toBe('gzip');
    if (full.body.lastEventId === board.body.lastEventId)
      return { full: full.body, board: board.body };
  }
  throw new Error('the two views never read at the same event');
}

/** How many times the server brought a board copy up to date, by kind (from /metrics). */
async function reads(kind: 'whole' | 'catch_up'): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(
    `^cityops_board_snapshot_read_seconds_count\\{kind="${kind}"\\} (\\d+)$`,
    'm',
  ).exec(text);
  return m ? Number(m[1]) : 0;
}

async function expectSameBoard(user: User, scope?: string): Promise<Snapshot> {
  const { full, board } = await bothViews(user, scope);
  const { board: _rows, incidents: _none, serverTime: _t1, ...boardRest } = board;
  const { incidents: fullIncidents, serverTime: _t2, ...fullRest } = full;
  expect(boardRest).toEqual(fullRest);
  const blank = { description: '', address: null, photos: [], reporter: null, extension: null };
  const byId = (a: IncidentDto, b: IncidentDto): number => a.id - b.id;
  expect(expandBoardSnapshot(board).incidents.sort(byId)).toEqual(
    fullIncidents.map((i) => ({ ...i, ...blank })).sort(byId),
  );
  return full;
}

describe('the board snapshot kept in memory', () => {
  it('caught up from the events, has the rows and figures of a full read', async () => {
    const home = storyGrid(server);
    const street = home.path.at(-2)!;
    const district = home.path[1]!;
    const neighbour = gridsWithin(server, street).find((g) => g.code !== home.code)!;

    // Yesterday's work, which today's figures are compared with.
    const today = clock;
    clock = today - DAY - 2 * HOUR;
    server.setNow(new Date(clock));
    const fixedYesterday = await steps(
      await report(),
      [dispatcher, { action: 'file' }],
      [dispatcher, { action: 'dispatch', department: 'water' }],
      [department, { action: 'sign' }],
      [department, { action: 'resolve', note: '已疏通' }],
    );
    const openYesterday = await report({ priority: 'urgent' });
    clock = today;
    server.setNow(new Date(clock));

    // The copies are made now: the city's, a district's and a street's.
    const expectSameBoards = async (): Promise<Snapshot> => {
      await expectSameBoard(dispatcher, district);
      await expectSameBoard(huayuanlu);
      return expectSameBoard(dispatcher);
    };
    await expectSameBoards();
    expect(await reads('whole')).toBe(3);

    // A day's worth of changes, every kind the board shows.
    const closed = await steps(
      await report(),
      [dispatcher, { action: 'file' }],
      [dispatcher, { action: 'dispatch', department: 'water' }],
      [department, { action: 'sign' }],
      [department, { action: 'resolve', note: '已疏通' }],
      [field, { action: 'verify', passed: true, note: '现场核查已通畅' }],
    );
    await steps(
      await report(),
      [dispatcher, { action: 'file' }],
      [dispatcher, { action: 'dispatch', department: 'water' }],
      [department, { action: 'return', reason: '非本单位职责' }],
    );
    await steps(await report(), [dispatcher, { action: 'reject', reason: '重复' }]);
    const merged = await report();
    await steps(merged, [dispatcher, { action: 'merge', into: openYesterday.id }]);
    later();
    expect((await field.post('/api/checkins', { ...pointIn(home), kind: 'start' })).status).toBe(
      201,
    );
    later();
    expect((await field.post('/api/checkins', pointIn(neighbour))).status).toBe(201);
    // Sent late from a phone that was offline: older than the last, so the worker stays put,
    // and it still counts as a visit.
    later();
    const late = await field.post('/api/checkins', {
      ...pointIn(home),
      at: new Date(clock - 30 * MINUTE).toISOString(),
    });
    expect(late.status).toBe(201);
    // Within the minute: the worker new to the copies has their name from the accounts already.
    await expectSameBoards();

    // Yesterday's resolved incident fails its check today: yesterday's figures change too.
    await steps(fixedYesterday, [field, { action: 'verify', passed: false, note: '仍有积水' }]);
    // Yesterday's urgent incident is past its deadline: the SLA clock flags it.
    later();
    expect((await server.app.sla.tick()).overdue).toBeGreaterThan(0);

    // The figures that move with the clock are read again at most a minute later.
    later(61_000);
    const city = await expectSameBoards();
    // ... from copies caught up from the events, not read again.
    expect(await reads('whole')).toBe(3);
    expect(await reads('catch_up')).toBeGreaterThan(0);

    // What was compared is really there: each change is in the full read.
    const ids = city.incidents.map((i) => i.id);
    expect(ids).toContain(closed.id);
    expect(city.incidents.find((i) => i.id === merged.id)?.mergedInto).toBe(openYesterday.id);
    expect(city.departmentReturns).toEqual({ water: 1 });
    expect(city.workers.map((w) => w.gridCode)).toContain(neighbour.code);
    expect(city.gridVisits[home.code]).toBeDefined();
    expect(city.kpis.resolvedToday).toBe(1);
    // Today's reports per hour: all of them, each in its local hour (+08:00), all at noon here.
    expect(city.hourly.today.reduce((a, b) => a + b, 0)).toBe(city.kpis.reportedToday);
    expect(city.hourly.today[12]).toBe(city.kpis.reportedToday);
    // Yesterday's two reports, at 10:00 local yesterday, in the 7-day mean of that hour.
    expect(city.hourly.avg7[10]).toBe(Math.round((2 / 7) * 10) / 10);
  });

  it('on a new day, holds what a full read of that day holds', async () => {
    const before = await reads('whole');
    later(DAY);
    const city = await expectSameBoard(dispatcher);
    expect(await reads('whole')).toBeGreaterThan(before);
    expect(city.kpis.reportedToday).toBe(0);
    expect(city.kpis.open).toBeGreaterThan(0);
  });

  it('is the principal’s region only: another district is 403', async () => {
    const other = server.city.districts.find((d) => d.code !== storyGrid(server).path[1])!;
    const r = await huayuanlu.get(`/api/snapshot?scope=${other.code}&view=board`);
    expect(r.status).toBe(403);
  });
});

describe('the gzipped board snapshot', () => {
  /** The city's board as the dispatcher gets it, and whether it was an earlier request's answer. */
  async function board(): Promise<{ reused: boolean; body: BoardSnapshot }> {
    const r = await dispatcher.get<BoardSnapshot>('/api/snapshot?view=board');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-encoding')).toBe('gzip');
    const timing = /reused;desc=(yes|no)$/.exec(r.headers.get('server-timing') ?? '');
    expect(timing).not.toBeNull();
    return { reused: timing![1] === 'yes', body: r.body };
  }

  it('is sent again while nothing it shows has changed, and made again when something has', async () => {
    // The figures that move with the clock are read now, and hold for the next minute.
    later(61_000);
    const first = await board();
    const again = await board();
    expect(again.reused).toBe(true);
    // The same answer, down to the time it was made.
    expect(again.body).toEqual(first.body);

    // An event: made again, with it in.
    later();
    const fresh = await report();
    const after = await board();
    // Made again (for this request, or ahead of it by a quiet round of catching up).
    expect(after.body.serverTime).not.toBe(first.body.serverTime);
    expect(after.body.lastEventId).toBeGreaterThan(first.body.lastEventId);
    expect(expandBoardSnapshot(after.body).incidents.map((i) => i.id)).toContain(fresh.id);
    expect((await board()).reused).toBe(true);

    // A worker on duty since a check-in sent late from an offline phone, twenty seconds short
    // of the on-duty window: half a minute later they are off duty, with no event in between.
    const grid = gridsWithin(server, storyGrid(server).path.at(-2)!).find(
      (g) => g.code !== storyGrid(server).code,
    )!;
    const worker = await User.login(server.url, `w${grid.code}`);
    later();
    const checkin = await worker.post('/api/checkins', {
      ...pointIn(grid),
      at: new Date(clock - ON_DUTY_WINDOW_MS + 20_000).toISOString(),
    });
    expect(checkin.status).toBe(201);
    const onDuty = await board();
    expect(onDuty.body.serverTime).not.toBe(after.body.serverTime);
    expect((await board()).reused).toBe(true);
    later(30_000);
    const offDuty = await board();
    expect(offDuty.body.serverTime).not.toBe(onDuty.body.serverTime);
    expect(offDuty.body.lastEventId).toBe(onDuty.body.lastEventId);
    expect(offDuty.body.kpis.workersOnDuty).toBe(onDuty.body.kpis.workersOnDuty - 1);
    // ... and what it says is what a full read says.
    await expectSameBoard(dispatcher);
  });

  it('is made again between requests once a round of catching up brings no event', async () => {
    const first = await board();
    later();
    const fresh = await report();
    // A round catches up the report; the next, with no event, makes the answer again.
    const ahead = await madeAhead();
    await expect.poll(madeAhead, { timeout: 20_000, interval: 100 }).toBeGreaterThan(ahead);
    const next = await board();
    expect(next.reused).toBe(true);
    expect(next.body.lastEventId).toBeGreaterThan(first.body.lastEventId);
    expect(expandBoardSnapshot(next.body).incidents.map((i) => i.id)).toContain(fresh.id);
    // Not again within ten seconds: another report and two more rounds make nothing ahead.
    const made = await madeAhead();
    later();
    const another = await report();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await madeAhead()).toBe(made);
    // The request makes it, with the report in.
    const asked = await board();
    expect(asked.reused).toBe(false);
    expect(expandBoardSnapshot(asked.body).incidents.map((i) => i.id)).toContain(another.id);
    await expectSameBoard(dispatcher);
  });
});

/** How many gzipped board answers the server made ahead of a request (from /metrics). */
async function madeAhead(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^cityops_board_snapshot_made_ahead_total (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

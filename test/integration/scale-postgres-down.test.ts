/**
 * Postgres restarted (crash stop, 5 s down) under a stream of reports, on a private Postgres
 * cluster so nobody else's database is touched. Intake answers 503 with Retry-After while it is
 * away, never a 2xx for a write that did not commit, and works again once it is back; the board
 * snapshot's kept copy answers 503 too, then holds what a full read holds.
 * Fails, never skips, when the Postgres server binaries are absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { expandBoardSnapshot, type BoardSnapshot, type Snapshot } from '@cityops/protocol';
import { User, type Reply } from '../support/api-client.ts';
import {
  CLUSTER_PASSWORD,
  PrivatePostgres,
  freePort,
  reportableGrids,
  spawnNode,
  type ServerProcess,
} from '../support/cluster-processes.ts';

const SEWER = 'municipal.sewer_blocked';
let postgres: PrivatePostgres;
let server: ServerProcess;

beforeAll(async () => {
  postgres = new PrivatePostgres(await freePort());
  await postgres.init();
  server = await spawnNode({
    DATABASE_URL: postgres.url,
    DEMO: '1',
    DEMO_HISTORY: '0',
    SIMULATOR_RATE: '0',
    DEMO_PASSWORD: CLUSTER_PASSWORD,
    PORT: '0',
  });
}, 240_000);
afterAll(async () => {
  await server?.stop();
  postgres?.destroy();
}, 60_000);

describe('Postgres restart under load', () => {
  it('answers 503 + Retry-After while the database is away, never 2xx for an uncommitted write, and recovers', async () => {
    const dispatcher = await User.login(server.url, 'dispatcher', CLUSTER_PASSWORD);
    const grids = reportableGrids();
    const replies: { description: string; status: number; retryAfter: string | null }[] = [];
    const pending: Promise<void>[] = [];
    const rate = 10;
    const t0 = Date.now();
    let downAt = 0;
    let upAt = 0;
    let readyWhileDown: number | null = null;
    let boardWhileDown: number | null = null;
    // The board snapshot's kept copy exists before the outage (the city's is read at start).
    expect((await dispatcher.get('/api/snapshot?view=board')).status).toBe(200);
    for (let i = 0; i < rate * 14; i++) {
      const due = t0 + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (!downAt && Date.now() - t0 >= 3000) {
        await postgres.stop();
        downAt = Date.now();
      }
      if (downAt && readyWhileDown === null && Date.now() - downAt >= 2000) {
        readyWhileDown = (await fetch(`${server.url}/readyz`)).status;
        boardWhileDown = (await dispatcher.get('/api/snapshot?view=board')).status;
      }
      if (downAt && !upAt && Date.now() - downAt >= 5000) {
        await postgres.start();
        upAt = Date.now();
      }
      const g = grids[(i * 17) % grids.length]!;
      const description = `pg-down ${i}`;
      pending.push(
        dispatcher
          .post('/api/incidents', {
            category: SEWER,
            lng: g.center[0],
            lat: g.center[1],
            description,
          })
          .then(
            (r: Reply) => {
              replies.push({
                description,
                status: r.status,
                retryAfter: r.headers.get('retry-after'),
              });
            },
            // No answer at all (status 0): the server is gone, which the check below reports.
            () => void replies.push({ description, status: 0, retryAfter: null }),
          ),
      );
    }
    await Promise.all(pending);
    // The server outlived the outage (a lost connection once took the process down with it).
    expect(server.child.exitCode ?? server.child.signalCode, server.output()).toBeNull();
    expect(upAt).toBeGreaterThan(0);

    const statuses = new Set(replies.map((r) => r.status));
    expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    const unavailable = replies.filter((r) => r.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.filter((r) => r.retryAfter === null)).toEqual([]);
    expect(readyWhileDown).toBe(503);
    // The kept copy cannot be brought up to date: 503 too, not a stale answer, not a 500.
    expect(boardWhileDown).toBe(503);

    // Every 2xx is committed, exactly once; nothing answered 503 was half-written as 2xx.
    const c = new pg.Client({ connectionString: postgres.url });
    await c.connect();
    try {
      const rows = await c.query<{ description: string; n: string }>(
        "select description, count(*) as n from incidents where description like 'pg-down %' group by description",
      );
      const stored = new Map(rows.rows.map((r) => [r.description, Number(r.n)]));
      const created = replies.filter((r) => r.status === 201).map((r) => r.description);
      expect(created.filter((d) => stored.get(d) !== 1)).toEqual([]);
      expect([...stored.values()].filter((n) => n > 1)).toEqual([]);
    } finally {
      await c.end();
    }

    // And it works again: the last second's reports were accepted.
    const last = replies.filter((r) => Number(r.description.split(' ')[1]) >= rate * 13);
    expect(last.length).toBeGreaterThan(0);
    expect(last.every((r) => r.status === 201)).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    // The copy, left half-updated by the outage, holds what a full read holds again.
    let full: Snapshot | null = null;
    let board: BoardSnapshot | null = null;
    for (let i = 0; i < 10 && (!full || full.lastEventId !== board?.lastEventId); i++) {
      full = (await dispatcher.get<Snapshot>('/api/snapshot')).body;
      board = (await dispatcher.get<BoardSnapshot>('/api/snapshot?view=board')).body;
    }
    expect(board!.lastEventId).toBe(full!.lastEventId);
    expect(board!.kpis).toEqual(full!.kpis);
    const ids = (rows: number[]): number[] => [...rows].sort((a, b) => a - b);
    expect(ids(expandBoardSnapshot(board!).incidents.map((i) => i.id))).toEqual(
      ids(full!.incidents.map((i) => i.id)),
    );
  });
});

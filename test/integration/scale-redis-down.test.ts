/**
 * Redis down for 10 s in the middle of a stream of reports, with boards on two processes. A
 * private redis-server is started and stopped, so nobody else's Redis is touched. Writes keep
 * succeeding, /readyz says Redis is down meanwhile, and once Redis is back every board catches
 * up with the database within 10 s. Fails, never skips, when Postgres or redis-server is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { buildCity } from '@cityops/seed';
import { createPostgresDatabase } from '../support/test-server.ts';
import { User, type Reply } from '../support/api-client.ts';
import {
  Board,
  CLUSTER_PASSWORD,
  Cluster,
  RedisServer,
  converge,
  freePort,
  reportableGrids,
} from '../support/cluster-processes.ts';

const RATE = Number(process.env.SCALE_RATE ?? 20);
const SEWER = 'municipal.sewer_blocked';

let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
let redis: RedisServer;
let cluster: Cluster;
const boards: Board[] = [];

beforeAll(async () => {
  redis = new RedisServer(await freePort());
  await redis.start();
  db = await createPostgresDatabase();
  cluster = new Cluster({ size: 2, databaseUrl: db.url, redisUrl: redis.url });
  await cluster.start();
}, 240_000);
afterAll(async () => {
  for (const b of boards) b.close();
  await cluster?.stop();
  await redis?.stop();
  await db?.drop();
}, 60_000);

async function readiness(
  url: string,
): Promise<{ status: number; redis: string | undefined; database: string | undefined }> {
  const r = await fetch(`${url}/readyz`);
  const body = (await r.json()) as { checks: Record<string, string> };
  return { status: r.status, redis: body.checks.redis, database: body.checks.database };
}

describe('scale-out: Redis down for 10 s', () => {
  it('loses no write, says so on /readyz, and the boards on every process catch up within 10 s of its return', async () => {
    await cluster.waitForLeader(10_000);
    const procs = cluster.alive();
    for (const p of procs)
      expect(await readiness(p.url)).toMatchObject({ status: 200, redis: 'ok', database: 'ok' });
    const city = buildCity('demo');
    const scopes = [city.city.code, city.districts[0]!.code, city.streets[0]!.code];
    const operator = await User.login(procs[0]!.url, 'operator', CLUSTER_PASSWORD);
    const dispatcher = await User.login(procs[0]!.url, 'dispatcher', CLUSTER_PASSWORD);
    for (let i = 0; i < 30; i++) boards.push(new Board(operator, scopes[i % scopes.length]!));
    await Promise.all(boards.map((b, i) => b.connect(procs[i % procs.length]!.url)));

    const grids = reportableGrids();
    const statuses: number[] = [];
    const ok = new Set<string>();
    const pending: Promise<void>[] = [];
    const during: Awaited<ReturnType<typeof readiness>>[] = [];
    const seconds = 16;
    const t0 = Date.now();
    let downAt = 0;
    let upAt = 0;
    for (let i = 0; i < RATE * seconds; i++) {
      const due = t0 + (i * 1000) / RATE;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const elapsed = Date.now() - t0;
      if (!downAt && elapsed >= 3000) {
        await redis.stop();
        downAt = Date.now();
      }
      if (downAt && !upAt && Date.now() - downAt >= 4000 && during.length === 0) {
        for (const p of procs) during.push(await readiness(p.url));
      }
      if (downAt && !upAt && Date.now() - downAt >= 10_000) {
        await redis.start();
        upAt = Date.now();
      }
      const target = procs[i % procs.length]!;
      const user = Object.assign(new User(target.url, 'dispatcher'), { cookie: dispatcher.cookie });
      const g = grids[(i * 53) % grids.length]!;
      const description = `redis-down ${i}`;
      pending.push(
        user
          .post('/api/incidents', {
            category: SEWER,
            lng: g.center[0],
            lat: g.center[1],
            description,
          })
          .then(async (r: Reply) => {
            statuses.push(r.status);
            if (r.status !== 201) return;
            ok.add(description);
            if (i % 3 === 0)
              await user.post(`/api/incidents/${(r.body as { id: number }).id}/actions`, {
                action: 'file',
                expectedVersion: 1,
              });
          }),
      );
    }
    await Promise.all(pending);
    expect(upAt).toBeGreaterThan(0);

    // No write lost: every report was accepted (intake does not need Redis) and is stored once.
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows = await c.query<{ description: string; n: string }>(
        "select description, count(*) as n from incidents where description like 'redis-down %' group by description",
      );
      expect(rows.rows.length).toBe(ok.size);
      expect(rows.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    } finally {
      await c.end();
    }

    // Honest readiness while Redis was away; the database stayed fine.
    expect(during).toHaveLength(procs.length);
    for (const r of during) {
      expect(r.status).toBe(503);
      expect(r.redis).toMatch(/^down/);
      expect(r.database).toBe('ok');
    }

    // Every board, on either process, catches up within 10 s of Redis coming back.
    await converge(boards, db.url, Math.max(1000, 10_000 - (Date.now() - upAt)));
    expect(boards.every((b) => !b.lost)).toBe(true);
    for (const p of procs) expect((await readiness(p.url)).status).toBe(200);
  });
});

/**
 * Cross-process fan-out through each Socket.IO Redis adapter: two server processes on Postgres
 * and Redis, sockets spread over both, reports at a fixed rate; latency from POST to arrival,
 * split by whether the socket sits on the leader (local emit) or the other process (via Redis).
 *   pnpm bench adapters [--sockets=200] [--rate=50] [--seconds=10] [--adapters=streams,pubsub,sharded]
 */
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import type { Event } from '@cityops/protocol';
import { createPostgresDatabase } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import {
  CLUSTER_PASSWORD,
  Cluster,
  reportableGrids,
  requireRedis,
} from '../support/cluster-processes.ts';
import { flags, machineLoad, summarise, table } from './bench-util.ts';

const opt = flags(process.argv.slice(2), {
  sockets: '200',
  rate: '50',
  seconds: '10',
  adapters: 'streams,pubsub,sharded',
});
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
await requireRedis(REDIS_URL);
const rows: (string | number)[][] = [
  ['adapter', 'socket on', 'p50 ms', 'p99 ms', 'max ms', 'delivered/s', 'lost'],
];
const loadBefore = machineLoad();

for (const adapter of opt.adapters.split(',')) {
  const db = await createPostgresDatabase();
  const cluster = new Cluster({
    size: 2,
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    env: { SOCKET_ADAPTER: adapter },
  });
  try {
    await cluster.start();
    const leader = await cluster.waitForLeader(10_000);
    const procs = cluster.procs.map((p) => p!);
    const operator = await User.login(procs[0]!.url, 'operator', CLUSTER_PASSWORD);
    const dispatcher = await User.login(procs[0]!.url, 'dispatcher', CLUSTER_PASSWORD);
    const sentAt = new Map<string, number>();
    const arrivals: { leader: number[]; other: number[] } = { leader: [], other: [] };
    let delivered = 0;
    const sockets = await Promise.all(
      Array.from({ length: Number(opt.sockets) }, async (_, i) => {
        const onLeader = i % 2 === leader;
        const s = io(`${procs[i % 2]!.url}/live`, {
          path: '/socket.io',
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          extraHeaders: { cookie: operator.cookie },
        });
        await new Promise<void>((resolve, reject) => {
          s.once('connect', () => resolve());
          s.once('connect_error', reject);
        });
        await s.timeout(15_000).emitWithAck('subscribe', { scope: '410100' });
        s.on('events', ({ events }: { events: Event[] }) => {
          const now = performance.now();
          for (const e of events) {
            const d = (e.data.incident as { description?: string } | undefined)?.description;
            const t = d ? sentAt.get(d) : undefined;
            if (t === undefined) continue;
            delivered++;
            (onLeader ? arrivals.leader : arrivals.other).push(now - t);
          }
        });
        return s;
      }),
    );
    const grids = reportableGrids();
    const rate = Number(opt.rate);
    const n = rate * Number(opt.seconds);
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const g = grids[(i * 31) % grids.length]!;
      const user = Object.assign(new User(procs[i % 2]!.url, 'dispatcher'), {
        cookie: dispatcher.cookie,
      });
      const description = `${adapter} ${i}`;
      sentAt.set(description, performance.now());
      pending.push(
        user.post('/api/incidents', {
          category: 'municipal.sewer_blocked',
          lng: g.center[0],
          lat: g.center[1],
          description,
        }),
      );
    }
    await Promise.all(pending);
    const expected = n * sockets.length;
    const until = performance.now() + 10_000;
    while (delivered < expected && performance.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    const elapsed = (performance.now() - t0) / 1000;
    for (const [where, xs] of [
      ['leader', arrivals.leader],
      ['other process', arrivals.other],
    ] as const) {
      const s = summarise(xs);
      rows.push([
        adapter,
        where,
        s.p50,
        s.p99,
        s.max,
        xs.length / elapsed,
        (n * sockets.length) / 2 - xs.length,
      ]);
    }
    for (const s of sockets) s.close();
  } finally {
    await cluster.stop();
    await db.drop();
  }
}
console.log(
  `fan-out across 2 processes: ${opt.sockets} sockets (half on each), ${opt.rate} reports/s for ${opt.seconds} s, Postgres + Redis`,
);
console.log(table(rows));
console.log(`machine load ${loadBefore} → ${machineLoad()} (1-min average, 2 cores)`);

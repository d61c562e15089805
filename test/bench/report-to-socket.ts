/**
 * Time from `POST /api/incidents` to the event's arrival at a subscribed socket, against the
 * bare POST round trip of the same reports (the floor: the event cannot leave before its commit).
 * The server runs in its own process; this process is the client.
 *   pnpm bench report-to-socket [--reports=1000] [--rate=50] [--db=memory|disk|postgres] [--history=0] [--simulator=0]
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '@cityops/protocol';
import { spawnServer } from '../support/spawn-server.ts';
import { User } from '../support/api-client.ts';
import { createPostgresDatabase } from '../support/test-server.ts';
import { flags, histogramQuantile, machineLoad, scrape, summarise, table } from './bench-util.ts';

const opt = flags(process.argv.slice(2), {
  reports: '1000',
  rate: '50',
  db: 'memory',
  history: '0',
  simulator: '0',
});
const N = Number(opt.reports);
const RATE = Number(opt.rate);
const PASSWORD = 'bench-password';

const dataDir = opt.db === 'disk' ? mkdtempSync(join(tmpdir(), 'cityops-bench-')) : null;
const pg = opt.db === 'postgres' ? await createPostgresDatabase() : null;
const dbEnv: Record<string, string> = pg
  ? { DATABASE_URL: pg.url }
  : dataDir
    ? { DATABASE_URL: '', DATA_DIR: dataDir }
    : { DATABASE_URL: 'memory://' };
const loadBefore = machineLoad();
const server = await spawnServer(
  {
    ...dbEnv,
    DEMO: '1',
    DEMO_HISTORY: opt.history,
    SIMULATOR_RATE: opt.simulator,
    DEMO_PASSWORD: PASSWORD,
    PORT: '0',
  },
  600_000,
);
try {
  const field = await User.login(server.url, 'field', PASSWORD);
  const op = await User.login(server.url, 'operator', PASSWORD);
  const me = (await field.get('/api/auth/me')).body as { gridCode: string };
  const grid = (await op.get(`/api/grids?scope=${me.gridCode}`)).body as {
    features: { properties: { center: [number, number] } }[];
  };
  const [lng, lat] = grid.features[0]!.properties.center;
  const sock = op.socket();
  const ack = await sock.subscribe('410100');
  if (!ack.ok) throw new Error(`subscribe failed: ${ack.error}`);

  interface Sample {
    sent: number;
    replied?: number;
    arrived?: number;
    copies: number;
  }
  const samples = new Map<string, Sample>();
  let lastId = 0;
  let outOfOrder = 0;
  sock.socket.on('events', ({ events }: { events: Event[] }) => {
    const now = performance.now();
    for (const e of events) {
      if (e.id <= lastId) outOfOrder++;
      lastId = Math.max(lastId, e.id);
      const desc = (e.data.incident as { description?: string } | undefined)?.description;
      const s = e.type === 'incident.reported' && desc ? samples.get(desc) : undefined;
      if (!s) continue;
      s.copies++;
      s.arrived ??= now;
    }
  });
  for (let i = 0; i < 20; i++)
    await field.post('/api/incidents', {
      category: 'municipal.sewer_blocked',
      lng,
      lat,
      description: 'warm-up',
    });
  await new Promise((r) => setTimeout(r, 500));

  const metricsUrl = `${server.url}/metrics`;
  const before = await scrape(metricsUrl);
  const interval = 1000 / RATE;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  const failed: string[] = [];
  for (let i = 0; i < N; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const s: Sample = { sent: performance.now(), copies: 0 };
    samples.set(`bench ${i}`, s);
    pending.push(
      field
        .post('/api/incidents', {
          category: 'municipal.sewer_blocked',
          lng,
          lat,
          description: `bench ${i}`,
        })
        .then((r) => {
          if (r.status === 201) s.replied = performance.now();
          else failed.push(String(r.status));
        })
        .catch((err: unknown) => {
          failed.push((err as Error).message);
        }),
    );
  }
  await Promise.all(pending);
  const until = performance.now() + 10_000;
  while (
    [...samples.values()].some((s) => s.replied !== undefined && s.arrived === undefined) &&
    performance.now() < until
  )
    await new Promise((r) => setTimeout(r, 50));
  const after = await scrape(metricsUrl);
  sock.close();

  const all = [...samples.values()].filter((s) => s.replied !== undefined);
  const got = all.filter((s) => s.arrived !== undefined);
  const post = summarise(all.map((s) => s.replied! - s.sent));
  if (failed.length)
    console.log(
      `${failed.length} POSTs failed (server overloaded?): ${[...new Set(failed)].slice(0, 3).join('; ')}`,
    );
  const e2e = summarise(got.map((s) => s.arrived! - s.sent));
  const added = summarise(got.map((s) => s.arrived! - s.replied!));
  const cpu = (m: Map<string, number>): number => m.get('process_cpu_seconds_total') ?? NaN;
  const cpuMsPerReport = ((cpu(after) - cpu(before)) * 1000) / N;
  const ms = (s: number): number => s * 1000;
  console.log(
    `report → socket: ${N} reports at ${RATE}/s, one socket subscribed to the city, db ${opt.db}, history ${opt.history}, simulator ${opt.simulator}/s`,
  );
  console.log(
    table([
      ['', 'median ms', 'p99 ms', 'max ms'],
      ['POST round trip (floor)', post.p50, post.p99, post.max],
      ['report → socket', e2e.p50, e2e.p99, e2e.max],
      ['socket arrival − POST reply', added.p50, added.p99, added.max],
    ]),
  );
  console.log(
    `received ${got.length}/${all.length} accepted reports, duplicated ${all.filter((s) => s.copies > 1).length}, out of order ${outOfOrder}; ` +
      `server CPU ${cpuMsPerReport.toFixed(1)} ms/report (${((cpuMsPerReport * RATE) / 10).toFixed(0)}% of a core), ` +
      `event-loop delay p99 ${ms(after.get('nodejs_eventloop_lag_p99_seconds') ?? NaN).toFixed(1)} ms max ${ms(after.get('nodejs_eventloop_lag_max_seconds') ?? NaN).toFixed(1)} ms; ` +
      `relay commit→emit p50 ≤ ${ms(histogramQuantile(before, after, 'cityops_relay_lag_seconds', 0.5))} ms, p99 ≤ ${ms(histogramQuantile(before, after, 'cityops_relay_lag_seconds', 0.99))} ms; ` +
      `machine load ${loadBefore} → ${machineLoad()} (1-min average)`,
  );
  if (got.length < all.length || failed.length) process.exitCode = 1;
} finally {
  await server.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await pg?.drop();
}

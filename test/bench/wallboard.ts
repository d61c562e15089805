/**
 * The wallboard under load, in real Chromium: the `full` city (7,876 grids), N open incidents,
 * the live simulator driving the public API. Two tabs side by side in the same run: the board
 * as built (events batched into one flush per ≤250 ms, one `setData` per flush) and the naive
 * variant (`?naive=1`: one flush, so one whole-source `setData`, per event).
 * Prints per tab: first full render, flush main-thread time (apply + every effect it sets off,
 * timed with flushSync), long tasks over 50 ms, and JS heap growth after the first minute.
 *   pnpm bench wallboard [--minutes=10] [--open=50000] [--rate=200] [--scale=full] [--sims=8] [--only=batched|naive] [--profile=/tmp/board]
 * Needs a web build (WEB_BUILD_DIR or web/build) and Postgres (the bench writes the open incidents).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CDPSession, Page } from 'playwright-core';
import { CATEGORIES, encodePath, type IncidentState } from '@cityops/domain';
import { incidents as incidentsTable, open } from '@cityops/db';
import { buildCity, startSimulator, type CityScale } from '@cityops/seed';
import { launchBrowser, loginContext } from '../support/browser.ts';
import { spawnServer } from '../support/spawn-server.ts';
import { createPostgresDatabase, WEB_BUILD } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { flags, fmt, machineLoad, table } from './bench-util.ts';

const opt = flags(process.argv.slice(2), {
  minutes: '10',
  open: '50000',
  rate: '200',
  scale: 'full',
  sims: '8',
  profile: '',
  only: '',
});
/** One simulator waits for each action before the next: several in parallel reach the rate. */
const SIMS = Math.max(1, Number(opt.sims));
const MINUTES = Number(opt.minutes);
const OPEN = Number(opt.open);
const RATE = Number(opt.rate);
const PASSWORD = 'bench-password';

const pg = await createPostgresDatabase();
const server = await spawnServer(
  {
    DATABASE_URL: pg.url,
    DEMO: '1',
    DEMO_SCALE: opt.scale,
    DEMO_HISTORY: '0',
    SIMULATOR_RATE: '0',
    DEMO_PASSWORD: PASSWORD,
    PORT: '0',
    WEB_DIR: WEB_BUILD,
  },
  600_000,
);
const db = await open({ url: pg.url });
const browser = await launchBrowser();
const running: { sim: { stop: () => void } | null } = { sim: null };

/** Open incidents written straight into the database (the board reads them in its snapshot). */
async function writeOpenIncidents(n: number): Promise<void> {
  const city = buildCity(opt.scale as CityScale);
  const states: IncidentState[] = ['reported', 'filed', 'dispatched', 'in_progress', 'resolved'];
  const now = Date.now();
  const BATCH = 1000;
  for (let start = 0; start < n; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const grid = city.grids[(i * 7919) % city.grids.length]!;
      const cat = CATEGORIES[i % CATEGORIES.length]!;
      const state = states[i % states.length]!;
      const reportedAt = new Date(now - ((i * 104729) % (72 * 3_600_000)));
      const deadline = new Date(reportedAt.getTime() + cat.deadlineHours * 3_600_000);
      const dispatched = state === 'dispatched' || state === 'in_progress' || state === 'resolved';
      rows.push({
        state,
        categoryCode: cat.code,
        priority: i % 17 === 0 ? ('urgent' as const) : ('normal' as const),
        source: 'hotline' as const,
        description: `bench ${i}`,
        lng: grid.center[0] + (((i * 31) % 100) - 50) * 1e-6,
        lat: grid.center[1] + (((i * 17) % 100) - 50) * 1e-6,
        gridCode: grid.code,
        path: encodePath(grid.path),
        departmentCode: dispatched ? cat.department : null,
        deadline,
        overdue: deadline.getTime() < now && state !== 'resolved',
        reportedAt,
        filedAt: state === 'reported' ? null : reportedAt,
        dispatchedAt: dispatched ? reportedAt : null,
        resolvedAt: state === 'resolved' ? new Date(now - 60_000) : null,
        updatedAt: reportedAt,
      });
    }
    await db.db.insert(incidentsTable).values(rows);
  }
}

interface Variant {
  name: string;
  page: Page;
  cdp: CDPSession;
  firstRenderMs: number;
  heapAtMinute?: number;
}

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
}

async function openBoard(name: string, query: string): Promise<Variant> {
  const context = await loginContext(browser, server.url, 'operator', PASSWORD);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { at: number; ms: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ at: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`/wallboard?${query}`);
  await page.waitForFunction(
    () => performance.getEntriesByName('board:first-full-render').length > 0,
    null,
    { timeout: 120_000, polling: 100 },
  );
  const firstRenderMs = await page.evaluate(
    () => performance.getEntriesByName('board:first-full-render')[0]!.startTime,
  );
  return { name, page, cdp, firstRenderMs };
}

/** page.evaluate, but give up after `ms`: a saturated naive tab may never answer. */
async function within<T>(ms: number, p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const log = (msg: string): void =>
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** One tab for MINUTES under the simulator; returns its row of the table. */
async function measure(
  name: string,
  query: string,
  operator: User,
  scope: string,
): Promise<(string | number)[]> {
  const v = await openBoard(name, query);
  log(`${name}: first full render ${fmt(v.firstRenderMs, 0)} ms`);
  const counter = operator.socket();
  if (!(await counter.subscribe(scope)).ok) throw new Error('subscribe failed');
  const since = await v.page.evaluate(() => {
    (window as unknown as { __boardPerf: { flushes: number[] } }).__boardPerf.flushes.length = 0;
    return performance.now();
  });
  const sims = Array.from({ length: SIMS }, (_, k) =>
    startSimulator({ baseUrl: server.url, password: PASSWORD, rate: RATE / SIMS, seed: 1000 + k }),
  );
  const simulator = { stop: (): void => sims.forEach((x) => x.stop()) };
  running.sim = simulator;
  await Promise.all(sims.map((x) => x.ready));
  const runStart = performance.now();
  await new Promise((r) => setTimeout(r, 60_000));
  const heapAtMinute = (await within(30_000, heapMb(v.cdp))) ?? NaN;
  if (opt.profile) {
    // A CPU profile of 20 s under load (open it in Chrome DevTools), for finding the hot spots.
    await v.cdp.send('Profiler.enable');
    await v.cdp.send('Profiler.start');
    await new Promise((r) => setTimeout(r, 20_000));
    const { profile } = await v.cdp.send('Profiler.stop');
    writeFileSync(
      `${opt.profile}-${query.includes('naive') ? 'naive' : 'batched'}.cpuprofile`,
      JSON.stringify(profile),
    );
  }
  log(`${name}: heap after the first minute ${fmt(heapAtMinute)} MB`);
  await new Promise((r) => setTimeout(r, Math.max(0, MINUTES * 60_000 - 60_000)));
  simulator.stop();
  running.sim = null;
  const seconds = (performance.now() - runStart) / 1000;
  const events = counter.applied.length;
  counter.close();
  log(
    `${name}: ${events} events in ${fmt(seconds, 0)} s (${fmt(events / seconds)}/s) reached a city socket`,
  );
  const got = await within(
    120_000,
    v.page.evaluate((t) => {
      const w = window as unknown as {
        __boardPerf: { flushes: number[] };
        __longTasks: { at: number; ms: number }[];
      };
      return {
        flushes: [...w.__boardPerf.flushes],
        longTasks: w.__longTasks.filter((x) => x.at >= t && x.ms > 50).map((x) => x.ms),
      };
    }, since),
  );
  const end = (await within(30_000, heapMb(v.cdp))) ?? NaN;
  await v.page.context().close();
  if (!got)
    return [
      name,
      v.firstRenderMs,
      'tab unresponsive (main thread saturated) after 120 s',
      '',
      '',
      '',
      '',
      '',
      heapAtMinute,
      end,
      '',
    ];
  const s = [...got.flushes].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return [
    name,
    v.firstRenderMs,
    `${s.length} (${fmt(events / seconds)} ev/s)`,
    q(0.5),
    q(0.95),
    s.at(-1) ?? NaN,
    String(got.longTasks.length),
    got.longTasks.length ? Math.max(...got.longTasks) : 0,
    heapAtMinute,
    end,
    ((end - heapAtMinute) / heapAtMinute) * 100,
  ];
}

try {
  const t0 = performance.now();
  await writeOpenIncidents(OPEN);
  log(`wrote ${OPEN} open incidents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const operator = await User.login(server.url, 'operator', PASSWORD);
  const scope = (await operator.get<{ scope: { code: string } }>('/api/auth/me')).body.scope.code;
  // One variant after the other on the same server and data: on 2 cores, running them at once
  // would let the naive tab starve the other of CPU.
  const rows: (string | number)[][] = [
    [
      'variant',
      'first render ms',
      'flushes',
      'flush p50 ms',
      'flush p95 ms',
      'flush max ms',
      'long tasks >50ms',
      'longest ms',
      'heap @1min MB',
      'heap end MB',
      'growth %',
    ],
    ...(opt.only === 'naive'
      ? []
      : [await measure('batched (as built)', 'perf=1', operator, scope)]),
    ...(opt.only === 'batched'
      ? []
      : [await measure('naive: setData per event', 'perf=1&naive=1', operator, scope)]),
  ];
  console.log(
    `\nwallboard bench: scale=${opt.scale} open=${OPEN} simulator rate=${RATE}/s over ${SIMS} simulators, ${MINUTES} min per variant; load ${machineLoad()}\n`,
  );
  console.log(table(rows));
} finally {
  running.sim?.stop();
  await browser.close();
  await db.close();
  await server.stop();
  await pg.drop();
}

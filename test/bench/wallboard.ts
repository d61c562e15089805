/**
 * The wallboard under load, in real Chromium: the `full` city (7,876 grids), N open incidents,
 * the live simulator driving the public API. Two tabs, one after the other in the same run,
 * under the same simulators: the board as built (events batched into one flush per ≤250 ms,
 * map sources changed with `updateData` diffs) and the naive variant (`?naive=1`: one flush,
 * so one whole-source `setData`, per event).
 * Prints per tab: first full render, flush main-thread time (apply + every effect it sets off,
 * timed with flushSync), long tasks over 50 ms, and memory growth after the first minute (JS
 * heap after a forced GC, and the tab's renderer process RSS, which includes the map workers).
 * And, from a 20 s Chromium trace at the start of each minute after the first, the same tasks in
 * the main thread's CPU time, which on a machine without a GPU is far less than their wall time
 * (see main-thread-cpu.ts).
 *   pnpm bench wallboard [--minutes=10] [--open=50000] [--rate=200] [--mix=steady] [--scale=full] [--sims=2] [--warmup=180] [--only=batched|naive] [--profile=/tmp/board] [--trace-load=/tmp/load] [--gpu-compositing=1]
 * Needs a web build (WEB_BUILD_DIR or web/build) and Postgres (the bench writes the open incidents).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CDPSession, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { sql } from 'drizzle-orm';
import {
  CATEGORIES,
  encodePath,
  quantile as domainQuantile,
  type IncidentState,
} from '@cityops/domain';
import type { ClientToServer, ServerToClient } from '@cityops/protocol';
import { events as eventsTable, incidents as incidentsTable, open } from '@cityops/db';
import { buildCity, MIXES, startSimulator, type CityScale } from '@cityops/seed';
import { launchBrowser, loginContext } from '../support/browser.ts';
import { spawnServer } from '../support/spawn-server.ts';
import { createPostgresDatabase, WEB_BUILD } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import type { BoardPerf } from '../../web/src/lib/live/board-perf.ts';
import { flags, fmt, machineLoad, table } from './bench-util.ts';
import {
  CPU_TRACE_CATEGORIES,
  compositorCpu,
  mainThreadCpu,
  type CompositorCpu,
  type MainThreadCpu,
  type Spent,
  type TraceEvent,
} from './main-thread-cpu.ts';

const opt = flags(process.argv.slice(2), {
  minutes: '10',
  open: '50000',
  rate: '200',
  mix: 'steady',
  scale: 'full',
  sims: '2',
  warmup: '180',
  profile: '',
  'trace-load': '',
  only: '',
  'gpu-compositing': '',
});
/**
 * A simulator starts its steps on schedule, not after the last one: one reaches the rate if the
 * server keeps up, two share the work. Each logs in as the dispatcher (10 logins a minute).
 */
const SIMS = Math.max(1, Number(opt.sims));
const MINUTES = Number(opt.minutes);
const OPEN = Number(opt.open);
/** `--rate=0`: no simulator, the board at rest (what a frame and a commit cost without a stream). */
const RATE = Number(opt.rate);
/**
 * `steady` (default): as many incidents close as are reported, so the open count stays near
 * OPEN and the memory figure measures the board, not a growing backlog; `demo`: the demo's mix,
 * which reports faster than it closes.
 */
const MIX = opt.mix as keyof typeof MIXES;
if (!(MIX in MIXES)) throw new Error(`--mix: one of ${Object.keys(MIXES).join(', ')}`);
/** Longest wait for the simulators to reach the rate (their grid workers log in on first use). */
const WARMUP_S = Number(opt.warmup);
/** At rest: how long no event must reach the board's scope before the page opens. */
const QUIET_MS = 5_000;
const PASSWORD = 'bench-password';
/** How long a tab is given to draw its points before it is measured anyway. */
const FIRST_RENDER_WAIT_MS = 180_000;
const TARGET = { firstRenderMs: 3000, flushP95Ms: 16, longTaskMs: 50, growthPct: 10 };
/** A trace of this long at the start of each minute after the first: the main thread's CPU. */
const CPU_WINDOW_MS = 20_000;

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
/** `--gpu-compositing=1`: composite through SwiftShader too (see launchBrowser). */
const GPU_COMPOSITING = opt['gpu-compositing'] === '1';
const browser = await launchBrowser({ gpuCompositing: GPU_COMPOSITING });
const browserCdp = await browser.newBrowserCDPSession();
const running: { sim: { stop: () => void } | null } = { sim: null };

/**
 * Open incidents written straight into the database, each with its `incident.reported` event
 * as the server would write it (the board's snapshot copy is kept from the events). Returns the
 * last event id written: the events counter starts after it.
 */
async function writeOpenIncidents(n: number): Promise<number> {
  const city = buildCity(opt.scale as CityScale);
  const states: IncidentState[] = ['reported', 'filed', 'dispatched', 'in_progress', 'resolved'];
  const now = Date.now();
  const BATCH = 1000;
  let last = 0;
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
    const written = await db.db.insert(incidentsTable).values(rows).returning({
      id: incidentsTable.id,
      path: incidentsTable.path,
      at: incidentsTable.reportedAt,
    });
    const ids = await db.db
      .insert(eventsTable)
      .values(
        written.map((w) => ({
          type: 'incident.reported',
          at: w.at,
          actor: 'bench',
          path: w.path,
          incidentId: w.id,
          data: {},
        })),
      )
      .returning({ id: eventsTable.id });
    last = Math.max(last, ...ids.map((r) => r.id));
  }
  // As after any bulk load: without fresh statistics Postgres plans the simulator's "newest
  // incidents in a state" as a sort of all 10,000 in the state (19–20 ms at p50 under this load,
  // most of Postgres's CPU) until autovacuum gets to the table.
  await db.db.execute(sql`analyze incidents`);
  return last;
}

/** A city-wide socket that only counts the live events (a LiveClient would keep them all). */
async function eventCounter(
  operator: User,
  scope: string,
  after: number,
): Promise<{ count: () => number; close: () => void }> {
  const socket: Socket<ServerToClient, ClientToServer> = io(`${server.url}/live`, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie: operator.cookie },
  });
  let last = after;
  let n = 0;
  socket.on('events', ({ events }) => {
    for (const e of events) {
      if (e.id <= last) continue;
      last = e.id;
      n++;
    }
  });
  const ack = await socket.timeout(30_000).emitWithAck('subscribe', { scope });
  if (!ack.ok) throw new Error(`subscribe failed: ${ack.error}`);
  last = Math.max(last, ack.lastEventId);
  return { count: () => n, close: () => socket.close() };
}

interface Variant {
  page: Page;
  cdp: CDPSession;
  firstRenderMs: number;
  /** Snapshot loads: the first, plus one per resync the server asked for. */
  snapshots: () => number;
}

/** Seconds the tab's main thread has spent running tasks since it opened (CDP's TaskDuration). */
async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

/**
 * Count the calls that change the incident source from here on, to show what each variant
 * sends MapLibre: whole data (`setData`) or diffs (`updateData`).
 */
async function countSourceCalls(page: Page): Promise<void> {
  await page.evaluate(() => {
    type Source = Record<'setData' | 'updateData', (...a: unknown[]) => unknown>;
    const host = document.querySelector('.map') as HTMLElement & {
      maplibre: { getSource(id: string): Source };
    };
    const src = host.maplibre.getSource('incidents');
    const calls = { setData: 0, updateData: 0 };
    (window as unknown as { __sourceCalls: typeof calls }).__sourceCalls = calls;
    for (const name of ['setData', 'updateData'] as const) {
      const original = src[name].bind(src);
      src[name] = (...a: unknown[]): unknown => {
        calls[name]++;
        return original(...a);
      };
    }
  });
}

/** Count the frames the map draws from here on (MapLibre's `render` events). */
async function countFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const host = document.querySelector('.map') as HTMLElement & {
      maplibre: { on(type: string, f: () => void): void };
    };
    const w = window as unknown as { __mapFrames: number };
    w.__mapFrames = 0;
    host.maplibre.on('render', () => w.__mapFrames++);
  });
}

/** Open incidents the map holds (its cluster worker's points, or the naive source's). */
async function mapPoints(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const host = document.querySelector('.map') as HTMLElement & {
      incidentIds?: () => Promise<number[]>;
    };
    return (await host.incidentIds?.())?.length ?? NaN;
  });
}

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The tab's renderer process: with one board open, the renderer using by far the most memory. */
async function boardRenderer(): Promise<number> {
  const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  return renderers.sort((a, b) => rssMb(b) - rssMb(a))[0] ?? -1;
}

async function openBoard(query: string): Promise<Variant> {
  const context = await loginContext(browser, server.url, 'operator', PASSWORD);
  const page = await context.newPage();
  let snapshots = 0;
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/snapshot') snapshots++;
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { at: number; ms: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ at: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  // `--trace-load=FILE`: a Chromium trace from navigation to the first full render.
  const traceLoad = opt['trace-load'];
  if (traceLoad)
    await browser.startTracing(page, {
      path: `${traceLoad}-${query.includes('naive') ? 'naive' : 'batched'}.json`,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'v8',
        'toplevel',
        'disabled-by-default-v8.cpu_profiler',
      ],
    });
  await page.goto(`/wallboard?${query}`);
  // A tab that never draws its points settled (the naive one can keep its worker busy for
  // good) is measured all the same, with its first render "not within" the wait.
  const drawn = await page
    .waitForFunction(
      () => performance.getEntriesByName('board:first-full-render').length > 0,
      null,
      { timeout: FIRST_RENDER_WAIT_MS, polling: 100 },
    )
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof Error && err.name === 'TimeoutError') return false;
        throw err;
      },
    );
  if (traceLoad) await browser.stopTracing();
  const firstRenderMs = drawn
    ? await page.evaluate(
        () => performance.getEntriesByName('board:first-full-render')[0]!.startTime,
      )
    : Infinity;
  const { loads, code, marks } = await page.evaluate(() => ({
    loads: performance
      .getEntriesByType('resource')
      .filter((e) => /\/api\/(snapshot|grids|regions|config|auth\/me)/.test(e.name))
      .map((e) => {
        const r = e as PerformanceResourceTiming;
        const url = new URL(r.name);
        return {
          path: `${url.pathname}${url.searchParams.has('level') ? `?level=${url.searchParams.get('level')}` : ''}`,
          start: r.startTime,
          end: r.responseEnd,
          mb: r.encodedBodySize / 2 ** 20,
          decodedMb: r.decodedBodySize / 2 ** 20,
          server: r.serverTiming
            .map((t) => `${t.name} ${t.description || Math.round(t.duration)}`)
            .join(', '),
        };
      }),
    // The page's own code (not its workers'): how many modules, when the first was asked for,
    // when the last arrived.
    code: ((): { n: number; first: number; last: number; mb: number } => {
      const js = performance.getEntriesByType('resource').filter((e) => {
        const path = new URL(e.name).pathname;
        return path.endsWith('.js') && !path.includes('worker');
      }) as PerformanceResourceTiming[];
      return {
        n: js.length,
        first: Math.min(...js.map((r) => r.startTime)),
        last: Math.max(...js.map((r) => r.responseEnd)),
        mb: js.reduce((a, r) => a + r.encodedBodySize, 0) / 2 ** 20,
      };
    })(),
    // The page's own steps (`board:*` marks), in the order they came.
    marks: performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('board:'))
      .map((m) => ({ name: m.name.slice('board:'.length), at: m.startTime })),
  }));
  // Where the first render's time goes: the requests it waits for, the snapshot parsed and
  // counted into the store, the rest is the map (its worker indexing the points) and the stream.
  const waits = loads.map(
    (l) =>
      `${l.path} ${fmt(l.start, 0)}→${fmt(l.end, 0)} ms (${fmt(l.mb)} MB${l.decodedMb > l.mb * 1.05 ? `, ${fmt(l.decodedMb)} MB unpacked` : ''}${l.server ? `; server ms: ${l.server}` : ''})`,
  );
  log(
    `first render ${firstRender(firstRenderMs)}; marks: ${marks.map((m) => `${m.name} ${fmt(m.at, 0)}`).join(', ')}; requests: ${waits.join(', ')}; code: ${code.n} modules ${fmt(code.first, 0)}→${fmt(code.last, 0)} ms (${fmt(code.mb)} MB)`,
  );
  return { page, cdp, firstRenderMs, snapshots: () => snapshots };
}

const firstRender = (ms: number): string =>
  Number.isFinite(ms) ? `${fmt(ms, 0)} ms` : `not within ${FIRST_RENDER_WAIT_MS / 1000} s`;

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
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Result {
  name: string;
  firstRenderMs: number;
  eventsPerSecond: number;
  flushes: number[] | null;
  /** Main-thread ms of each map commit (the batched board's map changes, once a second at most). */
  mapCommits: number[] | null;
  /** Wall ms of each live chart's updates, by the chart's label (a part of each flush). */
  charts: Record<string, number[]>;
  /** Frames the map drew per second. */
  framesPerSecond: number;
  /** Calls that changed the incident source during the run: `setData / updateData`. */
  calls: string;
  /** Share of the run the tab's main thread was running tasks, %. */
  busy: number;
  longTasks: number[] | null;
  heap: [number, number];
  rss: [number, number];
  /** Open incidents on the map after the first minute and at the end: memory follows them. */
  points: [number, number];
  resyncs: number;
  /** The traced windows, together. */
  cpu: MainThreadCpu;
  /** CPU ms of the compositor threads in the same windows (see compositorCpu). */
  compositor: CompositorCpu;
}

/** Trace the page's main thread for `ms` and read its CPU time (see main-thread-cpu.ts). */
async function traceCpu(
  page: Page,
  ms: number,
): Promise<{ main: MainThreadCpu; compositor: CompositorCpu }> {
  await browser.startTracing(page, { categories: CPU_TRACE_CATEGORIES });
  await sleep(ms);
  const raw = JSON.parse((await browser.stopTracing()).toString('utf8')) as
    { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(raw) ? raw : raw.traceEvents;
  return { main: mainThreadCpu(events), compositor: compositorCpu(events) };
}

function addCpu(into: MainThreadCpu, more: MainThreadCpu): void {
  into.spanMs += more.spanMs;
  into.flushes.push(...more.flushes);
  into.commits.push(...more.commits);
  into.tasks.push(...more.tasks);
  into.unmatched += more.unmatched;
}

const growth = ([a, b]: [number, number]): number => ((b - a) / a) * 100;

/** One tab for MINUTES under the running simulators. */
async function measure(name: string, query: string, events: () => number): Promise<Result> {
  const v = await openBoard(query);
  log(`${name}: first full render ${firstRender(v.firstRenderMs)}`);
  const renderer = await boardRenderer();
  await countSourceCalls(v.page);
  await countFrames(v.page);
  const since = await v.page.evaluate(() => {
    const perf = (window as unknown as { __boardPerf: BoardPerf }).__boardPerf;
    perf.flushes.length = 0;
    perf.mapCommits.length = 0;
    perf.charts = {};
    return performance.now();
  });
  const events0 = events();
  const busy0 = (await within(30_000, taskSeconds(v.cdp))) ?? NaN;
  const runStart = performance.now();
  await sleep(60_000);
  const heapAtMinute = (await within(30_000, heapMb(v.cdp))) ?? NaN;
  const rssAtMinute = rssMb(renderer);
  const pointsAtMinute = (await within(30_000, mapPoints(v.page))) ?? NaN;
  log(
    `${name}: after the first minute: JS heap ${fmt(heapAtMinute)} MB, renderer ${fmt(rssAtMinute)} MB`,
  );
  if (opt.profile) {
    // A CPU profile of 20 s under load (open it in Chrome DevTools), for finding the hot spots;
    // the run's figures then include the profiler's overhead: take them from a run without it.
    await v.cdp.send('Profiler.enable');
    await v.cdp.send('Profiler.start');
    await sleep(20_000);
    const { profile } = await v.cdp.send('Profiler.stop');
    const file = `${opt.profile}-${query.includes('naive') ? 'naive' : 'batched'}`;
    writeFileSync(`${file}.cpuprofile`, JSON.stringify(profile));
    // And 10 s of a Chromium trace: what the profile files under "(program)" (style, layout,
    // paint, GL, message passing) shows there, per thread.
    await browser.startTracing(v.page, {
      path: `${file}.trace.json`,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'v8',
        'gpu',
        'toplevel',
      ],
    });
    await sleep(10_000);
    await browser.stopTracing();
  }
  // The main thread's CPU, in a window at the start of each minute after the first (at least
  // one, which makes a run of a minute or less 20 s longer).
  const cpu: MainThreadCpu = { spanMs: 0, flushes: [], commits: [], tasks: [], unmatched: 0 };
  const compositor: CompositorCpu = { display: 0, page: 0 };
  for (let minute = 1; minute === 1 || minute < MINUTES; minute++) {
    await sleep(Math.max(0, minute * 60_000 - (performance.now() - runStart)));
    const got = await within(CPU_WINDOW_MS + 60_000, traceCpu(v.page, CPU_WINDOW_MS));
    if (!got) continue;
    addCpu(cpu, got.main);
    compositor.display += got.compositor.display;
    compositor.page += got.compositor.page;
  }
  await sleep(Math.max(0, MINUTES * 60_000 - (performance.now() - runStart)));
  const seconds = (performance.now() - runStart) / 1000;
  const eventsPerSecond = (events() - events0) / seconds;
  const busy = ((((await within(30_000, taskSeconds(v.cdp))) ?? NaN) - busy0) / seconds) * 100;
  log(`${name}: ${fmt(eventsPerSecond)} events/s reached a city socket over ${fmt(seconds, 0)} s`);
  const got = await within(
    120_000,
    v.page.evaluate((t) => {
      const w = window as unknown as {
        __boardPerf: BoardPerf;
        __longTasks: { at: number; ms: number }[];
        __sourceCalls: { setData: number; updateData: number };
        __mapFrames: number;
      };
      return {
        calls: { ...w.__sourceCalls },
        frames: w.__mapFrames,
        flushes: [...w.__boardPerf.flushes],
        mapCommits: [...w.__boardPerf.mapCommits],
        charts: w.__boardPerf.charts,
        longTasks: w.__longTasks.filter((x) => x.at >= t && x.ms > 50).map((x) => x.ms),
      };
    }, since),
  );
  const heapEnd = (await within(30_000, heapMb(v.cdp))) ?? NaN;
  const rssEnd = rssMb(renderer);
  const pointsEnd = (await within(30_000, mapPoints(v.page))) ?? NaN;
  const resyncs = v.snapshots() - 1;
  await v.page.context().close();
  return {
    name,
    firstRenderMs: v.firstRenderMs,
    eventsPerSecond,
    flushes: got?.flushes ?? null,
    mapCommits: got?.mapCommits ?? null,
    charts: got?.charts ?? {},
    framesPerSecond: got ? got.frames / seconds : NaN,
    calls: got ? `${got.calls.setData} / ${got.calls.updateData}` : '',
    busy,
    longTasks: got?.longTasks ?? null,
    heap: [heapAtMinute, heapEnd],
    rss: [rssAtMinute, rssEnd],
    points: [pointsAtMinute, pointsEnd],
    resyncs,
    cpu,
    compositor,
  };
}

function chartRows(r: Result): (string | number)[][] {
  return Object.entries(r.charts).map(([chart, ms]) => {
    const s = [...ms].sort((a, b) => a - b);
    return [
      r.name,
      chart,
      s.length,
      fmt(quantile(s, 0.5)),
      fmt(quantile(s, 0.95)),
      fmt(s.at(-1) ?? NaN),
    ];
  });
}

/** The domain's quantile (interpolated), NaN for no samples (a tab that never flushed). */
const quantile = (sorted: readonly number[], p: number): number => domainQuantile(sorted, p) ?? NaN;

const points = (r: Result): string => `${fmt(r.points[0], 0)} → ${fmt(r.points[1], 0)}`;

function row(r: Result): (string | number)[] {
  const head = [
    r.name,
    Number.isFinite(r.firstRenderMs) ? r.firstRenderMs : `> ${FIRST_RENDER_WAIT_MS}`,
    fmt(r.eventsPerSecond),
    r.busy,
  ];
  const memory = [r.heap[0], r.heap[1], growth(r.heap), r.rss[0], r.rss[1], growth(r.rss)];
  if (!r.flushes || !r.longTasks)
    return [
      ...head,
      'tab unresponsive (main thread saturated) after 120 s',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      ...memory,
      points(r),
      String(r.resyncs),
    ];
  const s = [...r.flushes].sort((a, b) => a - b);
  const c = [...(r.mapCommits ?? [])].sort((a, b) => a - b);
  return [
    ...head,
    String(s.length),
    r.calls,
    quantile(s, 0.5),
    quantile(s, 0.95),
    s.at(-1) ?? NaN,
    String(c.length),
    quantile(c, 0.5),
    quantile(c, 0.95),
    fmt(r.framesPerSecond),
    String(r.longTasks.length),
    r.longTasks.length ? Math.max(...r.longTasks) : 0,
    ...memory,
    points(r),
    String(r.resyncs),
  ];
}

const sortedBy = (xs: Spent[], key: keyof Spent): number[] =>
  xs.map((x) => x[key]).sort((a, b) => a - b);

/** The traced windows: wall time against the time the main thread actually ran. */
function cpuRow(r: Result): (string | number)[] {
  const { cpu } = r;
  const wall = sortedBy(cpu.tasks, 'wall');
  const ran = sortedBy(cpu.tasks, 'cpu');
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const fw = sortedBy(cpu.flushes, 'wall');
  const fc = sortedBy(cpu.flushes, 'cpu');
  const cc = sortedBy(cpu.commits, 'cpu');
  return [
    r.name,
    fmt(cpu.spanMs / 1000),
    cpu.spanMs ? (sum(wall) / cpu.spanMs) * 100 : NaN,
    cpu.spanMs ? (sum(ran) / cpu.spanMs) * 100 : NaN,
    String(wall.filter((x) => x > TARGET.longTaskMs).length),
    String(ran.filter((x) => x > TARGET.longTaskMs).length),
    wall.at(-1) ?? NaN,
    ran.at(-1) ?? NaN,
    String(fc.length),
    quantile(fw, 0.95),
    quantile(fc, 0.5),
    quantile(fc, 0.95),
    String(cc.length),
    quantile(cc, 0.95),
    String(cpu.unmatched),
    cpu.spanMs ? (r.compositor.display / cpu.spanMs) * 100 : NaN,
    cpu.spanMs ? (r.compositor.page / cpu.spanMs) * 100 : NaN,
  ];
}

function verdicts(r: Result): string {
  const ok = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');
  const s = [...(r.flushes ?? [])].sort((a, b) => a - b);
  const p95 = r.flushes ? quantile(s, 0.95) : NaN;
  // The batched board applies a batch in two tasks: the flush, and the map's commit (≤ 1/s).
  const c = [...(r.mapCommits ?? [])].sort((a, b) => a - b);
  const commitP95 = c.length ? quantile(c, 0.95) : 0;
  const longest = r.longTasks ? Math.max(0, ...r.longTasks) : NaN;
  const heap = growth(r.heap);
  const rss = growth(r.rss);
  const cpuFlushP95 = quantile(sortedBy(r.cpu.flushes, 'cpu'), 0.95);
  const cpuCommitP95 = r.cpu.commits.length ? quantile(sortedBy(r.cpu.commits, 'cpu'), 0.95) : 0;
  const cpuLongest = sortedBy(r.cpu.tasks, 'cpu').at(-1) ?? 0;
  return [
    `${r.name}:`,
    `  first render ≤ ${TARGET.firstRenderMs} ms: ${ok(r.firstRenderMs <= TARGET.firstRenderMs)} (${firstRender(r.firstRenderMs)})`,
    `  flush p95 ≤ ${TARGET.flushP95Ms} ms: ${ok(p95 <= TARGET.flushP95Ms)} (${fmt(p95)} ms)`,
    `  map commit p95 ≤ ${TARGET.flushP95Ms} ms: ${ok(commitP95 <= TARGET.flushP95Ms)} (${c.length ? `${fmt(commitP95)} ms over ${c.length}` : 'none: the map changes inside the flush'})`,
    `  no long task > ${TARGET.longTaskMs} ms: ${ok(longest <= TARGET.longTaskMs)} (${r.longTasks ? `${r.longTasks.length}, longest ${fmt(longest, 0)} ms` : 'unresponsive'})`,
    `  the same, in main-thread CPU time (traced ${fmt(r.cpu.spanMs / 1000, 0)} s): flush p95 ≤ ${TARGET.flushP95Ms} ms ${ok(cpuFlushP95 <= TARGET.flushP95Ms)} (${fmt(cpuFlushP95)} ms over ${r.cpu.flushes.length}), map commit p95 ≤ ${TARGET.flushP95Ms} ms ${ok(cpuCommitP95 <= TARGET.flushP95Ms)} (${fmt(cpuCommitP95)} ms over ${r.cpu.commits.length}), no task > ${TARGET.longTaskMs} ms ${ok(cpuLongest <= TARGET.longTaskMs)} (longest ${fmt(cpuLongest)} ms)`,
    `  memory growth ≤ ${TARGET.growthPct}% after the first minute: JS heap ${ok(heap <= TARGET.growthPct)} (${fmt(heap)}%), renderer RSS ${ok(rss <= TARGET.growthPct)} (${fmt(rss)}%)`,
    `  simulator rate ${RATE}/s: ${ok(r.eventsPerSecond >= RATE * 0.95)} (${fmt(r.eventsPerSecond)}/s reached the board's scope)`,
  ].join('\n');
}

try {
  const loadStart = machineLoad();
  const t0 = performance.now();
  const written = await writeOpenIncidents(OPEN);
  log(`wrote ${OPEN} open incidents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const operator = await User.login(server.url, 'operator', PASSWORD);
  const scope = (await operator.get<{ scope: { code: string } }>('/api/auth/me')).body.scope.code;
  // The server's side of the board snapshot (14 MB at 50,000 incidents), asked for twice before
  // any tab opens: the first may still catch its copy up on the written events; the second is
  // what a board opened on a running server waits for.
  for (const n of ['first', 'second']) {
    const t = performance.now();
    const r = await operator.get('/api/snapshot?view=board');
    if (r.status !== 200) throw new Error(`board snapshot: ${r.status}`);
    log(`board snapshot over HTTP, ${n} request: ${fmt(performance.now() - t, 0)} ms`);
  }
  const counter = await eventCounter(operator, scope, written);
  // The same simulators drive both tabs: started once, and warmed up first (each grid worker
  // logs in on its first action, and argon2 logins, not events, would fill the first minutes).
  const sims = Array.from({ length: SIMS }, (_, k) =>
    startSimulator({
      baseUrl: server.url,
      password: PASSWORD,
      rate: RATE / SIMS,
      seed: 1000 + k,
      mix: MIX,
      // Each step is 1–3 requests of 50–200 ms under this load: room for ~30 in flight each.
      maxInFlight: 64,
    }),
  );
  running.sim = { stop: (): void => sims.forEach((x) => x.stop()) };
  await Promise.all(sims.map((x) => x.ready));
  const warmStart = performance.now();
  let steady = 0;
  while (RATE > 0 && performance.now() - warmStart < WARMUP_S * 1000 && steady < 2) {
    const n0 = counter.count();
    await sleep(10_000);
    const rate = (counter.count() - n0) / 10;
    steady = rate >= RATE * 0.95 ? steady + 1 : 0;
    const st = sims.map((x) => x.stats());
    const sum = (k: 'started' | 'conflicts' | 'skipped' | 'failed'): number =>
      st.reduce((a, x) => a + x[k], 0);
    log(
      `warm-up: ${fmt(rate)} events/s; steps so far ${sum('started')}, actions refused as stale (409) ${sum('conflicts')}, ticks skipped ${sum('skipped')}, failed ${sum('failed')}; load ${machineLoad()}`,
    );
  }
  // At rest the board opens at a quiet moment, as a wall screen switched on at night would: the
  // simulators' first steps (their logins, a check-in) are over, and the server has had a
  // catch-up round with no event to make the board snapshot's answer ahead.
  if (RATE === 0) {
    const quietStart = performance.now();
    let seen = counter.count();
    let quietSince = performance.now();
    while (performance.now() - quietSince < QUIET_MS && performance.now() - quietStart < 30_000) {
      await sleep(250);
      if (counter.count() !== seen) [seen, quietSince] = [counter.count(), performance.now()];
    }
    log(`at rest: no event for ${fmt((performance.now() - quietSince) / 1000)} s`);
  }
  // One variant after the other on the same server and data: on 2 cores, running them at once
  // would let the naive tab starve the other of CPU.
  const results: Result[] = [];
  if (opt.only !== 'naive')
    results.push(await measure('batched (as built)', 'perf=1', counter.count));
  if (opt.only !== 'batched')
    results.push(await measure('naive: setData per event', 'perf=1&naive=1', counter.count));
  running.sim.stop();
  running.sim = null;
  counter.close();
  console.log(
    `\nwallboard bench: scale=${opt.scale} open=${OPEN} simulator rate=${RATE}/s (${MIX} mix) over ${SIMS} simulators, ${MINUTES} min per variant, ${GPU_COMPOSITING ? 'GPU compositing through SwiftShader' : 'software compositing (--disable-gpu)'}; load ${loadStart} → ${machineLoad()}\n`,
  );
  console.log(
    table([
      [
        'variant',
        'first render ms',
        'events/s',
        'main thread busy %',
        'flushes',
        'incident source setData / updateData',
        'flush p50 ms',
        'flush p95 ms',
        'flush max ms',
        'map commits',
        'commit p50 ms',
        'commit p95 ms',
        'map frames/s',
        'long tasks >50ms',
        'longest ms',
        'heap @1min MB',
        'heap end MB',
        'heap growth %',
        'renderer @1min MB',
        'renderer end MB',
        'renderer growth %',
        'open points @1min → end',
        'resyncs',
      ],
      ...results.map(row),
    ]),
  );
  console.log(
    `\nmain thread in the traced windows (${CPU_WINDOW_MS / 1000} s at the start of each minute after the first): wall time a task held the thread, and CPU time it ran; and the CPU of the threads that composite the page (the display compositor in the GPU process, the page's own), as % of one core over the traced span\n`,
  );
  console.log(
    table([
      [
        'variant',
        'traced s',
        'busy (wall) %',
        'running (CPU) %',
        'tasks >50ms wall',
        'tasks >50ms CPU',
        'longest wall ms',
        'longest CPU ms',
        'flushes',
        'flush wall p95 ms',
        'flush CPU p50 ms',
        'flush CPU p95 ms',
        'map commits',
        'commit CPU p95 ms',
        'marks unmatched',
        'display compositor CPU %',
        'page compositor CPU %',
      ],
      ...results.map(cpuRow),
    ]),
  );
  console.log(
    '\nlive charts: wall ms of each update (setOption, drawn at once), a part of the flushes above\n',
  );
  console.log(
    table([
      ['variant', 'chart', 'updates', 'p50 ms', 'p95 ms', 'max ms'],
      ...results.flatMap(chartRows),
    ]),
  );
  console.log(`\ntargets:\n${results.map(verdicts).join('\n')}`);
} finally {
  running.sim?.stop();
  await browser.close();
  await db.close();
  await server.stop();
  await pg.drop();
}

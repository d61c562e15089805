/**
 * The issue-7 table, in one go on one machine: fan-out from `POST /api/incidents` to 1,000+
 * subscribed sockets, the same stream through a bare `ws` broadcaster (the ceiling), a 1-second
 * polling dashboard against socket boards, and intake throughput on PGlite and Postgres.
 * The server, the reporter and the socket clients are separate processes.
 *   pnpm bench fanout [--sockets=1000] [--rate=200] [--seconds=20] [--workers=2]
 *     [--step-rate=100] [--step-seconds=10] [--step-p99=250] [--max-sockets=16000] [--step-budget=300]
 *     [--pollers=50] [--cmp-rate=20] [--cmp-seconds=20] [--open=500]
 *     [--intake-seconds=15] [--concurrency=24] [--parts=fanout,ws,steps,poll,intake]
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BATCH_INTERVAL_MS, type Event } from '@cityops/protocol';
import { spawnServer, type ServerProcess } from '../support/spawn-server.ts';
import { User } from '../support/api-client.ts';
import { createPostgresDatabase } from '../support/test-server.ts';
import { reportableGrids } from '../support/cluster-processes.ts';
import {
  LatencyHistogram,
  flags,
  fmt,
  histogramQuantile,
  machineLoad,
  scrape,
  table,
  type Summary,
} from './bench-util.ts';
import type {
  RecordedBatch,
  SocketsResult,
  SocketsWorkerCommand,
  SocketsWorkerConfig,
  SocketsWorkerReply,
} from './fanout-sockets-worker.ts';
import type {
  ReporterCommand,
  ReporterConfig,
  ReporterReply,
  ReporterResult,
} from './fanout-reporter-worker.ts';
import type {
  PollerCommand,
  PollerConfig,
  PollerReply,
  PollerResult,
} from './fanout-poller-worker.ts';
import type {
  BroadcasterCommand,
  BroadcasterReply,
  RecordedEvent,
} from './fanout-ws-broadcaster-worker.ts';

const opt = flags(process.argv.slice(2), {
  sockets: '1000',
  rate: '200',
  seconds: '20',
  workers: '2',
  'step-rate': '100',
  'step-seconds': '10',
  'step-p99': '250',
  'max-sockets': '16000',
  'step-budget': '300',
  pollers: '50',
  'cmp-rate': '20',
  'cmp-seconds': '20',
  open: '500',
  'intake-seconds': '15',
  concurrency: '24',
  parts: 'fanout,ws,steps,poll,intake',
});
const SOCKETS = Number(opt.sockets);
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const WORKERS = Math.max(1, Number(opt.workers));
const PASSWORD = 'bench-password';
const CITY = '410100';
const parts = new Set(opt.parts.split(','));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const TARGET = { p99Ms: 100, ofCeiling: 0.7, cpuRatio: 10 };

/** A worker process on the tsx loader, spoken to over IPC; replies are awaited by type. */
class Child<Cmd, Reply extends { type: string }> {
  readonly proc: ChildProcess;
  readonly #inbox: Reply[] = [];
  readonly #waiters: { type: string; resolve: (r: Reply) => void; reject: (e: Error) => void }[] =
    [];
  progress = 0;

  constructor(file: string, config: unknown) {
    this.proc = fork(join(HERE, file), [], {
      cwd: HERE,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FANOUT_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: Reply) => {
      if (m.type === 'progress') {
        this.progress = (m as unknown as { deliveries: number }).deliveries;
        return;
      }
      const i = this.#waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
      else this.#inbox.push(m);
    });
    this.proc.once('exit', (code) => {
      for (const w of this.#waiters.splice(0))
        w.reject(new Error(`${file} exited with ${code} while we waited for ${w.type}`));
    });
  }

  send(cmd: Cmd): void {
    this.proc.send(cmd as object);
  }

  next<T extends Reply['type']>(type: T): Promise<Extract<Reply, { type: T }>> {
    const i = this.#inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0] as Extract<Reply, { type: T }>);
    if (this.proc.exitCode !== null)
      return Promise.reject(new Error(`worker exited before sending ${type}`));
    return new Promise((resolve, reject) =>
      this.#waiters.push({ type, resolve: resolve as (r: Reply) => void, reject }),
    );
  }

  async stop(cmd?: Cmd): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    if (cmd) this.send(cmd);
    else this.proc.kill();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

type SocketsChild = Child<SocketsWorkerCommand, SocketsWorkerReply>;
type ReporterChild = Child<ReporterCommand, ReporterReply>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const points = reportableGrids().map((g) => g.center);
let runs = 0;

interface Started {
  server: ServerProcess;
  operator: User;
  dispatcher: User;
  cleanup: () => Promise<void>;
}

async function startServer(db: 'postgres' | 'pglite'): Promise<Started> {
  const pg = db === 'postgres' ? await createPostgresDatabase() : null;
  const dataDir = db === 'pglite' ? mkdtempSync(join(tmpdir(), 'cityops-fanout-')) : null;
  const server = await spawnServer(
    {
      ...(pg ? { DATABASE_URL: pg.url } : { DATABASE_URL: '', DATA_DIR: dataDir! }),
      DEMO: '1',
      DEMO_HISTORY: '0',
      SIMULATOR_RATE: '0',
      DEMO_PASSWORD: PASSWORD,
      PORT: '0',
    },
    600_000,
  );
  return {
    server,
    operator: await User.login(server.url, 'operator', PASSWORD),
    dispatcher: await User.login(server.url, 'dispatcher', PASSWORD),
    cleanup: async () => {
      await server.stop();
      await pg?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Server-side figures over a window: CPU from its own process counter, event-loop delay. */
interface ServerWindow {
  wallS: number;
  cpuS: number;
  loopP99Ms: number;
  loopMaxMs: number;
  relayP99Ms: number;
  relayReadP99Ms: number;
  flushesPerS: number;
}

async function measured<T>(url: string, fn: () => Promise<T>): Promise<[T, ServerWindow]> {
  // The event-loop gauges reset on every scrape, so the second scrape covers just this window.
  const before = await scrape(`${url}/metrics`);
  const t0 = performance.now();
  const value = await fn();
  const after = await scrape(`${url}/metrics`);
  const cpu = (m: Map<string, number>): number => m.get('process_cpu_seconds_total') ?? NaN;
  return [
    value,
    {
      wallS: (performance.now() - t0) / 1000,
      cpuS: cpu(after) - cpu(before),
      loopP99Ms: (after.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
      loopMaxMs: (after.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
      relayP99Ms: histogramQuantile(before, after, 'cityops_relay_lag_seconds', 0.99) * 1000,
      relayReadP99Ms: histogramQuantile(before, after, 'cityops_relay_read_seconds', 0.99) * 1000,
      flushesPerS:
        ((after.get('cityops_relay_batches_total') ?? NaN) -
          (before.get('cityops_relay_batches_total') ?? NaN)) /
        ((performance.now() - t0) / 1000),
    },
  ];
}

function reporterFor(s: Started, o: Partial<ReporterConfig> & { tag: string }): ReporterChild {
  const config: ReporterConfig = {
    url: s.server.url,
    cookie: s.dispatcher.cookie,
    mode: 'open',
    rate: RATE,
    concurrency: 1,
    seconds: SECONDS,
    warmupSeconds: 0,
    count: 0,
    points,
    ...o,
  };
  return new Child('fanout-reporter-worker.ts', config);
}

async function runReporter(r: ReporterChild): Promise<ReporterResult> {
  await r.next('ready');
  r.send({ type: 'go' });
  const { result } = await r.next('result');
  await r.stop();
  return result;
}

function socketWorkers(kind: 'socketio' | 'ws', url: string, cookie: string): SocketsChild[] {
  const config: SocketsWorkerConfig = { kind, url, cookie, scope: CITY };
  return Array.from({ length: WORKERS }, () => new Child('fanout-sockets-worker.ts', config));
}

/** Bring the workers up to `total` sockets, split evenly; returns how many are connected. */
async function connectTo(workers: SocketsChild[], have: number, total: number): Promise<number> {
  const add = total - have;
  if (add <= 0) return have;
  const replies = await Promise.all(
    workers.map((w, i) => {
      const n = Math.floor(add / workers.length) + (i < add % workers.length ? 1 : 0);
      w.send({ type: 'connect', sockets: n });
      return w.next('connected');
    }),
  );
  const failed = replies.reduce((a, r) => a + r.failed, 0);
  if (failed)
    console.log(
      `  ${failed} of ${add} sockets failed to connect: ${replies.find((r) => r.firstError)?.firstError}`,
    );
  return replies.reduce((a, r) => a + r.total, 0);
}

async function armed(
  workers: SocketsChild[],
  o: { tag: string; maxSeq: number; countOnly?: boolean; recordTo?: string },
): Promise<void> {
  await Promise.all(
    workers.map((w, i) => {
      w.send({
        type: 'arm',
        tag: o.tag,
        maxSeq: o.maxSeq,
        countOnly: o.countOnly ?? false,
        recordTo: i === 0 ? (o.recordTo ?? null) : null,
      });
      return w.next('armed');
    }),
  );
}

/** Wait until `expected` first copies arrived, or nothing new came for `quietMs`. */
async function drain(workers: SocketsChild[], expected: number, quietMs = 3000): Promise<void> {
  let last = -1;
  let since = performance.now();
  for (;;) {
    const now = workers.reduce((a, w) => a + w.progress, 0);
    if (now >= expected) return;
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since > quietMs) return;
    await sleep(100);
  }
}

async function collect(workers: SocketsChild[]): Promise<SocketsResult[]> {
  return Promise.all(
    workers.map((w) => {
      w.send({ type: 'collect' });
      return w.next('result').then((r) => r.result);
    }),
  );
}

interface FanoutRow {
  label: string;
  sockets: number;
  rate: number;
  latency: Summary;
  deliveredPerS: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  serverCpuPct: number;
  loopP99Ms: number;
  loopMaxMs: number;
  clientCpuPct: number;
  note: string;
}

/** Merge the socket workers' counts against the set of sequence numbers that were sent. */
function fanoutFigures(
  results: SocketsResult[],
  sentSeqs: Iterable<number>,
  firstSend: number,
): Omit<
  FanoutRow,
  'label' | 'rate' | 'serverCpuPct' | 'loopP99Ms' | 'loopMaxMs' | 'note' | 'clientCpuPct'
> & { cpuMs: number; windowMs: number; trouble: string } {
  const sockets = results.reduce((a, r) => a + r.sockets, 0);
  const latency = new LatencyHistogram();
  for (const r of results) latency.merge(r.latency);
  let lost = 0;
  for (const seq of sentSeqs) {
    const got = results.reduce((a, r) => a + (r.perSeq[seq] ?? 0), 0);
    lost += sockets - got;
  }
  const lastArrival = Math.max(firstSend, ...results.map((r) => r.lastArrival));
  return {
    sockets,
    latency: latency.summary(),
    deliveredPerS:
      results.reduce((a, r) => a + r.deliveries, 0) / ((lastArrival - firstSend) / 1000),
    lost,
    duplicates: results.reduce((a, r) => a + r.duplicates, 0),
    outOfOrder: results.reduce((a, r) => a + r.outOfOrder, 0),
    cpuMs: results.reduce((a, r) => a + r.cpuMs, 0),
    windowMs: lastArrival - firstSend,
    trouble: results.reduce((a, r) => a + r.disconnects + r.resyncs, 0)
      ? `, sockets disconnected ${results.reduce((a, r) => a + r.disconnects, 0)}, resyncs ${results.reduce((a, r) => a + r.resyncs, 0)}`
      : '',
  };
}

/** A quantile from Prometheus buckets: an upper bound, or beyond the largest bucket. */
const bucket = (ms: number): string =>
  Number.isNaN(ms) ? '—' : Number.isFinite(ms) ? `≤ ${fmt(ms, 0)} ms` : 'beyond the top bucket';

/** One open-loop run of reports against cityops, with every socket counting what arrives. */
async function cityopsRun(
  s: Started,
  workers: SocketsChild[],
  sockets: number,
  rate: number,
  seconds: number,
  label: string,
  recordTo?: string,
): Promise<FanoutRow & { reporter: ReporterResult }> {
  const tag = `fanout${++runs}`;
  const maxSeq = Math.round(rate * seconds);
  await armed(workers, { tag, maxSeq, ...(recordTo ? { recordTo } : {}) });
  const reporter = reporterFor(s, { tag, rate, seconds });
  const [rep, win] = await measured(s.server.url, async () => {
    const r = await runReporter(reporter);
    await drain(workers, r.accepted.length * sockets);
    return r;
  });
  const results = await collect(workers);
  const f = fanoutFigures(results, rep.accepted, rep.firstSend);
  const failed = Object.entries(rep.failures);
  const post = new LatencyHistogram().merge(rep.roundTrip).summary();
  return {
    label,
    rate,
    ...f,
    serverCpuPct: (win.cpuS / win.wallS) * 100,
    loopP99Ms: win.loopP99Ms,
    loopMaxMs: win.loopMaxMs,
    clientCpuPct: (f.cpuMs / f.windowMs) * 100,
    note:
      `${rep.accepted.length}/${rep.sent} reports accepted` +
      (failed.length ? ` (failed: ${failed.map(([k, v]) => `${k}×${v}`).join(', ')})` : '') +
      f.trouble +
      `, POST p50/p99 ${fmt(post.p50)}/${fmt(post.p99)} ms, relay commit→emit p99 ${bucket(win.relayP99Ms)}, relay read p99 ${bucket(win.relayReadP99Ms)}, ${fmt(win.flushesPerS)} flushes/s`,
    reporter: rep,
  };
}

const fanoutHeader = [
  'run',
  'sockets',
  'events/s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'delivered msg/s',
  'lost',
  'dup',
  'out of order',
  'server CPU %',
  'loop delay p99/max ms',
  'clients CPU %',
];
function fanoutCells(r: FanoutRow): (string | number)[] {
  return [
    r.label,
    String(r.sockets),
    Number.isFinite(r.rate) ? String(r.rate) : 'max',
    r.latency.p50,
    r.latency.p99,
    r.latency.max,
    fmt(r.deliveredPerS, 0),
    fmt(r.lost, 0),
    fmt(r.duplicates, 0),
    fmt(r.outOfOrder, 0),
    fmt(r.serverCpuPct, 0),
    `${fmt(r.loopP99Ms)} / ${fmt(r.loopMaxMs)}`,
    fmt(r.clientCpuPct, 0),
  ];
}

/** Which server code was measured: the commit, and whether the working tree differs from it. */
function codeVersion(): string {
  const git = (...args: string[]): string =>
    spawnSync('git', args, { cwd: HERE, encoding: 'utf8' }).stdout.trim();
  const dirty = git('status', '--porcelain', '--', '../../server', '../../packages').split('\n');
  const changed = dirty.filter(Boolean).length;
  return `${git('rev-parse', '--short', 'HEAD')}${changed ? ` + ${changed} uncommitted file(s) in server/ or packages/` : ''}`;
}

const benchStart = performance.now();
const loadBefore = machineLoad();
console.log(
  `machine load before: ${loadBefore} (1-min average, 2 cores shared); code ${codeVersion()}`,
);
const fanoutRows: FanoutRow[] = [];
const stepRows: FanoutRow[] = [];
const notes: string[] = [];
let headline: FanoutRow | null = null;
let sameStream: FanoutRow | null = null;
let flatOut: FanoutRow | null = null;
let stepBest: number | null = null;
let stepStop = '';
const scratch = mkdtempSync(join(tmpdir(), 'cityops-fanout-rec-'));

// ── Fan-out, the bare ws ceiling and the step search, on one Postgres-backed server ──
if (parts.has('fanout') || parts.has('ws') || parts.has('steps')) {
  notes.push(`machine load at the start of the fan-out part: ${machineLoad()}`);
  const s = await startServer('postgres');
  const workers = socketWorkers('socketio', s.server.url, s.operator.cookie);
  try {
    let have = await connectTo(workers, 0, SOCKETS);
    await runReporter(reporterFor(s, { tag: 'warmup', rate: 20, seconds: 1 }));
    await sleep(500);
    const recording = join(scratch, 'batches.jsonl');
    if (parts.has('fanout') || parts.has('ws')) {
      headline = await cityopsRun(
        s,
        workers,
        have,
        RATE,
        SECONDS,
        'cityops (socket.io)',
        recording,
      );
      fanoutRows.push(headline);
      notes.push(`cityops ${headline.sockets}×${RATE}/s: ${headline.note}`);
    }

    if (parts.has('ws') && headline) {
      const batches = readFileSync(recording, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RecordedBatch);
      const prefix = `fanout${runs} `;
      const seqs = new Set<number>();
      const stream = new Map<number, RecordedEvent>();
      let bytes = 0;
      for (const b of batches) {
        bytes += b.json.length;
        for (const e of (JSON.parse(b.json) as { events: Event[] }).events) {
          const d = (e.data.incident as { description?: string } | undefined)?.description;
          if (!d?.startsWith(prefix)) continue;
          const sp = d.indexOf(' ', prefix.length);
          seqs.add(Number(d.slice(prefix.length, sp)));
          stream.set(e.id, { sentAt: Number(d.slice(sp + 3)), json: JSON.stringify(e) });
        }
      }
      const events = join(scratch, 'events.jsonl');
      writeFileSync(
        events,
        [...stream.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([, e]) => JSON.stringify(e))
          .join('\n'),
      );
      notes.push(
        `cityops sent ${batches.length} batches to each socket, mean ${fmt(bytes / batches.length / 1024)} KiB of JSON (${fmt((seqs.size / batches.length) * 1, 1)} reports a batch); the bare ws replay sends the same events batched per ${BATCH_INTERVAL_MS} ms of POST time`,
      );
      const bc = new Child<BroadcasterCommand, BroadcasterReply>(
        'fanout-ws-broadcaster-worker.ts',
        {},
      );
      const { port } = await bc.next('listening');
      const wsWorkers = socketWorkers('ws', `ws://127.0.0.1:${port}`, '');
      try {
        const n = await connectTo(wsWorkers, 0, headline.sockets);
        for (const mode of ['timed', 'flat'] as const) {
          const tag = `fanout${runs}`;
          await armed(wsWorkers, {
            tag,
            maxSeq: Math.round(RATE * SECONDS),
            countOnly: mode === 'flat',
          });
          bc.send({ type: 'replay', file: events, mode, seconds: 5 });
          const { result } = await bc.next('done');
          await drain(wsWorkers, mode === 'timed' ? seqs.size * n : Infinity, 2000);
          const results = await collect(wsWorkers);
          const f = fanoutFigures(results, mode === 'timed' ? seqs : [], result.firstSend);
          const row: FanoutRow = {
            label: mode === 'timed' ? 'bare ws, same stream' : 'bare ws, flat out',
            rate: mode === 'timed' ? RATE : NaN,
            ...f,
            serverCpuPct: (result.cpuMs / (result.lastSend - result.firstSend + 1)) * 100,
            loopP99Ms: result.loopDelayP99Ms,
            loopMaxMs: result.loopDelayMaxMs,
            clientCpuPct: (f.cpuMs / f.windowMs) * 100,
            note: `${result.frames} frames to ${result.clients} clients${f.trouble}`,
          };
          if (mode === 'flat') {
            // Flat out, arrival − send is the depth of the socket buffers, not a latency.
            row.latency = { n: row.latency.n, p50: NaN, p99: NaN, max: NaN };
            row.lost = NaN;
            row.duplicates = NaN;
            row.outOfOrder = NaN;
          }
          fanoutRows.push(row);
          if (mode === 'timed') sameStream = row;
          else flatOut = row;
          notes.push(`${row.label}: ${row.note}`);
        }
      } finally {
        await Promise.all(wsWorkers.map((w) => w.stop({ type: 'close' })));
        await bc.stop({ type: 'close' });
      }
    }

    if (parts.has('steps')) {
      const stepRate = Number(opt['step-rate']);
      const stepSeconds = Number(opt['step-seconds']);
      const limit = Number(opt['step-p99']);
      const budgetMs = Number(opt['step-budget']) * 1000;
      const t0 = performance.now();
      let lastStepMs = 0;
      for (let want = SOCKETS; want <= Number(opt['max-sockets']); want *= 2) {
        if (performance.now() - t0 + lastStepMs * 2.5 > budgetMs) {
          stepStop = `time budget (${opt['step-budget']} s) reached before ${want} sockets`;
          break;
        }
        const t = performance.now();
        have = await connectTo(workers, have, want);
        const row = await cityopsRun(s, workers, have, stepRate, stepSeconds, 'cityops step');
        stepRows.push(row);
        notes.push(`step ${row.sockets}×${stepRate}/s: ${row.note}`);
        lastStepMs = performance.now() - t;
        if (have < want) {
          stepStop = `only ${have} of ${want} sockets connected`;
          if (row.latency.p99 <= limit) stepBest = row.sockets;
          break;
        }
        if (!(row.latency.p99 <= limit)) {
          stepStop = `p99 ${fmt(row.latency.p99)} ms > ${limit} ms at ${row.sockets} sockets`;
          break;
        }
        stepBest = row.sockets;
      }
      if (!stepStop) stepStop = `cap of ${opt['max-sockets']} sockets reached`;
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop({ type: 'close' })));
    await s.cleanup();
  }
}

// ── 1-second polling dashboard against socket boards, same event stream, fresh server ──
interface CompareRow {
  board: string;
  boards: number;
  freshness: Summary;
  newest: Summary | null;
  perBoardMs: number;
  serverCpuPct: number;
  loopP99Ms: number;
  note: string;
}
const compareRows: CompareRow[] = [];
let baselineCpuPct = NaN;
if (parts.has('poll')) {
  notes.push(`machine load at the start of the polling part: ${machineLoad()}`);
  const cmpRate = Number(opt['cmp-rate']);
  const cmpSeconds = Number(opt['cmp-seconds']);
  const s = await startServer('postgres');
  const workers = socketWorkers('socketio', s.server.url, s.operator.cookie);
  try {
    if (Number(opt.open) > 0)
      await runReporter(
        reporterFor(s, {
          tag: 'open',
          mode: 'closed',
          concurrency: 8,
          seconds: 600,
          count: Number(opt.open),
        }),
      );
    await runReporter(reporterFor(s, { tag: 'warmup', rate: 20, seconds: 1 }));
    const [, base] = await measured(s.server.url, () =>
      runReporter(reporterFor(s, { tag: `cmp${++runs}`, rate: cmpRate, seconds: cmpSeconds })),
    );
    baselineCpuPct = (base.cpuS / base.wallS) * 100;

    // Polling before sockets: the snapshot only grows, so polling gets the smaller one.
    const pollers = Number(opt.pollers);
    const tag = `cmp${++runs}`;
    const pollConfig: PollerConfig = {
      url: s.server.url,
      cookie: s.operator.cookie,
      scope: CITY,
      pollers,
      intervalMs: 1000,
      seconds: cmpSeconds,
      tag,
    };
    const poller = new Child<PollerCommand, PollerReply>('fanout-poller-worker.ts', pollConfig);
    await poller.next('ready');
    const reporter = reporterFor(s, { tag, rate: cmpRate, seconds: cmpSeconds });
    await reporter.next('ready');
    const [[pr, rr], pwin] = await measured(s.server.url, async () => {
      poller.send({ type: 'go' });
      reporter.send({ type: 'go' });
      const [p, r] = await Promise.all([poller.next('result'), reporter.next('result')]);
      return [p.result, r.result] as [PollerResult, ReporterResult];
    });
    await Promise.all([poller.stop(), reporter.stop()]);
    const pollPct = (pwin.cpuS / pwin.wallS) * 100;
    compareRows.push({
      board: '1-s polling',
      boards: pollers,
      freshness: new LatencyHistogram().merge(pr.firstSeen).summary(),
      newest: new LatencyHistogram().merge(pr.newestAge).summary(),
      perBoardMs: ((pollPct - baselineCpuPct) * 10) / pollers,
      serverCpuPct: pollPct,
      loopP99Ms: pwin.loopP99Ms,
      note:
        `${pr.polls} snapshots of ${fmt(pr.meanBytes / 1024, 0)} KiB, GET p50/p99 ${fmt(new LatencyHistogram().merge(pr.response).summary().p50)}/${fmt(new LatencyHistogram().merge(pr.response).summary().p99)} ms; ` +
        `meanwhile ${rr.accepted.length}/${rr.sent} reports accepted, POST p50/p99 ${fmt(new LatencyHistogram().merge(rr.roundTrip).summary().p50)}/${fmt(new LatencyHistogram().merge(rr.roundTrip).summary().p99)} ms (freshness includes it)` +
        (Object.keys(pr.failures).length ? `, failures ${JSON.stringify(pr.failures)}` : ''),
    });

    const have = await connectTo(workers, 0, SOCKETS);
    const row = await cityopsRun(s, workers, have, cmpRate, cmpSeconds, 'socket board');
    compareRows.push({
      board: 'socket board',
      boards: row.sockets,
      freshness: row.latency,
      newest: null,
      perBoardMs: ((row.serverCpuPct - baselineCpuPct) * 10) / row.sockets,
      serverCpuPct: row.serverCpuPct,
      loopP99Ms: row.loopP99Ms,
      note: `lost ${row.lost}, ${row.note}`,
    });
  } finally {
    await Promise.all(workers.map((w) => w.stop({ type: 'close' })));
    await s.cleanup();
  }
}

// ── Intake throughput, closed loop ──
interface IntakeRow {
  db: string;
  perS: number;
  post: Summary;
  cpuMsPerReport: number;
  serverCpuPct: number;
  failures: string;
}
const intakeRows: IntakeRow[] = [];
if (parts.has('intake')) {
  notes.push(`machine load at the start of the intake part: ${machineLoad()}`);
  for (const db of ['pglite', 'postgres'] as const) {
    const s = await startServer(db);
    try {
      const seconds = Number(opt['intake-seconds']);
      const [r, win] = await measured(s.server.url, () =>
        runReporter(
          reporterFor(s, {
            tag: `intake${++runs}`,
            mode: 'closed',
            concurrency: Number(opt.concurrency),
            seconds,
            warmupSeconds: 2,
          }),
        ),
      );
      // The window includes the warm-up: CPU per report divides by everything sent.
      intakeRows.push({
        db: db === 'pglite' ? 'PGlite (on disk, as shipped)' : 'Postgres',
        perS: r.perSecond,
        post: new LatencyHistogram().merge(r.roundTrip).summary(),
        cpuMsPerReport: (win.cpuS * 1000) / r.sent,
        serverCpuPct: (win.cpuS / win.wallS) * 100,
        failures: Object.entries(r.failures)
          .map(([k, v]) => `${k}×${v}`)
          .join(', '),
      });
    } finally {
      await s.cleanup();
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

// ── The table ──
const out: string[] = [];
out.push(
  `fan-out: POST /api/incidents → arrival at sockets subscribed to the city (${CITY}); Postgres, one server process, reporter and ${WORKERS} socket-client processes beside it`,
);
if (fanoutRows.length) out.push(table([fanoutHeader, ...fanoutRows.map(fanoutCells)]));
if (stepRows.length) {
  out.push('');
  out.push(
    `step search at ${opt['step-rate']} events/s, ${opt['step-seconds']} s a step: largest socket count with p99 ≤ ${opt['step-p99']} ms = ${stepBest ?? 'none'} (stopped: ${stepStop})`,
  );
  out.push(table([fanoutHeader, ...stepRows.map(fanoutCells)]));
}
if (compareRows.length) {
  out.push('');
  out.push(
    `polling vs sockets: ${opt['cmp-rate']} reports/s for ${opt['cmp-seconds']} s over ${opt.open} open incidents; server CPU with no boards ${fmt(baselineCpuPct, 0)}% of a core; per board = (CPU with boards − without) ÷ boards`,
  );
  out.push(
    table([
      [
        'board',
        'boards',
        'freshness p50 ms',
        'p99 ms',
        'newest seen age p50/p99 ms',
        'server CPU %',
        'loop delay p99 ms',
        'server CPU per board ms/s',
      ],
      ...compareRows.map((r) => [
        r.board,
        String(r.boards),
        r.freshness.p50,
        r.freshness.p99,
        r.newest ? `${fmt(r.newest.p50)} / ${fmt(r.newest.p99)}` : '—',
        fmt(r.serverCpuPct, 0),
        r.loopP99Ms,
        fmt(r.perBoardMs, 3),
      ]),
    ]),
  );
  for (const r of compareRows) notes.push(`${r.board}: ${r.note}`);
}
if (intakeRows.length) {
  out.push('');
  out.push(
    `intake: closed loop, ${opt.concurrency} POST /api/incidents in flight for ${opt['intake-seconds']} s (after 2 s warm-up), one server process`,
  );
  out.push(
    table([
      [
        'database',
        'reports/s',
        'POST p50 ms',
        'p99 ms',
        'max ms',
        'server CPU %',
        'CPU ms/report',
        'failures',
      ],
      ...intakeRows.map((r) => [
        r.db,
        fmt(r.perS, 0),
        r.post.p50,
        r.post.p99,
        r.post.max,
        fmt(r.serverCpuPct, 0),
        r.cpuMsPerReport,
        r.failures || '0',
      ]),
    ]),
  );
}

// ── Targets ──
const verdicts: string[][] = [['target', 'measured', '']];
const mark = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
if (headline) {
  verdicts.push([
    `p99 ≤ ${TARGET.p99Ms} ms at ${SOCKETS} sockets × ${RATE} events/s`,
    `${fmt(headline.latency.p99)} ms`,
    mark(headline.latency.p99 <= TARGET.p99Ms),
  ]);
  verdicts.push([
    `zero loss at ${SOCKETS} sockets × ${RATE} events/s`,
    `lost ${headline.lost}, dup ${headline.duplicates}, out of order ${headline.outOfOrder}`,
    mark(headline.lost === 0),
  ]);
}
if (headline && sameStream)
  verdicts.push([
    `delivered msg/s ≥ ${TARGET.ofCeiling * 100}% of bare ws (same stream)`,
    `${fmt(headline.deliveredPerS, 0)} / ${fmt(sameStream.deliveredPerS, 0)} = ${fmt((headline.deliveredPerS / sameStream.deliveredPerS) * 100, 0)}%` +
      (flatOut
        ? ` (of the flat-out ceiling ${fmt(flatOut.deliveredPerS, 0)}: ${fmt((headline.deliveredPerS / flatOut.deliveredPerS) * 100, 0)}%)`
        : ''),
    mark(headline.deliveredPerS >= TARGET.ofCeiling * sameStream.deliveredPerS),
  ]);
if (compareRows.length === 2) {
  const [poll, sock] = compareRows as [CompareRow, CompareRow];
  const ratio = poll.perBoardMs / sock.perBoardMs;
  verdicts.push([
    `server CPU per board ≥ ${TARGET.cpuRatio}× less than 1-s polling`,
    `${fmt(poll.perBoardMs, 3)} vs ${fmt(sock.perBoardMs, 3)} ms/s = ${sock.perBoardMs > 0 ? `${fmt(ratio, 0)}×` : 'socket board cost not measurable above baseline'}`,
    mark(sock.perBoardMs <= 0 ? poll.perBoardMs > 0 : ratio >= TARGET.cpuRatio),
  ]);
}
if (stepRows.length)
  verdicts.push([
    `largest socket count with p99 ≤ ${opt['step-p99']} ms at ${opt['step-rate']} events/s`,
    `${stepBest ?? 'none'} (${stepStop})`,
    '',
  ]);
out.push('');
out.push(table(verdicts));
out.push('');
out.push(...notes.map((n) => `· ${n}`));
out.push(
  `machine load ${loadBefore} → ${machineLoad()} (1-min average, 2 cores shared); bench took ${fmt((performance.now() - benchStart) / 1000, 0)} s`,
);
console.log(out.join('\n'));
if (verdicts.some((v) => v[2] === 'FAIL')) process.exitCode = 1;

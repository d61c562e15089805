/**
 * Load generator for `pnpm bench fanout`: many subscribed sockets in one process, either real
 * socket.io-client sockets on cityops' `/live` or bare `ws` clients of the plain broadcaster.
 * Driven over IPC by the bench (connect, arm, collect); counts every tagged event per socket.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServer, Event, ServerToClient } from '@cityops/protocol';
import { LatencyHistogram, epochMs, type SparseHistogram } from './bench-util.ts';

export interface SocketsWorkerConfig {
  kind: 'socketio' | 'ws';
  /** cityops base URL, or the broadcaster's ws:// URL. */
  url: string;
  cookie: string;
  scope: string;
}

export type SocketsWorkerCommand =
  | { type: 'connect'; sockets: number }
  | {
      type: 'arm';
      tag: string;
      maxSeq: number;
      /** Only count arrivals and latency (a replay that repeats sequence numbers). */
      countOnly: boolean;
      /** Write the batches the first socket receives to this file (JSON lines). */
      recordTo: string | null;
    }
  | { type: 'collect' }
  | { type: 'close' };

export type SocketsWorkerReply =
  | { type: 'connected'; total: number; failed: number; firstError: string | null; ms: number }
  | { type: 'armed' }
  | { type: 'progress'; deliveries: number }
  | { type: 'result'; result: SocketsResult };

export interface SocketsResult {
  sockets: number;
  /** First copies of tagged events, summed over sockets. */
  deliveries: number;
  duplicates: number;
  outOfOrder: number;
  /** Per sequence number: how many sockets got it at least once. */
  perSeq: number[];
  latency: SparseHistogram;
  firstArrival: number;
  lastArrival: number;
  cpuMs: number;
  disconnects: number;
  /** `resync` messages received (e.g. the server cut a slow socket off its rooms). */
  resyncs: number;
}

/** A recorded batch: when it arrived and its JSON, as the broadcaster will send it again. */
export interface RecordedBatch {
  at: number;
  json: string;
}

interface MinimalWs {
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'open' | 'close', fn: () => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  close(): void;
}
// `ws` ships no types and @types/ws is not a dependency of this package.
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => MinimalWs;

const config = JSON.parse(process.env.FANOUT_WORKER ?? '{}') as SocketsWorkerConfig;
const send = (m: SocketsWorkerReply): void => void process.send!(m);

interface Client {
  close: () => void;
  lastId: number;
  seen: Uint8Array;
}
const clients: Client[] = [];
let disconnects = 0;
let resyncs = 0;

interface Run {
  tag: string;
  prefix: string;
  maxSeq: number;
  countOnly: boolean;
  record: RecordedBatch[] | null;
  recordTo: string | null;
  deliveries: number;
  duplicates: number;
  outOfOrder: number;
  perSeq: Uint32Array;
  latency: LatencyHistogram;
  firstArrival: number;
  lastArrival: number;
  cpu: NodeJS.CpuUsage;
}
let run: Run | null = null;

function onBatch(c: Client, index: number, events: Event[]): void {
  const r = run;
  if (!r) return;
  const now = epochMs();
  if (r.record && index === 0) r.record.push({ at: now, json: JSON.stringify({ events }) });
  for (const e of events) {
    const desc = (e.data.incident as { description?: unknown } | undefined)?.description;
    if (typeof desc !== 'string' || !desc.startsWith(r.prefix)) continue;
    // Description: `<tag> <seq> t=<epoch ms at POST send>`.
    const sp = desc.indexOf(' ', r.prefix.length);
    const seq = Number(desc.slice(r.prefix.length, sp));
    const sentAt = Number(desc.slice(sp + 3));
    if (!(seq >= 0 && seq < r.maxSeq)) continue;
    if (!r.countOnly) {
      if (c.seen[seq]! > 0) {
        r.duplicates++;
        continue;
      }
      c.seen[seq] = 1;
      r.perSeq[seq]!++;
      if (e.id < c.lastId) r.outOfOrder++;
      c.lastId = Math.max(c.lastId, e.id);
    }
    r.deliveries++;
    r.latency.add(now - sentAt);
    if (r.firstArrival === 0) r.firstArrival = now;
    r.lastArrival = now;
  }
}

function connectSocketIo(index: number): Promise<Client> {
  const s: Socket<ServerToClient, ClientToServer> = io(`${config.url}/live`, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
    extraHeaders: { cookie: config.cookie },
  });
  const c: Client = { close: () => s.close(), lastId: 0, seen: new Uint8Array(0) };
  s.on('events', ({ events }) => onBatch(c, index, events));
  s.on('resync', () => resyncs++);
  return new Promise<Client>((resolve, reject) => {
    s.once('connect_error', reject);
    s.once('connect', () => {
      s.once('disconnect', () => disconnects++);
      s.timeout(60_000)
        .emitWithAck('subscribe', { scope: config.scope })
        .then((ack) => (ack.ok ? resolve(c) : reject(new Error(ack.error))), reject);
    });
  });
}

function connectWs(index: number): Promise<Client> {
  const s = new WebSocket(config.url);
  const c: Client = { close: () => s.close(), lastId: 0, seen: new Uint8Array(0) };
  s.on('message', (data) =>
    onBatch(c, index, (JSON.parse(data.toString()) as { events: Event[] }).events),
  );
  return new Promise<Client>((resolve, reject) => {
    s.on('error', reject);
    s.on('open', () => {
      s.on('close', () => disconnects++);
      resolve(c);
    });
  });
}

async function connect(n: number): Promise<void> {
  const t0 = performance.now();
  let failed = 0;
  let firstError: string | null = null;
  const start = clients.length;
  // A bounded number of handshakes at a time: each costs the server a session lookup.
  const WIDTH = 50;
  for (let i = 0; i < n; i += WIDTH) {
    const made = await Promise.allSettled(
      Array.from({ length: Math.min(WIDTH, n - i) }, (_, j) =>
        (config.kind === 'ws' ? connectWs : connectSocketIo)(start + i + j),
      ),
    );
    for (const m of made) {
      if (m.status === 'fulfilled') clients.push(m.value);
      else {
        failed++;
        firstError ??= String((m.reason as Error)?.message ?? m.reason);
      }
    }
  }
  send({
    type: 'connected',
    total: clients.length,
    failed,
    firstError,
    ms: performance.now() - t0,
  });
}

let progress: NodeJS.Timeout | null = null;

process.on('message', (m: SocketsWorkerCommand) => {
  switch (m.type) {
    case 'connect':
      void connect(m.sockets);
      break;
    case 'arm':
      for (const c of clients) {
        c.lastId = 0;
        c.seen = new Uint8Array(m.countOnly ? 0 : m.maxSeq);
      }
      run = {
        tag: m.tag,
        prefix: `${m.tag} `,
        maxSeq: m.maxSeq,
        countOnly: m.countOnly,
        record: m.recordTo ? [] : null,
        recordTo: m.recordTo,
        deliveries: 0,
        duplicates: 0,
        outOfOrder: 0,
        perSeq: new Uint32Array(m.maxSeq),
        latency: new LatencyHistogram(),
        firstArrival: 0,
        lastArrival: 0,
        cpu: process.cpuUsage(),
      };
      progress ??= setInterval(() => {
        if (run) send({ type: 'progress', deliveries: run.deliveries });
      }, 250);
      send({ type: 'armed' });
      break;
    case 'collect': {
      const r = run;
      run = null;
      if (!r) throw new Error('collect before arm');
      const cpu = process.cpuUsage(r.cpu);
      if (r.record && r.recordTo)
        writeFileSync(r.recordTo, r.record.map((b) => JSON.stringify(b)).join('\n'));
      send({
        type: 'result',
        result: {
          sockets: clients.length,
          deliveries: r.deliveries,
          duplicates: r.duplicates,
          outOfOrder: r.outOfOrder,
          perSeq: Array.from(r.perSeq),
          latency: r.latency.toJSON(),
          firstArrival: r.firstArrival,
          lastArrival: r.lastArrival,
          cpuMs: (cpu.user + cpu.system) / 1000,
          disconnects,
          resyncs,
        },
      });
      break;
    }
    case 'close':
      if (progress) clearInterval(progress);
      for (const c of clients) c.close();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});

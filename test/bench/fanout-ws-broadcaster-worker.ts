/**
 * The practical ceiling for `pnpm bench fanout`: a bare `ws` server in its own process that
 * sends the recorded cityops events to every client, batched per 50 ms window of their POST
 * time, each frame built once and written to every socket (as socket.io's adapter does for a
 * broadcast), with no rooms, acks or database.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { epochMs } from './bench-util.ts';
import { BATCH_INTERVAL_MS } from '@cityops/protocol';

/** One event of the recorded stream: its wire JSON and when its report was sent. */
export interface RecordedEvent {
  sentAt: number;
  json: string;
}

export type BroadcasterCommand =
  | {
      type: 'replay';
      /** JSON lines of `RecordedEvent`, in id order. */
      file: string;
      /** timed: at the reports' pace; flat: back to back, waiting only for full socket buffers. */
      mode: 'timed' | 'flat';
      seconds: number;
    }
  | { type: 'close' };

export type BroadcasterReply =
  { type: 'listening'; port: number } | { type: 'done'; result: BroadcasterResult };

export interface BroadcasterResult {
  clients: number;
  frames: number;
  firstSend: number;
  lastSend: number;
  cpuMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

interface RawClient {
  bufferedAmount: number;
  _sender: { sendFrame: (frame: Buffer[]) => void };
}
interface WsModule {
  WebSocketServer: new (o: { host: string; port: number; perMessageDeflate: boolean }) => {
    clients: Set<RawClient>;
    on: (event: 'listening', fn: () => void) => void;
    address: () => { port: number };
    close: () => void;
  };
  Sender: {
    frame: (
      data: Buffer,
      o: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean },
    ) => Buffer[];
  };
}
// `ws` ships no types and @types/ws is not a dependency of this package.
const ws = createRequire(import.meta.url)('ws') as WsModule;

const send = (m: BroadcasterReply): void => void process.send!(m);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const server = new ws.WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('listening', () => send({ type: 'listening', port: server.address().port }));

/** Descriptions carry `t=<POST send time>`, 13 digits and one decimal: restamped in place. */
const STAMP = /t=\d{13}\.\d/;
const stamp = (json: string, t: number): string => json.replace(STAMP, `t=${t.toFixed(1)}`);

function broadcast(events: string[]): void {
  const frame = ws.Sender.frame(Buffer.from(`{"events":[${events.join(',')}]}`), {
    readOnly: false,
    mask: false,
    rsv1: false,
    opcode: 1,
    fin: true,
  });
  for (const c of server.clients) c._sender.sendFrame(frame);
}

async function drained(limit: number): Promise<void> {
  for (;;) {
    let max = 0;
    for (const c of server.clients) max = Math.max(max, c.bufferedAmount);
    if (max <= limit) return;
    await sleep(1);
  }
}

async function replay(file: string, mode: 'timed' | 'flat', seconds: number): Promise<void> {
  const events = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RecordedEvent);
  if (events.length === 0) throw new Error(`no events in ${file}`);
  // The relay's batching, ideally: each event in the window its report was sent in, but never
  // before an event of lower id (ids are commit order, and batches are ordered by id).
  const base = events.reduce((m, e) => Math.min(m, e.sentAt), Infinity);
  const windows: RecordedEvent[][] = [];
  let slot = 0;
  for (const e of events) {
    slot = Math.max(slot, Math.floor((e.sentAt - base) / BATCH_INTERVAL_MS));
    (windows[slot] ??= []).push(e);
  }
  const cpu = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let frames = 0;
  const firstSend = epochMs();
  if (mode === 'timed') {
    // Shift the stream to now; latency is then arrival − (shifted) POST time, as for cityops.
    const shift = epochMs() + BATCH_INTERVAL_MS - base;
    for (let k = 0; k < windows.length; k++) {
      const wait = base + shift + (k + 1) * BATCH_INTERVAL_MS - epochMs();
      if (wait > 0) await sleep(wait);
      const w = windows[k];
      if (!w) continue;
      broadcast(w.map((e) => stamp(e.json, e.sentAt + shift)));
      frames++;
    }
  } else {
    const full = windows.filter((w): w is RecordedEvent[] => w !== undefined);
    const until = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < until; i++) {
      const now = epochMs();
      broadcast(full[i % full.length]!.map((e) => stamp(e.json, now)));
      frames++;
      if (i % 8 === 7) await drained(256 * 1024);
    }
  }
  const lastSend = epochMs();
  loop.disable();
  const used = process.cpuUsage(cpu);
  send({
    type: 'done',
    result: {
      clients: server.clients.size,
      frames,
      firstSend,
      lastSend,
      cpuMs: (used.user + used.system) / 1000,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
    },
  });
}

process.on('message', (m: BroadcasterCommand) => {
  if (m.type === 'replay') void replay(m.file, m.mode, m.seconds);
  else {
    server.close();
    setTimeout(() => process.exit(0), 200);
  }
});

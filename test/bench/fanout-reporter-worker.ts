/**
 * Reporter for `pnpm bench fanout`, in its own process: `POST /api/incidents` either open-loop
 * at a fixed rate or closed-loop with a fixed number in flight. Each description carries a
 * sequence number and the send time, so any other process can time the arrival.
 */
import { LatencyHistogram, epochMs, type SparseHistogram } from './bench-util.ts';

export interface ReporterConfig {
  url: string;
  cookie: string;
  tag: string;
  /** open: `rate` reports/s for `seconds`; closed: `concurrency` in flight for `seconds`. */
  mode: 'open' | 'closed';
  rate: number;
  concurrency: number;
  seconds: number;
  /** Closed loop only: reports in these first seconds are sent but not counted. */
  warmupSeconds: number;
  /** Closed loop only: stop after this many reports (0: run for `seconds`). */
  count: number;
  /** [lng, lat] points inside grids, used in turn. */
  points: [number, number][];
}

export type ReporterCommand = { type: 'go' };
export type ReporterReply = { type: 'ready' } | { type: 'result'; result: ReporterResult };

export interface ReporterResult {
  sent: number;
  /** Sequence numbers answered 201. */
  accepted: number[];
  failures: Record<string, number>;
  /** Send → 201, counted reports only. */
  roundTrip: SparseHistogram;
  firstSend: number;
  lastSend: number;
  /** Closed loop: counted 201s per second of the measured part. */
  perSecond: number;
}

const config = JSON.parse(process.env.FANOUT_WORKER ?? '{}') as ReporterConfig;
const send = (m: ReporterReply): void => void process.send!(m);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const accepted: number[] = [];
const failures: Record<string, number> = {};
const roundTrip = new LatencyHistogram();
let sent = 0;
let firstSend = 0;
let lastSend = 0;

async function report(seq: number, counted: boolean): Promise<void> {
  const [lng, lat] = config.points[seq % config.points.length]!;
  const t = epochMs();
  firstSend ||= t;
  lastSend = t;
  sent++;
  try {
    const r = await fetch(`${config.url}/api/incidents`, {
      method: 'POST',
      headers: { cookie: config.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        category: 'municipal.sewer_blocked',
        lng,
        lat,
        description: `${config.tag} ${seq} t=${t.toFixed(1)}`,
      }),
    });
    await r.arrayBuffer();
    if (r.status === 201) {
      if (counted) {
        accepted.push(seq);
        roundTrip.add(epochMs() - t);
      }
    } else failures[String(r.status)] = (failures[String(r.status)] ?? 0) + 1;
  } catch (err) {
    const k = (err as Error).message;
    failures[k] = (failures[k] ?? 0) + 1;
  }
}

async function openLoop(): Promise<number> {
  const n = Math.round(config.rate * config.seconds);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / config.rate - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(report(i, true));
  }
  await Promise.all(pending);
  return NaN;
}

async function closedLoop(): Promise<number> {
  let seq = 0;
  const t0 = performance.now();
  const measureFrom = t0 + config.warmupSeconds * 1000;
  const until = measureFrom + config.seconds * 1000;
  await Promise.all(
    Array.from({ length: config.concurrency }, async () => {
      while (performance.now() < until && (config.count === 0 || seq < config.count)) {
        const counted = performance.now() >= measureFrom;
        await report(seq++, counted);
      }
    }),
  );
  return accepted.length / ((performance.now() - measureFrom) / 1000);
}

process.on('message', (m: ReporterCommand) => {
  if (m.type !== 'go') return;
  void (config.mode === 'open' ? openLoop() : closedLoop()).then((perSecond) =>
    send({
      type: 'result',
      result: {
        sent,
        accepted,
        failures,
        roundTrip: roundTrip.toJSON(),
        firstSend,
        lastSend,
        perSecond,
      },
    }),
  );
});
send({ type: 'ready' });

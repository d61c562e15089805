/**
 * The polling dashboard for `pnpm bench fanout`, in its own process: N boards that each
 * `GET /api/snapshot?scope=` once a second (phases spread evenly) and note how old the
 * reports they see are.
 */
import { LatencyHistogram, epochMs, type SparseHistogram } from './bench-util.ts';

export interface PollerConfig {
  url: string;
  cookie: string;
  scope: string;
  pollers: number;
  intervalMs: number;
  seconds: number;
  tag: string;
}

export type PollerCommand = { type: 'go' };
export type PollerReply = { type: 'ready' } | { type: 'result'; result: PollerResult };

export interface PollerResult {
  polls: number;
  failures: Record<string, number>;
  /** GET round trip. */
  response: SparseHistogram;
  /** Per board and report: first response that contains it − its POST send time. */
  firstSeen: SparseHistogram;
  /** Per response: its arrival − the POST send time of the newest tagged report in it. */
  newestAge: SparseHistogram;
  meanBytes: number;
  cpuMs: number;
}

const config = JSON.parse(process.env.FANOUT_WORKER ?? '{}') as PollerConfig;
const send = (m: PollerReply): void => void process.send!(m);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const response = new LatencyHistogram();
const firstSeen = new LatencyHistogram();
const newestAge = new LatencyHistogram();
const failures: Record<string, number> = {};
let polls = 0;
let bytes = 0;
const prefix = `${config.tag} `;

async function board(index: number, until: number): Promise<void> {
  const seen = new Set<number>();
  let due = performance.now() + (index * config.intervalMs) / config.pollers;
  while (due < until) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    due += config.intervalMs;
    const t0 = epochMs();
    try {
      const r = await fetch(`${config.url}/api/snapshot?scope=${config.scope}`, {
        headers: { cookie: config.cookie },
      });
      const text = await r.text();
      const now = epochMs();
      if (r.status !== 200) {
        failures[String(r.status)] = (failures[String(r.status)] ?? 0) + 1;
        continue;
      }
      polls++;
      bytes += text.length;
      response.add(now - t0);
      const snap = JSON.parse(text) as { incidents: { description: string }[] };
      let newest = -1;
      let newestAt = 0;
      for (const inc of snap.incidents) {
        if (!inc.description.startsWith(prefix)) continue;
        const sp = inc.description.indexOf(' ', prefix.length);
        const seq = Number(inc.description.slice(prefix.length, sp));
        const sentAt = Number(inc.description.slice(sp + 3));
        if (seq > newest) {
          newest = seq;
          newestAt = sentAt;
        }
        if (!seen.has(seq)) {
          seen.add(seq);
          firstSeen.add(now - sentAt);
        }
      }
      if (newest >= 0) newestAge.add(now - newestAt);
    } catch (err) {
      const k = (err as Error).message;
      failures[k] = (failures[k] ?? 0) + 1;
    }
  }
}

process.on('message', (m: PollerCommand) => {
  if (m.type !== 'go') return;
  const cpu = process.cpuUsage();
  const until = performance.now() + config.seconds * 1000;
  void Promise.all(Array.from({ length: config.pollers }, (_, i) => board(i, until))).then(() => {
    const used = process.cpuUsage(cpu);
    send({
      type: 'result',
      result: {
        polls,
        failures,
        response: response.toJSON(),
        firstSeen: firstSeen.toJSON(),
        newestAge: newestAge.toJSON(),
        meanBytes: polls ? bytes / polls : NaN,
        cpuMs: (used.user + used.system) / 1000,
      },
    });
  });
});
send({ type: 'ready' });

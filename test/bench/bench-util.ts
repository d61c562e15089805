import { loadavg } from 'node:os';

/** Order statistics of a sample, in the sample's unit. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarise(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN };
}

/** A fixed-width text table: the first row is the header. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '),
    )
    .join('\n');
}

/** One row per case: its median and every round, in ms (`first` heads the first column). */
export function roundsTable(first: string, rounds: Readonly<Record<string, number[]>>): string {
  return table([
    [first, 'median ms', 'rounds ms'],
    ...Object.entries(rounds).map(([k, xs]) => [
      k,
      fmt(summarise(xs).p50),
      xs.map((x) => fmt(x, 0)).join(' '),
    ]),
  ]);
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

/** Parse `--key=value` flags with defaults. */
export function flags<T extends Record<string, string>>(argv: readonly string[], defaults: T): T {
  const out: Record<string, string> = { ...defaults };
  for (const a of argv) {
    const m = /^--([\w-]+)=(.*)$/.exec(a);
    if (!m)
      throw new Error(
        `unknown argument ${a}; expected --name=value, one of ${Object.keys(defaults).join(', ')}`,
      );
    if (!(m[1]! in defaults))
      throw new Error(`unknown flag --${m[1]}; known: ${Object.keys(defaults).join(', ')}`);
    out[m[1]!] = m[2]!;
  }
  return out as T;
}

/** The 1-minute load average, to flag a run made on a busy machine. */
export function machineLoad(): string {
  return loadavg()[0]!.toFixed(2);
}

/** Scrape a Prometheus text endpoint into name{labels} → value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** A quantile estimated from the difference of two scrapes of a Prometheus histogram. */
export function histogramQuantile(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  q: number,
): number {
  const buckets: { le: number; count: number }[] = [];
  for (const [k, v] of after) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(k);
    if (m)
      buckets.push({
        le: m[1] === '+Inf' ? Infinity : Number(m[1]),
        count: v - (before.get(k) ?? 0),
      });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return NaN;
  const hit = buckets.find((b) => b.count >= q * total);
  return hit ? hit.le : NaN;
}

/**
 * Latencies in 0.1 ms buckets (exact max), small enough to pass between processes as
 * `[bucket, count]` pairs and merge, where a sample of millions of arrivals would not be.
 */
export class LatencyHistogram {
  static readonly RESOLUTION_MS = 0.1;
  static readonly BUCKETS = 600_000;
  readonly #counts = new Uint32Array(LatencyHistogram.BUCKETS);
  #n = 0;
  #max = -Infinity;

  add(ms: number): void {
    const b = Math.min(
      LatencyHistogram.BUCKETS - 1,
      Math.max(0, Math.round(ms / LatencyHistogram.RESOLUTION_MS)),
    );
    this.#counts[b]!++;
    this.#n++;
    if (ms > this.#max) this.#max = ms;
  }

  get n(): number {
    return this.#n;
  }

  toJSON(): SparseHistogram {
    const buckets: [number, number][] = [];
    for (let i = 0; i < this.#counts.length; i++)
      if (this.#counts[i]) buckets.push([i, this.#counts[i]!]);
    return { buckets, max: this.#max };
  }

  merge(h: SparseHistogram): this {
    for (const [b, c] of h.buckets) {
      this.#counts[b]! += c;
      this.#n += c;
    }
    if (h.max > this.#max) this.#max = h.max;
    return this;
  }

  summary(): Summary {
    const q = (p: number): number => {
      const want = Math.max(1, Math.ceil(p * this.#n));
      let seen = 0;
      for (let i = 0; i < this.#counts.length; i++) {
        seen += this.#counts[i]!;
        if (seen >= want) return i * LatencyHistogram.RESOLUTION_MS;
      }
      return NaN;
    };
    if (this.#n === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
    return { n: this.#n, p50: q(0.5), p99: q(0.99), max: this.#max };
  }
}

/** A `LatencyHistogram` as it crosses a process boundary. */
export interface SparseHistogram {
  buckets: [number, number][];
  max: number;
}

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across processes of one host. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

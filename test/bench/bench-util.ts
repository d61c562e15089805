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

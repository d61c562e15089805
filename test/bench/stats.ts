/**
 * The statistics at scale: a history of `--incidents` over `--days` (default 1,000,000 over 365
 * days) written with writeHistory, the daily rollup built for every closed day, then timed:
 * the daily report of a closed day, of today (live: a server's first read of the day, and later
 * reads, each after five new reports), a 90-day trend, and in the same run the naive GROUP BY
 * over the raw incidents table for the same day and the same 90 days.
 *   pnpm bench stats [--db=postgres|pglite|both] [--incidents=1000000] [--days=365] [--runs=20]
 * Targets: daily report p95 ≤ 200 ms on Postgres, ≤ 1 s on PGlite; the verdicts are printed
 * under the table, next to the naive GROUP BY.
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { sql } from 'drizzle-orm';
import { addDays, dayStartOf, encodePath, localDate, pointInGeometry } from '@cityops/domain';
import { open, type Database } from '@cityops/db';
import { buildCity, seedDatabase, writeHistory } from '@cityops/seed';
import { hashPassword } from '@cityops/server';
import type { Services } from '../../server/src/context.ts';
import { RegionIndex } from '../../server/src/regions/region-index.ts';
import { createIncident } from '../../server/src/incidents/create-incident.ts';
import { StatsContext } from '../../server/src/stats/stats-context.ts';
import { getDailyReport } from '../../server/src/stats/get-daily-report.ts';
import { getRangeReport } from '../../server/src/stats/get-range-report.ts';
import { createPostgresDatabase } from '../support/test-server.ts';
import { flags, fmt, machineLoad, table } from './bench-util.ts';

const opt = flags(process.argv.slice(2), {
  db: 'both',
  incidents: '1000000',
  days: '365',
  runs: '20',
  chunk: '100000',
});
const INCIDENTS = Number(opt.incidents);
const DAYS = Number(opt.days);
const RUNS = Number(opt.runs);
const CHUNK = Number(opt.chunk);
const OFFSET = 480;
// 14:00 local: a working day well under way.
const NOW = new Date('2026-11-20T06:00:00Z');
const TODAY = localDate(NOW, OFFSET);
const city = buildCity('demo');
const TARGET_MS = { postgres: 200, pglite: 1000 } as const;
const few = Math.max(3, Math.ceil(RUNS / 4));
let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

interface Timing {
  name: string;
  ms: number[];
}

const p = (values: number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};

/** `fn` once to warm up, then `runs` timed calls, each after an untimed `before`. */
async function time(
  name: string,
  runs: number,
  fn: () => Promise<unknown>,
  before: () => Promise<unknown> = async () => undefined,
): Promise<Timing> {
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { name, ms };
}

/**
 * History in chunks of about `CHUNK` incidents, each ending where the next begins, so memory
 * stays bounded; work still open at a chunk's end stays open (a little extra open backlog).
 */
async function fill(
  db: Database,
  seeded: Awaited<ReturnType<typeof seedDatabase>>,
): Promise<{ incidents: number; events: number }> {
  const chunks = Math.max(1, Math.ceil(INCIDENTS / CHUNK));
  const perChunkDays = Math.ceil(DAYS / chunks);
  const first = addDays(TODAY, -DAYS);
  let total = { incidents: 0, events: 0 };
  for (let c = 0; c < chunks; c++) {
    const lastDay = c === chunks - 1 ? TODAY : addDays(first, (c + 1) * perChunkDays - 1);
    const startDay = addDays(first, c * perChunkDays);
    const days = Math.round((Date.parse(lastDay) - Date.parse(startDay)) / 86_400_000);
    const now =
      c === chunks - 1 ? NOW : new Date(dayStartOf(addDays(lastDay, 1), OFFSET).getTime() - 60_000);
    const n =
      c === chunks - 1
        ? INCIDENTS - Math.floor(INCIDENTS / chunks) * (chunks - 1)
        : Math.floor(INCIDENTS / chunks);
    const t = performance.now();
    const r = await writeHistory({
      db: db.db,
      city,
      now,
      days,
      incidents: n,
      seed: 20260722 + c,
      users: {
        dispatchers: seeded.dispatchers,
        departmentHandlers: seeded.departmentHandlers,
        fieldWorkers: seeded.fieldWorkers,
      },
    });
    total = { incidents: total.incidents + r.incidents, events: total.events + r.events };
    sampleRss();
    console.log(
      `  history chunk ${c + 1}/${chunks}: ${startDay}..${lastDay} ${r.incidents} incidents, ${r.events} events, ${fmt((performance.now() - t) / 1000)} s, rss ${mb(process.memoryUsage().rss)}`,
    );
  }
  await db.db.execute(sql`analyze`);
  return total;
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;

interface Verdict {
  kind: 'postgres' | 'pglite';
  name: string;
  p95: number;
  naive: number;
}

const verdicts: Verdict[] = [];

async function run(kind: 'postgres' | 'pglite'): Promise<(string | number)[][]> {
  let drop: (() => Promise<void>) | null = null;
  let dir: string | null = null;
  let database: Database;
  if (kind === 'postgres') {
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    database = await open({ url: pg.url });
  } else {
    dir = mkdtempSync(join(tmpdir(), 'cityops-stats-bench-'));
    database = await open({ dataDir: dir });
  }
  try {
    console.log(
      `\n[${kind}] seeding ${INCIDENTS.toLocaleString()} incidents over ${DAYS} days (load ${machineLoad()})`,
    );
    const seeded = await seedDatabase({
      db: database.db,
      city,
      passwordHash: await hashPassword('bench'),
      demoAccounts: true,
    });
    const t0 = performance.now();
    const rows = await fill(database, seeded);
    const fillS = (performance.now() - t0) / 1000;

    // The clock moves a second per new report, so that a read at `now` takes in what came before.
    let clock = NOW.getTime();
    const svc: Services = {
      db: database.db,
      regions: await RegionIndex.load(database.db),
      now: () => new Date(clock),
      signal: { committed: () => undefined },
      log: pino({ level: 'silent' }),
      utcOffsetMinutes: OFFSET,
    };
    const stats = new StatsContext(svc);
    const root = svc.regions.root!;
    const ctx = {
      svc,
      principal: {
        kind: 'user' as const,
        userId: 1,
        username: 'leader',
        displayName: 'leader',
        role: 'leader' as const,
        scopeCode: root.code,
        departmentCode: null,
        gridCode: null,
      },
    };
    const dispatcher = seeded.dispatchers[0]!;
    const reporter = {
      svc,
      principal: {
        ...ctx.principal,
        userId: dispatcher.id,
        username: dispatcher.username,
        role: 'dispatcher' as const,
      },
    };
    const grids = city.grids.filter((g) => pointInGeometry(g.center[0], g.center[1], g.geometry));
    let reports = 0;
    const fiveReports = async (): Promise<void> => {
      for (let i = 0; i < 5; i++, reports++) {
        const g = grids[(reports * 31) % grids.length]!;
        await createIncident({
          ctx: reporter,
          input: {
            category: 'municipal.sewer_blocked',
            lng: g.center[0],
            lat: g.center[1],
            description: `bench ${reports}`,
          },
        });
        clock += 1_000;
      }
    };
    const closedDays: string[] = [];
    for (let d = addDays(TODAY, -DAYS); d < TODAY; d = addDays(d, 1)) closedDays.push(d);
    const t1 = performance.now();
    await stats.rollup.ensure(closedDays);
    const rollupS = (performance.now() - t1) / 1000;
    console.log(
      `  rollup of ${closedDays.length} closed days built in ${fmt(rollupS)} s (${fmt((rollupS * 1000) / closedDays.length, 0)} ms/day)`,
    );

    const day = addDays(TODAY, -1);
    const from90 = addDays(TODAY, -90);
    const to90 = addDays(TODAY, -1);
    const prefix = `${encodePath(root.path)}%`;
    const dStart = dayStartOf(day, OFFSET);
    const dEnd = dayStartOf(TODAY, OFFSET);
    const d90 = dayStartOf(from90, OFFSET);
    const district = svc.regions.children(root.code)[0]!;
    const timings: Timing[] = [
      await time('daily report, closed day, city', RUNS, () =>
        getDailyReport({ ctx, input: { date: day } }, stats),
      ),
      await time('daily report, closed day, district', RUNS, () =>
        getDailyReport({ ctx, input: { date: day, scope: district.code } }, stats),
      ),
      // A fresh context has read nothing of today yet: the whole day is read from the events.
      await time('daily report, today (live), first read', few, () =>
        getDailyReport({ ctx, input: { date: TODAY } }, new StatsContext(svc)),
      ),
      await time(
        'daily report, today (live), after 5 new reports',
        RUNS,
        () => getDailyReport({ ctx, input: { date: TODAY } }, stats),
        fiveReports,
      ),
      await time('90-day trend, city', few, () =>
        getRangeReport({ ctx, input: { from: from90, to: to90 } }, stats),
      ),
      await time('naive GROUP BY incidents, one day by district', RUNS, () =>
        database.db.execute(sql`
          select split_part(path, '/', 2) as district,
            count(*) filter (where reported_at >= ${dStart} and reported_at < ${dEnd}) as reported,
            count(*) filter (where resolved_at >= ${dStart} and resolved_at < ${dEnd}) as resolved,
            count(*) filter (where resolved_at >= ${dStart} and resolved_at < ${dEnd} and resolved_at <= deadline) as on_time,
            percentile_cont(0.5) within group (order by extract(epoch from resolved_at - reported_at))
              filter (where resolved_at >= ${dStart} and resolved_at < ${dEnd}) as median
          from incidents where path like ${prefix} group by 1`),
      ),
      await time('naive GROUP BY incidents, 90 days by day', few, () =>
        database.db.execute(sql`
          select ((reported_at at time zone 'UTC') + make_interval(mins => ${OFFSET}))::date as day,
            count(*) as reported,
            count(*) filter (where resolved_at is not null and resolved_at <= deadline) as on_time,
            percentile_cont(0.5) within group (order by extract(epoch from resolved_at - reported_at)) as median
          from incidents where path like ${prefix} and reported_at >= ${d90} and reported_at < ${dEnd} group by 1`),
      ),
    ];
    const out: (string | number)[][] = [
      [
        `${kind}: history`,
        fmt(fillS, 0) + ' s',
        `${rows.incidents.toLocaleString()} incidents`,
        `${rows.events.toLocaleString()} events`,
        '',
      ],
      [`${kind}: rollup build`, fmt(rollupS, 0) + ' s', `${closedDays.length} days`, '', ''],
    ];
    sampleRss();
    const naiveDay = timings.find((t) => t.name.startsWith('naive GROUP BY incidents, one day'))!;
    for (const t of timings.filter((t) => t.name.startsWith('daily report')))
      verdicts.push({ kind, name: t.name, p95: p(t.ms, 0.95), naive: p(naiveDay.ms, 0.95) });
    for (const t of timings)
      out.push([
        `${kind}: ${t.name}`,
        String(t.ms.length),
        fmt(p(t.ms, 0.5)),
        fmt(p(t.ms, 0.95)),
        fmt(Math.max(...t.ms)),
      ]);
    return out;
  } finally {
    await database.close();
    if (drop) await drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const results: (string | number)[][] = [['case', 'runs', 'p50 ms', 'p95 ms', 'max ms']];
for (const kind of opt.db === 'both'
  ? (['postgres', 'pglite'] as const)
  : [opt.db as 'postgres' | 'pglite'])
  results.push(...(await run(kind)));
console.log(
  `\nstats bench: ${INCIDENTS.toLocaleString()} incidents over ${DAYS} days, load ${machineLoad()}\n`,
);
console.log(table(results));
console.log(
  `\npeak rss ${mb(peakRss)}; targets: daily report p95 ≤ 200 ms (Postgres), ≤ 1 s (PGlite)`,
);
for (const v of verdicts)
  console.log(
    `  ${v.p95 <= TARGET_MS[v.kind] ? 'PASS' : 'FAIL'}  ${v.kind}: ${v.name}: p95 ${fmt(v.p95)} ms (target ${TARGET_MS[v.kind]} ms; naive GROUP BY one day p95 ${fmt(v.naive)} ms)`,
  );

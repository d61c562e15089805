/**
 * Every indicator of the statistics API, recomputed for a set of seeded days straight from the
 * events table with plain SQL (no rollup, no incidents table), must equal what the API reports;
 * and a street account sees its street only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import {
  CLOCK_STATES,
  FILING_LIMIT_MINUTES,
  INDICATORS,
  encodePath,
  type DailyReport,
  type Indicators,
  type RangeReport,
} from '@cityops/domain';
import { writeHistory } from '@cityops/seed';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { account } from '../support/fixtures.ts';

const OFFSET = 480;
// 14:00 local on 2026-11-20: ten whole days of history before it, and today up to now.
const NOW = new Date('2026-11-20T06:00:00Z');
const TODAY = '2026-11-20';
const DAYS = ['2026-11-12', '2026-11-16', '2026-11-19'];

let server: TestServer;
let leader: User;
let street: User;
let streetCode: string;
let streetPath: string[];

beforeAll(async () => {
  server = await startTestServer({ env: { SLA_INTERVAL_MS: String(24 * 3_600_000) } });
  server.app.sla.stop();
  // The checks below run long SQL on the same thread as the server: keep idle sockets open.
  server.app.http.keepAliveTimeout = 120_000;
  server.setNow(NOW);
  await writeHistory({
    db: server.database.db,
    city: server.city,
    now: NOW,
    days: 10,
    incidents: 3_000,
    users: {
      dispatchers: server.seeded.dispatchers,
      departmentHandlers: server.seeded.departmentHandlers,
      fieldWorkers: server.seeded.fieldWorkers,
    },
  });
  [leader, street] = await Promise.all([
    User.login(server.url, 'leader'),
    User.login(server.url, 'minghu'),
  ]);
  streetCode = account(server, 'minghu').scopeCode;
  streetPath = server.city.streets.find((s) => s.code === streetCode)!.path as string[];
});
afterAll(async () => {
  await server?.close();
});

const dayStart = (d: string): Date => new Date(Date.parse(`${d}T00:00:00Z`) - OFFSET * 60_000);
const nextDay = (d: string): string =>
  new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

interface Expected {
  counts: Record<string, number>;
  rates: Record<string, number | null>;
  resolution: { median: number | null; p90: number | null; mean: number | null };
  overdueOpen: number;
  gridsVisited: number;
}

/** The day's indicators from the events table alone, in SQL. */
async function expectedFromEvents(day: string, prefix: string, until?: Date): Promise<Expected> {
  const s = dayStart(day);
  const e = until ?? dayStart(nextDay(day));
  const like = `${prefix}%`;
  const clock = sql.join(
    CLOCK_STATES.map((x) => sql`${x}`),
    sql`, `,
  );
  const res = (await server.database.db.execute(sql`
    with ev as (
      select e.id, e.type, e.at, e.data, e.incident_id, r.at as reported_at,
        coalesce(
          (select (p.data->'after'->>'deadline')::timestamptz from events p
            where p.incident_id = e.incident_id and p.id < e.id and p.data->'after' ? 'deadline' order by p.id desc limit 1),
          (r.data->'incident'->>'deadline')::timestamptz) as deadline
      from events e join events r on r.incident_id = e.incident_id and r.type = 'incident.reported'
      where e.at >= ${s} and e.at < ${e} and e.path like ${like}
    ), res as (
      select * from ev where type = 'incident.resolved' or (type = 'incident.closed' and data->>'action' = 'self_resolve')
    ), c as (
      select
        count(*) filter (where type = 'incident.reported')::int as reported,
        count(*) filter (where type = 'incident.filed')::int as filed,
        count(*) filter (where type = 'incident.filed' and at - reported_at <= make_interval(mins => ${FILING_LIMIT_MINUTES}))::int as filed_on_time,
        count(*) filter (where type in ('incident.rejected', 'incident.merged'))::int as rejected,
        count(*) filter (where type = 'incident.dispatched')::int as dispatched,
        count(*) filter (where type = 'incident.returned')::int as returned,
        count(*) filter (where type = 'incident.closed' or (type = 'incident.verified' and (data->>'passed')::boolean))::int as closed,
        count(*) filter (where type = 'incident.closed' and data->>'action' = 'self_resolve')::int as self_resolved,
        count(*) filter (where type = 'incident.reworked')::int as reworked,
        count(*) filter (where type = 'incident.extension_requested')::int as extensions
      from ev
    ), r as (
      select count(*)::int as resolved, count(*) filter (where at <= deadline)::int as on_time,
        percentile_cont(0.5) within group (order by extract(epoch from at - reported_at) / 60) as median,
        percentile_cont(0.9) within group (order by extract(epoch from at - reported_at) / 60) as p90,
        avg(extract(epoch from at - reported_at) / 60)::float8 as mean
      from res
    ), od as (
      select count(*)::int as overdue_open from (
        select
          coalesce((select p.data->'after'->>'state' from events p where p.incident_id = r.incident_id and p.at < ${e}
                    and p.data->'after' ? 'state' order by p.id desc limit 1), 'reported') as state,
          (select p.data->'after'->>'overdue' from events p where p.incident_id = r.incident_id and p.at < ${e}
                    and p.data->'after' ? 'overdue' order by p.id desc limit 1) as overdue
        from events r where r.type = 'incident.reported' and r.at < ${e} and r.path like ${like}
      ) x where x.state in (${clock}) and x.overdue = 'true'
    ), pv as (
      select count(distinct data->>'gridCode')::int as visited from events
      where type = 'patrol.checkin' and at >= ${s} and at < ${e} and path like ${like}
    )
    select c.*, r.resolved, r.on_time, r.median::float8 as median, r.p90::float8 as p90, r.mean, od.overdue_open, pv.visited,
      c.filed::float8 / nullif(c.reported, 0) as filing_rate,
      1 - c.returned::float8 / nullif(c.dispatched, 0) as dispatch_accuracy,
      r.on_time::float8 / nullif(r.resolved, 0) as on_time_rate,
      c.closed::float8 / nullif(c.filed + c.self_resolved, 0) as closure_rate,
      c.reworked::float8 / nullif(r.resolved, 0) as rework_rate,
      c.extensions::float8 / nullif(c.dispatched, 0) as extension_rate,
      c.filed_on_time::float8 / nullif(c.filed, 0) as timely_filing_rate
    from c, r, od, pv`)) as unknown as { rows: Record<string, number | null>[] };
  const x = res.rows[0]!;
  const n = (k: string): number => Number(x[k] ?? 0);
  const f = (k: string): number | null =>
    x[k] === null || x[k] === undefined ? null : Number(x[k]);
  return {
    counts: {
      reported: n('reported'),
      filed: n('filed'),
      filedOnTime: n('filed_on_time'),
      rejected: n('rejected'),
      dispatched: n('dispatched'),
      returned: n('returned'),
      resolved: n('resolved'),
      resolvedOnTime: n('on_time'),
      closed: n('closed'),
      selfResolved: n('self_resolved'),
      reworked: n('reworked'),
      extensionsRequested: n('extensions'),
    },
    rates: {
      filingRate: f('filing_rate'),
      dispatchAccuracy: f('dispatch_accuracy'),
      onTimeRate: f('on_time_rate'),
      closureRate: f('closure_rate'),
      reworkRate: f('rework_rate'),
      extensionRate: f('extension_rate'),
      timelyFilingRate: f('timely_filing_rate'),
    },
    resolution: { median: f('median'), p90: f('p90'), mean: f('mean') },
    overdueOpen: n('overdue_open'),
    gridsVisited: n('visited'),
  };
}

function expectMatches(api: Indicators, exp: Expected, label: string): void {
  for (const [k, v] of Object.entries(exp.counts))
    expect(api[k as keyof Indicators], `${label} ${k}`).toBe(v);
  for (const [k, v] of Object.entries(exp.rates)) {
    const got = api[k as keyof Indicators] as number | null;
    if (v === null) expect(got, `${label} ${k}`).toBeNull();
    else expect(got, `${label} ${k}`).toBeCloseTo(v, 9);
  }
  for (const k of ['median', 'p90', 'mean'] as const) {
    const v = exp.resolution[k];
    if (v === null) expect(api.resolution[k], `${label} resolution ${k}`).toBeNull();
    else expect(api.resolution[k], `${label} resolution ${k}`).toBeCloseTo(v, 6);
  }
  expect(api.overdueOpen, `${label} overdueOpen`).toBe(exp.overdueOpen);
  expect(api.gridsVisited, `${label} gridsVisited`).toBe(exp.gridsVisited);
}

const cityPrefix = (): string => encodePath(server.city.city.path);

describe('daily statistics against the events', () => {
  it('match plain SQL over the events for every indicator, city-wide, on closed days', async () => {
    for (const day of DAYS) {
      const r = await leader.get<DailyReport>(`/api/stats/daily?date=${day}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.indicators.reported, `${day} has history`).toBeGreaterThan(100);
      expect(r.body.indicators.resolved).toBeGreaterThan(20);
      expectMatches(r.body.indicators, await expectedFromEvents(day, cityPrefix()), day);
      // The comparison days are the same computation for the day before and a week before.
      expectMatches(
        r.body.previousDay!,
        await expectedFromEvents(addDaysStr(day, -1), cityPrefix()),
        `${day} previousDay`,
      );
    }
  }, 180_000);

  it('match for today (live, up to now), including patrol coverage', async () => {
    const r = await leader.get<DailyReport>(`/api/stats/daily?date=${TODAY}`);
    expect(r.status).toBe(200);
    expect(r.body.partial).toBe(true);
    expect(r.body.indicators.gridsVisited).toBeGreaterThan(0);
    expectMatches(r.body.indicators, await expectedFromEvents(TODAY, cityPrefix(), NOW), 'today');
    expect(r.body.indicators.patrolCoverage).toBeCloseTo(
      r.body.indicators.gridsVisited / server.city.grids.length,
      12,
    );
  });

  it('add up: the child regions and the departments sum to the whole', async () => {
    const r = (await leader.get<DailyReport>(`/api/stats/daily?date=${DAYS[1]}`)).body;
    expect(r.childLevel).toBe('district');
    expect(r.regions.length).toBe(server.city.districts.length);
    const sum = (rows: { indicators: Indicators }[], k: keyof Indicators): number =>
      rows.reduce((s, x) => s + (x.indicators[k] as number), 0);
    for (const k of ['reported', 'resolved', 'resolvedOnTime', 'overdueOpen', 'closed'] as const)
      expect(sum(r.regions, k), k).toBe(r.indicators[k]);
    expect(sum(r.departments, 'dispatched')).toBe(r.indicators.dispatched);
    expect(sum(r.departments, 'returned')).toBe(r.indicators.returned);
    expect(sum(r.categories, 'reported')).toBe(r.indicators.reported);
    expect(r.sources.reduce((s, x) => s + x.reported, 0)).toBe(r.indicators.reported);
    expect(r.hourly.reduce((s, x) => s + x, 0)).toBe(r.indicators.reported);
    expect(r.overdue.length).toBe(Math.min(100, r.indicators.overdueOpen));
    // One district, recomputed from the events with its own prefix.
    const d = server.city.districts[0]!;
    const row = r.regions.find((x) => x.code === d.code)!;
    expectMatches(row.indicators, await expectedFromEvents(DAYS[1]!, encodePath(d.path)), d.name);
  });

  it('a street account sees its own street and nothing else', async () => {
    const mine = await street.get<DailyReport>(`/api/stats/daily?date=${DAYS[2]}`);
    expect(mine.status).toBe(200);
    expect(mine.body.scope.code).toBe(streetCode);
    expectMatches(
      mine.body.indicators,
      await expectedFromEvents(DAYS[2]!, encodePath(streetPath)),
      'street',
    );
    const city = (await leader.get<DailyReport>(`/api/stats/daily?date=${DAYS[2]}`)).body;
    expect(mine.body.indicators.reported).toBeLessThan(city.indicators.reported);
    for (const o of mine.body.overdue)
      expect(server.city.grids.find((g) => g.code === o.gridCode)!.path).toContain(streetCode);
    const other = server.city.streets.find((s) => s.code !== streetCode)!;
    expect((await street.get(`/api/stats/daily?date=${DAYS[2]}&scope=${other.code}`)).status).toBe(
      403,
    );
    expect(
      (await street.get(`/api/stats/daily?date=${DAYS[2]}&scope=${server.city.city.code}`)).status,
    ).toBe(403);
    expect(
      (await street.get(`/api/stats/range?from=${DAYS[0]}&to=${DAYS[2]}&scope=${other.code}`))
        .status,
    ).toBe(403);
    const range = await street.get<RangeReport>(`/api/stats/range?from=${DAYS[0]}&to=${DAYS[2]}`);
    expect(range.body.scope.code).toBe(streetCode);
  });

  it('rejects bad input with 422 naming the field, and unknown regions with 404', async () => {
    const bad = await leader.get(`/api/stats/daily?date=2026-13-01`);
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.fields)).toContain('date');
    const future = await leader.get(`/api/stats/daily?date=2026-11-21`);
    expect(future.status).toBe(422);
    expect(Object.keys(future.body.error.fields)).toContain('date');
    const reversed = await leader.get(`/api/stats/range?from=2026-11-19&to=2026-11-12`);
    expect(reversed.status).toBe(422);
    expect(Object.keys(reversed.body.error.fields)).toContain('from');
    expect((await leader.get(`/api/stats/range?to=2026-11-12`)).status).toBe(422);
    expect((await leader.get(`/api/stats/daily?date=2026-11-12&scope=nowhere`)).status).toBe(404);
    expect((await leader.get(`/api/stats/daily?date=2026-11-12&format=pdf`)).status).toBe(422);
    expect((await new User(server.url, 'nobody').get(`/api/stats/daily`)).status).toBe(401);
  });
});

describe('range statistics', () => {
  it('has one day per date equal to the daily report, totals that add up, and a heatmap of every report', async () => {
    const from = '2026-11-11';
    const r = await leader.get<RangeReport>(`/api/stats/range?from=${from}&to=${TODAY}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.days.map((d) => d.date)).toEqual([
      '2026-11-11',
      '2026-11-12',
      '2026-11-13',
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      TODAY,
    ]);
    for (const day of [...DAYS, TODAY]) {
      const daily = (await leader.get<DailyReport>(`/api/stats/daily?date=${day}`)).body;
      expect(r.body.days.find((d) => d.date === day)!.indicators, day).toEqual(daily.indicators);
    }
    const total = r.body.days.reduce((s, d) => s + d.indicators.reported, 0);
    expect(r.body.total.reported).toBe(total);
    expect(r.body.heatmap.flat().reduce((s, n) => s + n, 0)).toBe(total);
    expect(r.body.categories.reduce((s, c) => s + c.indicators.reported, 0)).toBe(total);
    expect(r.body.total.overdueOpen).toBe(r.body.days.at(-1)!.indicators.overdueOpen);
    const exp = await expectedFromEvents(TODAY, cityPrefix(), NOW);
    expect(r.body.total.overdueOpen).toBe(exp.overdueOpen);
    // The period's resolution times are exactly those of its days.
    const resolvedAll = r.body.days.reduce((s, d) => s + d.indicators.resolved, 0);
    expect(r.body.total.resolved).toBe(resolvedAll);
    expect(r.body.lastYear).toBeNull();
    // The period before starts before the history: no 环比 rather than a comparison with nothing.
    expect(r.body.previous).toBeNull();
    const short = (await leader.get<RangeReport>(`/api/stats/range?from=2026-11-15&to=2026-11-17`))
      .body;
    let before = 0;
    for (const d of ['2026-11-12', '2026-11-13', '2026-11-14'])
      before += (await expectedFromEvents(d, cityPrefix())).counts.reported!;
    expect(short.previous!.reported).toBe(before);
    expect(short.previous!.overdueOpen).toBe(
      (await expectedFromEvents('2026-11-14', cityPrefix())).overdueOpen,
    );
  }, 180_000);
});

describe('exports', () => {
  it('CSV and XLSX carry the API figures', async () => {
    const day = DAYS[1]!;
    const json = (await leader.get<DailyReport>(`/api/stats/daily?date=${day}`)).body;
    const csv = await leader.get<string>(
      `/api/stats/daily?date=${day}&format=csv&table=indicators`,
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = String(csv.body)
      .replace(/^\ufeff/, '')
      .trim()
      .split(/\r\n/);
    expect(lines.length).toBe(INDICATORS.length + 1);
    const reported = lines.find((l) => l.split(',')[1] === 'reported')!.split(',');
    expect(Number(reported[2])).toBe(json.indicators.reported);
    expect(Number(reported[3])).toBe(json.previousDay!.reported);
    const regions = await leader.get<string>(
      `/api/stats/daily?date=${day}&format=csv&table=regions`,
    );
    expect(String(regions.body).trim().split(/\r\n/).length).toBe(json.regions.length + 1);
    expect((await leader.get(`/api/stats/daily?date=${day}&format=csv&table=nope`)).status).toBe(
      422,
    );

    const res = await fetch(`${server.url}/api/stats/daily?date=${day}&format=xlsx`, {
      headers: { cookie: leader.cookie },
    });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '指标',
      '区域',
      '部门',
      '网格员',
      '类别',
      '超期未办结',
      '分时上报',
      '来源与类型',
    ]);
    const ws = wb.getWorksheet('指标')!;
    const row = ws.getRows(2, ws.rowCount - 1)!.find((r) => r.getCell(2).value === 'onTimeRate')!;
    expect(row.getCell(3).value).toBeCloseTo(json.indicators.onTimeRate!, 12);
    const overdue = wb.getWorksheet('超期未办结')!;
    expect(overdue.rowCount - 1).toBe(json.overdue.length);
  });
});

function addDaysStr(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

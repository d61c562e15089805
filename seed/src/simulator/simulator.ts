import {
  CATEGORIES,
  pointInGeometry,
  bbox,
  suggestDepartments,
  type AreaGeometry,
} from '@cityops/domain';
import type { IncidentDto, IncidentPage } from '@cityops/protocol';
import { mulberry32 } from '../city/index.ts';
import { ApiClient } from './http-client.ts';

export interface SimulatorOptions {
  baseUrl: string;
  password: string;
  /** Steps per second across all simulated people, started on schedule however long each takes. */
  rate: number;
  /** How many grid workers take part. */
  workers?: number;
  /** Most steps in flight at once; a tick that finds this many is skipped. Default 32. */
  maxInFlight?: number;
  seed?: number;
  /**
   * How many of the newest incidents in a state a workflow step picks from, leaving out those
   * other steps in flight have taken. Default 20.
   */
  pickAmong?: number;
  /** Which steps, how often (see MIXES). Default `demo`. */
  mix?: keyof typeof MIXES;
  log?: { info: (o: object, msg: string) => void; warn: (o: object, msg: string) => void };
}

export interface SimulatorStats {
  /** Steps started. */
  started: number;
  /** Steps that threw (a network error, a login refused); 4xx replies are not failures. */
  failed: number;
  /** Workflow actions the server refused because the incident had changed since it was listed. */
  conflicts: number;
  /** Ticks that started no step: the in-flight cap was reached, or the process stalled. */
  skipped: number;
  inFlight: number;
  /** The most steps in flight at once so far. */
  peakInFlight: number;
}

export interface Simulator {
  /** Stops scheduling at once; steps in flight make no further request. */
  stop: () => void;
  ready: Promise<void>;
  stats: () => SimulatorStats;
}

interface GridFeature {
  properties: { code: string; name: string };
  geometry: AreaGeometry;
}

const DESCRIPTIONS: Record<string, string[]> = {
  'municipal.sewer_blocked': ['十字路口下水道堵塞，污水外溢', '小区门口雨水井堵塞，积水严重'],
  'safety.ebike_indoor_charging': ['楼道内有电动车充电，存在火灾隐患', '居民将电瓶带回家中充电'],
  'sanitation.exposed_garbage': ['路边有暴露垃圾未清运', '绿化带内堆放生活垃圾'],
  'parking.illegal': ['机动车占用消防通道停放', '路口乱停车影响通行'],
  'municipal.stair_light': ['3号楼楼道灯不亮，老人夜间出行不便'],
};

type StepKind = 'report' | 'checkin' | 'file' | 'dispatch' | 'sign' | 'resolve' | 'verify';

/** How often each kind of step is taken, as shares of all steps. */
export const MIXES = {
  /** A city's morning: more reports than closes, so the backlog grows through the demo. */
  demo: {
    report: 0.3,
    checkin: 0.2,
    file: 0.12,
    dispatch: 0.12,
    sign: 0.1,
    resolve: 0.09,
    verify: 0.07,
  },
  /**
   * Each stage of the workflow as often as a report, so about as many close (a verify that
   * passes, or a rejection) as are reported, and the open count stays where it started: what
   * a board left on all day sees once the day's flow is steady.
   */
  steady: {
    report: 0.8 / 6,
    checkin: 0.2,
    file: 0.8 / 6,
    dispatch: 0.8 / 6,
    sign: 0.8 / 6,
    resolve: 0.8 / 6,
    verify: 0.8 / 6,
  },
} satisfies Record<string, Record<StepKind, number>>;

/** The kind of step a uniform draw `r` in [0, 1) stands for, under `mix`. */
export function stepKind(mix: Record<StepKind, number>, r: number): StepKind {
  let k: StepKind = 'verify';
  for (k of Object.keys(mix) as StepKind[]) if ((r -= mix[k]) < 0) return k;
  return k;
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function weightedCategory(rand: () => number): (typeof CATEGORIES)[number] {
  const total = CATEGORIES.reduce((s, c) => s + c.weight, 0);
  let r = rand() * total;
  for (const c of CATEGORIES) if ((r -= c.weight) <= 0) return c;
  return CATEGORIES[0]!;
}

function pointIn(g: AreaGeometry, rand: () => number): [number, number] {
  const [a, b, c, d] = bbox(g);
  for (let i = 0; i < 100; i++) {
    const p: [number, number] = [a + (c - a) * rand(), b + (d - b) * rand()];
    if (pointInGeometry(p[0], p[1], g)) return p;
  }
  return [(a + c) / 2, (b + d) / 2];
}

/** Thrown by a step in flight that would make a request after `stop()`. */
class Stopped extends Error {}

/** After a stall longer than this, the ticks it missed are skipped rather than caught up. */
const MAX_LAG_MS = 1000;

/**
 * The live simulator: grid workers report and check in, the dispatcher files and dispatches,
 * departments sign and resolve, workers verify — all through the public HTTP API. Open loop:
 * steps start at `rate` whether or not the earlier ones are done, up to `maxInFlight`.
 */
export function startSimulator(o: SimulatorOptions): Simulator {
  const rand = mulberry32(o.seed ?? Date.now() % 2 ** 31);
  const cap = Math.max(1, o.maxInFlight ?? 32);
  const pickAmong = Math.max(1, o.pickAmong ?? 20);
  const mean = 1000 / o.rate;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const counts = {
    started: 0,
    failed: 0,
    conflicts: 0,
    skipped: 0,
    inFlight: 0,
    peakInFlight: 0,
  };
  const dispatcher = new ApiClient(o.baseUrl);
  /** One login per account, shared by the steps that need it at the same time. */
  const sessions = new Map<string, Promise<ApiClient>>();
  let grids: GridFeature[] = [];

  function session(key: string, login: (c: ApiClient) => Promise<void>): Promise<ApiClient> {
    let p = sessions.get(key);
    if (!p) {
      const c = new ApiClient(o.baseUrl);
      const made = login(c).then(() => c);
      sessions.set(key, made);
      // A failed login is forgotten, so that the next step that needs the account retries it.
      made.catch(() => {
        if (sessions.get(key) === made) sessions.delete(key);
      });
      p = made;
    }
    return p;
  }

  function live(): void {
    if (stopped) throw new Stopped();
  }

  function workerFor(grid: GridFeature): Promise<ApiClient> {
    return session(`grid:${grid.properties.code}`, async (c) => {
      live();
      try {
        await c.login(`w${grid.properties.code}`, o.password);
      } catch {
        live();
        await c.login('field', o.password); // the story grid's worker has the short name
      }
    });
  }

  async function departmentFor(code: string): Promise<ApiClient | null> {
    if (code.startsWith('street-')) return null;
    return session(`department:${code}`, (c) => {
      live();
      return c.login(code === 'water' ? 'department' : `dept-${code}`, o.password);
    });
  }

  const ready = (async () => {
    await dispatcher.login('dispatcher', o.password);
    const res = await dispatcher.request<{ features: GridFeature[] }>('GET', '/api/grids');
    const all = res.body.features;
    const n = Math.min(o.workers ?? 60, all.length);
    for (let i = 0; i < n; i++) grids.push(pick(rand, all));
    grids = [...new Map(grids.map((g) => [g.properties.code, g])).values()];
  })();

  function request<T>(
    client: ApiClient,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    live();
    return client.request<T>(method, path, body, headers);
  }

  /** Incidents a step in flight has taken: another step leaves them alone until it is done. */
  const taken = new Set<number>();

  /**
   * One of the newest incidents in a state that no other step of this simulator has taken, at
   * random. Steps running at the same time would otherwise take the same few, and all but one
   * would lose on its version (a 409, no event): with 64 steps in flight and a pick among the
   * newest five, more than half of the workflow steps did.
   */
  async function anyOf(held: number[], state: string): Promise<IncidentDto | undefined> {
    const r = await request<IncidentPage>(
      dispatcher,
      'GET',
      `/api/incidents?state=${state}&limit=${pickAmong}`,
    );
    const free = (r.status === 200 ? r.body.items : []).filter((i) => !taken.has(i.id));
    const i = free.length > 0 ? pick(rand, free) : undefined;
    if (i) take(held, i.id);
    return i;
  }

  /** Take incident `id` for the step holding `held`; false when another step has it. */
  function take(held: number[], id: number): boolean {
    if (taken.has(id)) return false;
    taken.add(id);
    held.push(id);
    return true;
  }

  async function act(
    client: ApiClient,
    i: IncidentDto,
    body: Record<string, unknown>,
  ): Promise<void> {
    const r = await request(client, 'POST', `/api/incidents/${i.id}/actions`, {
      ...body,
      expectedVersion: i.version,
    });
    if (r.status === 409) counts.conflicts++;
  }

  const mix = MIXES[o.mix ?? 'demo'];

  async function step(): Promise<void> {
    const held: number[] = [];
    try {
      await stepOnce(held);
    } finally {
      for (const id of held) taken.delete(id);
    }
  }

  /** One step; `held` gets the incidents it takes, which are let go when it ends. */
  async function stepOnce(held: number[]): Promise<void> {
    const kind = stepKind(mix, rand());
    if (kind === 'report') {
      const grid = pick(rand, grids);
      const c = await workerFor(grid);
      const cat = weightedCategory(rand);
      const [lng, lat] = pointIn(grid.geometry, rand);
      const text = pick(
        rand,
        DESCRIPTIONS[cat.code] ?? [`${grid.properties.name}发现${cat.name}问题`],
      );
      const selfResolve = rand() < 0.1;
      const created = await request<IncidentDto>(
        c,
        'POST',
        '/api/incidents',
        {
          category: cat.code,
          lng,
          lat,
          description: text,
          priority: rand() < 0.08 ? 'urgent' : 'normal',
          source: 'grid',
        },
        { 'Idempotency-Key': `sim-${Date.now()}-${Math.floor(rand() * 1e9)}` },
      );
      // The new report is listed as soon as it commits: a file step may have taken it already.
      if (selfResolve && created.status === 201 && take(held, created.body.id))
        await act(c, created.body, { action: 'self_resolve', note: '已现场处置' });
    } else if (kind === 'checkin') {
      const grid = pick(rand, grids);
      const c = await workerFor(grid);
      const [lng, lat] = pointIn(grid.geometry, rand);
      await request(c, 'POST', '/api/checkins', { lng, lat });
    } else if (kind === 'file') {
      const i = await anyOf(held, 'reported');
      if (i)
        await act(
          dispatcher,
          i,
          rand() < 0.05 ? { action: 'reject', reason: '重复上报' } : { action: 'file' },
        );
    } else if (kind === 'dispatch') {
      const i = await anyOf(held, 'filed');
      const cat = i && CATEGORIES.find((c) => c.code === i.category);
      if (i && cat) {
        const functional = suggestDepartments(cat, undefined)[0] ?? cat.department;
        await act(dispatcher, i, {
          action: 'dispatch',
          department: functional,
          note: '请尽快处置',
        });
      }
    } else if (kind === 'sign') {
      const i = await anyOf(held, 'dispatched');
      const c = i?.department ? await departmentFor(i.department) : null;
      if (i && c) await act(c, i, { action: 'sign' });
    } else if (kind === 'resolve') {
      const i = await anyOf(held, 'in_progress');
      const c = i?.department ? await departmentFor(i.department) : null;
      if (i && c) await act(c, i, { action: 'resolve', note: '已处置完毕' });
    } else {
      const i = await anyOf(held, 'resolved');
      if (i)
        await act(dispatcher, i, { action: 'verify', passed: rand() > 0.07, note: '现场核查' });
    }
  }

  function start(): void {
    if (counts.inFlight >= cap) {
      counts.skipped++;
      return;
    }
    counts.started++;
    counts.inFlight++;
    counts.peakInFlight = Math.max(counts.peakInFlight, counts.inFlight);
    step()
      .catch((err: unknown) => {
        if (err instanceof Stopped) return;
        counts.failed++;
        // fetch's own error says only "fetch failed"; what failed is its cause.
        const cause =
          err instanceof Error && err.cause !== undefined ? String(err.cause) : undefined;
        o.log?.warn({ err: String(err), cause }, 'simulator step failed');
      })
      .finally(() => counts.inFlight--);
  }

  // Ticks keep to a schedule (each due a random 0.5–1.5 mean gaps after the last one), so a
  // late timer does not push all later ticks back; due ticks start together.
  let due = 0;
  const tick = (): void => {
    timer = null;
    if (stopped) return;
    const now = performance.now();
    if (now - due > MAX_LAG_MS) {
      counts.skipped += Math.floor((now - due) / mean);
      due = now;
    }
    while (due <= now && !stopped) {
      start();
      due += mean * (0.5 + rand());
    }
    if (!stopped) timer = setTimeout(tick, due - now);
  };
  ready
    .then(() => {
      if (stopped || !(o.rate > 0)) return;
      o.log?.info({ rate: o.rate, workers: grids.length, maxInFlight: cap }, 'simulator running');
      due = performance.now();
      tick();
    })
    .catch((err: unknown) => o.log?.warn({ err: String(err) }, 'simulator could not start'));

  return {
    ready,
    stats: () => ({ ...counts }),
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

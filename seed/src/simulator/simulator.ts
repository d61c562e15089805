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
  /** Actions per second across all simulated people. */
  rate: number;
  /** How many grid workers take part. */
  workers?: number;
  seed?: number;
  log?: { info: (o: object, msg: string) => void; warn: (o: object, msg: string) => void };
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

/**
 * The live simulator: grid workers report and check in, the dispatcher files and dispatches,
 * departments sign and resolve, workers verify — all through the public HTTP API.
 */
export function startSimulator(o: SimulatorOptions): { stop: () => void; ready: Promise<void> } {
  const rand = mulberry32(o.seed ?? Date.now() % 2 ** 31);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const dispatcher = new ApiClient(o.baseUrl);
  const departments = new Map<string, ApiClient>();
  const workers = new Map<string, { client: ApiClient; grid: GridFeature }>();
  let grids: GridFeature[] = [];

  async function workerFor(grid: GridFeature): Promise<ApiClient> {
    const known = workers.get(grid.properties.code);
    if (known) return known.client;
    const c = new ApiClient(o.baseUrl);
    try {
      await c.login(`w${grid.properties.code}`, o.password);
    } catch {
      await c.login('field', o.password); // the story grid's worker has the short name
    }
    workers.set(grid.properties.code, { client: c, grid });
    return c;
  }

  async function departmentFor(code: string): Promise<ApiClient | null> {
    if (code.startsWith('street-')) return null;
    let c = departments.get(code);
    if (!c) {
      c = new ApiClient(o.baseUrl);
      await c.login(code === 'water' ? 'department' : `dept-${code}`, o.password);
      departments.set(code, c);
    }
    return c;
  }

  const ready = (async () => {
    await dispatcher.login('dispatcher', o.password);
    const res = await dispatcher.request<{ features: GridFeature[] }>('GET', '/api/grids');
    const all = res.body.features;
    const n = Math.min(o.workers ?? 60, all.length);
    for (let i = 0; i < n; i++) grids.push(pick(rand, all));
    grids = [...new Map(grids.map((g) => [g.properties.code, g])).values()];
  })();

  async function list(client: ApiClient, query: string): Promise<IncidentDto[]> {
    const r = await client.request<IncidentPage>('GET', `/api/incidents?${query}`);
    return r.status === 200 ? r.body.items : [];
  }

  async function act(
    client: ApiClient,
    i: IncidentDto,
    body: Record<string, unknown>,
  ): Promise<void> {
    await client.request('POST', `/api/incidents/${i.id}/actions`, {
      ...body,
      expectedVersion: i.version,
    });
  }

  async function step(): Promise<void> {
    const r = rand();
    if (r < 0.3) {
      const grid = pick(rand, grids);
      const c = await workerFor(grid);
      const cat = weightedCategory(rand);
      const [lng, lat] = pointIn(grid.geometry, rand);
      const text = pick(
        rand,
        DESCRIPTIONS[cat.code] ?? [`${grid.properties.name}发现${cat.name}问题`],
      );
      const selfResolve = rand() < 0.1;
      const created = await c.request<IncidentDto>(
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
      if (selfResolve && created.status === 201)
        await act(c, created.body, { action: 'self_resolve', note: '已现场处置' });
    } else if (r < 0.5) {
      const grid = pick(rand, grids);
      const c = await workerFor(grid);
      const [lng, lat] = pointIn(grid.geometry, rand);
      await c.request('POST', '/api/checkins', { lng, lat });
    } else if (r < 0.62) {
      const [i] = await list(dispatcher, 'state=reported&limit=5');
      if (i)
        await act(
          dispatcher,
          i,
          rand() < 0.05 ? { action: 'reject', reason: '重复上报' } : { action: 'file' },
        );
    } else if (r < 0.74) {
      const [i] = await list(dispatcher, 'state=filed&limit=5');
      const cat = i && CATEGORIES.find((c) => c.code === i.category);
      if (i && cat) {
        const functional = suggestDepartments(cat, undefined)[0] ?? cat.department;
        await act(dispatcher, i, {
          action: 'dispatch',
          department: functional,
          note: '请尽快处置',
        });
      }
    } else if (r < 0.84) {
      const [i] = await list(dispatcher, 'state=dispatched&limit=5');
      const c = i?.department ? await departmentFor(i.department) : null;
      if (i && c) await act(c, i, { action: 'sign' });
    } else if (r < 0.93) {
      const [i] = await list(dispatcher, 'state=in_progress&limit=5');
      const c = i?.department ? await departmentFor(i.department) : null;
      if (i && c) await act(c, i, { action: 'resolve', note: '已处置完毕' });
    } else {
      const [i] = await list(dispatcher, 'state=resolved&limit=5');
      if (i)
        await act(dispatcher, i, { action: 'verify', passed: rand() > 0.07, note: '现场核查' });
    }
  }

  const loop = (): void => {
    if (stopped) return;
    step()
      .catch((err: unknown) => o.log?.warn({ err: String(err) }, 'simulator step failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, (1000 / o.rate) * (0.5 + rand()));
      });
  };
  ready
    .then(() => {
      o.log?.info({ rate: o.rate, workers: grids.length }, 'simulator running');
      loop();
    })
    .catch((err: unknown) => o.log?.warn({ err: String(err) }, 'simulator could not start'));

  return {
    ready,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CATEGORIES, type KpiFigures } from '@cityops/domain';
import type { IncidentDto, Snapshot } from '@cityops/protocol';
import { buildCity, type CityRegion } from '@cityops/seed';
import {
  launchBrowser,
  loginContext,
  recordApiRequests,
  screenshotDir,
  watchErrors,
} from '../support/browser.ts';
import { spawnServer, type ServerProcess } from '../support/spawn-server.ts';
import { WEB_BUILD } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';

/**
 * The wallboard in real Chromium against a real server process (PGlite on disk, demo city with
 * a small history, no simulator): it loads, shows reports live, agrees with /api/snapshot,
 * drills into a district, and survives a kill -9 and restart of the server.
 */

const PASSWORD = 'wallboard-e2e';
const SHOTS = screenshotDir();
const city = buildCity('demo');
const KPI_KEYS: (keyof KpiFigures)[] = [
  'reportedToday',
  'filedToday',
  'resolvedToday',
  'open',
  'overdue',
  'onTimeRate',
  'medianResolutionMinutes',
  'workersOnDuty',
  'patrolCoverage',
];

let dataDir: string;
let port: number;
let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let reporter: User;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(p));
    });
  });
}

/**
 * kill -9 the server itself: `spawnServer` runs tsx, which runs the server as its child, and a
 * SIGKILL of tsx alone would leave that child serving.
 */
async function killHard(p: ServerProcess): Promise<void> {
  const pid = p.child.pid;
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // no /proc: only the wrapper is killed
  }
  for (const c of children) process.kill(c, 'SIGKILL');
  p.child.kill('SIGKILL');
  await exited;
}

function start(): Promise<ServerProcess> {
  return spawnServer({
    DATA_DIR: dataDir,
    PORT: String(port),
    DEMO: '1',
    DEMO_PASSWORD: PASSWORD,
    DEMO_HISTORY: '2000',
    SIMULATOR_RATE: '0',
    WEB_DIR: WEB_BUILD,
  });
}

/** The KPI strip's figures, as the board holds them. */
async function boardKpis(): Promise<Record<string, unknown>> {
  return page.evaluate(() => {
    const out: Record<string, unknown> = {};
    for (const li of Array.from(document.querySelectorAll<HTMLElement>('[data-kpi]')))
      out[li.dataset.kpi!] = JSON.parse(li.dataset.value!);
    return out;
  });
}

async function snapshot(scope?: string): Promise<Snapshot> {
  const r = await reporter.get<Snapshot>(`/api/snapshot${scope ? `?scope=${scope}` : ''}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** Differences between the board's counters and the snapshot's, figure by figure. */
async function kpiDiff(scope?: string): Promise<Record<string, [unknown, unknown]>> {
  const [board, snap] = [await boardKpis(), await snapshot(scope)];
  const diff: Record<string, [unknown, unknown]> = {};
  for (const k of KPI_KEYS) if (board[k] !== snap.kpis[k]) diff[k] = [board[k], snap.kpis[k]];
  return diff;
}

/** Ids of the incident points the map holds, read back from its cluster worker. */
async function mapIncidentIds(): Promise<number[]> {
  return page.evaluate(async () => {
    const host = document.querySelector('.map') as
      (HTMLElement & { incidentIds?: () => Promise<number[]> }) | null;
    return (await host?.incidentIds?.()) ?? [];
  });
}

/** What each panel shows: its title, its charts' data and its text (lists, tables). */
async function panelContents(): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const cell of Array.from(document.querySelectorAll<HTMLElement>('[data-panel]'))) {
      const title = cell.querySelector('h2')?.textContent ?? '';
      const charts = Array.from(cell.querySelectorAll<HTMLElement>('[data-content]'))
        .map((c) => c.dataset['content'])
        .join('|');
      const list = cell.querySelector('.body')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
      out[cell.dataset.panel!] = `${title}\n${charts}\n${list}`;
    }
    return out;
  });
}

async function report(grid: CityRegion, description: string): Promise<IncidentDto> {
  const [lng, lat] = grid.center;
  const r = await reporter.post<IncidentDto>('/api/incidents', {
    category: CATEGORIES[0]!.code,
    lng,
    lat,
    description,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

/** Report, file, dispatch, sign and resolve one incident in `grid` (a department's day's work). */
async function resolveOne(
  grid: CityRegion,
  handler: User,
  department: string,
): Promise<IncidentDto> {
  let inc = await report(grid, 'e2e: 路灯不亮');
  const act = async (who: User, body: Record<string, unknown>): Promise<void> => {
    const r = await who.post<IncidentDto>(`/api/incidents/${inc.id}/actions`, {
      ...body,
      expectedVersion: inc.version,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    inc = r.body;
  };
  await act(reporter, { action: 'file' });
  await act(reporter, { action: 'dispatch', department });
  await act(handler, { action: 'sign' });
  await act(handler, { action: 'resolve', note: '已修复' });
  return inc;
}

/**
 * Until every live chart has drawn its newest option: the pacer may hold a redraw for a few
 * turns, and a chart read before it would still show older figures.
 */
async function chartsDrawn(): Promise<void> {
  await expect
    .poll(() => page.locator('[data-content][data-pending]').count(), { timeout: 10_000 })
    .toBe(0);
}

async function waitLive(): Promise<void> {
  await page.waitForSelector('.board[data-connection="live"][data-map-ready="true"]', {
    timeout: 60_000,
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cityops-wallboard-'));
  port = await freePort();
  const [s, b] = await Promise.allSettled([start(), launchBrowser()]);
  // Keep whichever started, so afterAll stops it even when the other failed.
  if (s.status === 'fulfilled') server = s.value;
  if (b.status === 'fulfilled') browser = b.value;
  if (s.status === 'rejected') throw s.reason;
  if (b.status === 'rejected') throw b.reason;
  reporter = await User.login(server.url, 'dispatcher', PASSWORD);
  context = await loginContext(browser, server.url, 'operator', PASSWORD);
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  if (server) await killHard(server);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('wallboard', () => {
  it('loads: map canvas, KPI strip and every panel, with no page errors', async () => {
    // Who asked for what: the page's own HTML (an inline script) or the app's code.
    const { asked, stop } = await recordApiRequests(context, page);
    // When the offline shell's service worker is asked for (its install downloads every asset).
    await page.addInitScript(() => {
      const sw = navigator.serviceWorker as ServiceWorkerContainer | undefined;
      if (!sw) return;
      const register = sw.register.bind(sw);
      const w = window as unknown as { __shellAskedAt: number | null };
      w.__shellAskedAt = null;
      sw.register = (...args) => {
        w.__shellAskedAt ??= performance.now();
        return register(...args);
      };
    });
    await page.goto('/wallboard');
    await waitLive();
    await stop();
    // The board installs the shell only once it has drawn its points, not while it loads.
    const shell = await page.waitForFunction(
      () => {
        const drawn = performance.getEntriesByName('board:first-full-render')[0]?.startTime;
        const at = (window as unknown as { __shellAskedAt: number | null }).__shellAskedAt;
        return drawn !== undefined && at !== null ? { drawn, at } : null;
      },
      null,
      { timeout: 60_000, polling: 100 },
    );
    const { drawn, at } = (await shell.jsonValue())!;
    expect(at).toBeGreaterThanOrEqual(drawn);
    await expect
      .poll(() => page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())))
      .toBe(true);
    // The HTML asks for the board's answers before the app's code has loaded, and the app takes
    // those answers instead of asking again.
    for (const path of [
      '/api/snapshot?view=board',
      '/api/config',
      '/api/auth/me',
      '/api/regions',
      '/api/grids',
    ])
      expect(asked.filter((a) => a.path === path).map((a) => a.by)).toEqual(['/wallboard']);
    expect(asked.filter((a) => /^\/api\/(regions|grids)\?scope=[^&]*$/.test(a.path))).toEqual([]);
    await expect.poll(() => page.locator('.map canvas').count()).toBe(1);
    expect(await page.locator('[data-kpi]').count()).toBe(KPI_KEYS.length);
    const panels = await page
      .locator('[data-panel]')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.panel));
    expect(panels).toEqual([
      'category-mix',
      'hourly',
      'source-mix',
      'state-mix',
      'ranking',
      'dept-leaderboard',
      'resolution-time',
      'ticker',
    ]);
    expect(await page.getByTestId('scope').textContent()).toBe('郑州市');
    // The board holds the open incidents of the history; the map draws them.
    await expect
      .poll(async () => (await mapIncidentIds()).length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('toggles the heatmap and the patrol-coverage shading, with their legends', async () => {
    const layer = (id: string): Promise<unknown> =>
      page.evaluate(
        (l) =>
          (
            document.querySelector('.map') as HTMLElement & { maplibre?: any }
          ).maplibre.getLayoutProperty(l, 'visibility') ?? 'visible',
        id,
      );
    const heatCount = (): Promise<number> =>
      page.evaluate(async () => {
        const m = (document.querySelector('.map') as HTMLElement & { maplibre?: any }).maplibre;
        return ((await m.getSource('incident-heat').getData()) as { features: unknown[] }).features
          .length;
      });
    expect(await layer('incident-heat')).toBe('none');
    await page.locator('.toggles button', { hasText: '热力图' }).click();
    await expect.poll(() => layer('incident-heat')).toBe('visible');
    await expect.poll(heatCount).toBe((await mapIncidentIds()).length);
    expect(await layer('incident-clusters')).toBe('none');
    // The legend gives the heatmap's scale in place of the points' states it hides.
    expect(await page.locator('.legend').textContent()).toContain('事件密度');
    expect(await page.locator('.legend').textContent()).not.toContain('待受理');
    await page.locator('.toggles button', { hasText: '热力图' }).click();
    await expect.poll(() => layer('incident-heat')).toBe('none');
    await expect.poll(heatCount).toBe(0);
    expect(await page.locator('.legend').textContent()).toContain('待受理');

    expect(await page.locator('.legend').textContent()).toContain('网格在办量');
    await page.locator('.toggles button', { hasText: '巡查覆盖' }).click();
    await expect.poll(() => layer('coverage-fill')).toBe('visible');
    expect(await layer('grids-fill')).toBe('none');
    expect(await page.locator('.legend').textContent()).toContain('距上次巡查');
    // A check-in now colours its grid as visited within the hour.
    const field = await User.login(server.url, 'field', PASSWORD);
    const gridCode = (await field.get<{ gridCode: string }>('/api/auth/me')).body.gridCode;
    const grid = city.grids.find((g) => g.code === gridCode)!;
    const checkin = await field.post('/api/checkins', { lng: grid.center[0], lat: grid.center[1] });
    expect(checkin.status, JSON.stringify(checkin.body)).toBe(201);
    await expect
      .poll(() =>
        page.evaluate(
          (id) =>
            (
              document.querySelector('.map') as HTMLElement & { maplibre?: any }
            ).maplibre.getFeatureState({ source: 'grids', id }).cov,
          gridCode,
        ),
      )
      .toBe(1);
    await page.locator('.toggles button', { hasText: '巡查覆盖' }).click();
    await expect.poll(() => layer('grids-fill')).toBe('visible');
    expect(errors).toEqual([]);
  });

  it("its counters equal GET /api/snapshot's, figure by figure", async () => {
    await expect.poll(() => kpiDiff(), { timeout: 15_000 }).toEqual({});
    const snap = await snapshot();
    expect(snap.kpis.open).toBeGreaterThan(0);
    // Every open incident of the snapshot is a point on the map, and nothing else is.
    const open = snap.incidents
      .filter((i) => i.state !== 'closed' && i.state !== 'rejected')
      .map((i) => i.id);
    expect(new Set(await mapIncidentIds())).toEqual(new Set(open));
  });

  it('draws the points when its snapshot comes after the map has loaded', async () => {
    // The map's first view (of no points yet) is shown before the snapshot's points reach the
    // cluster worker: the map must still be given their clusters, not only the worker.
    const late = await loginContext(browser, server.url, 'operator', PASSWORD, {
      serviceWorkers: 'block',
    });
    try {
      const latePage = await late.newPage();
      const lateErrors = watchErrors(latePage);
      let release = (): void => undefined;
      const mapLoaded = new Promise<void>((resolve) => (release = resolve));
      await latePage.route(
        (url) => url.pathname === '/api/snapshot',
        async (route) => {
          await mapLoaded;
          await route.continue();
        },
      );
      await latePage.goto('/wallboard');
      await latePage.waitForFunction(
        () => performance.getEntriesByName('board:map-loaded').length > 0,
        null,
        { timeout: 60_000, polling: 100 },
      );
      release();
      const open = (await snapshot()).incidents.filter(
        (i) => i.state !== 'closed' && i.state !== 'rejected',
      ).length;
      expect(open).toBeGreaterThan(0);
      // The points the map's incident source holds: its clusters' counts and its lone points.
      const drawn = (): Promise<number> =>
        latePage.evaluate(async () => {
          const m = (document.querySelector('.map') as HTMLElement & { maplibre?: any }).maplibre;
          const data = (await m?.getSource('incidents')?.getData()) as
            { features: { properties: { point_count?: number } }[] } | undefined;
          return (data?.features ?? []).reduce((n, f) => n + (f.properties.point_count ?? 1), 0);
        });
      await expect.poll(drawn, { timeout: 15_000 }).toBe(open);
      expect(lateErrors).toEqual([]);
    } finally {
      await late.close();
    }
  });

  it('shows a report made over HTTP on the map and in the counters within 2 s', async () => {
    const before = await boardKpis();
    const grid = city.grids[17]!;
    const incident = await report(grid, 'e2e: 下水道堵塞，污水外溢');
    const posted = Date.now();
    const deadline = posted + 2000;
    let onMap = false;
    let counted = false;
    while (Date.now() < deadline && !(onMap && counted)) {
      const k = await boardKpis();
      counted =
        k['reportedToday'] === (before['reportedToday'] as number) + 1 &&
        k['open'] === (before['open'] as number) + 1;
      onMap = (await mapIncidentIds()).includes(incident.id);
      if (!(onMap && counted)) await page.waitForTimeout(50);
    }
    expect({ onMap, counted, ms: Date.now() - posted <= 2000 }).toEqual({
      onMap: true,
      counted: true,
      ms: true,
    });
    // And it pulses: a ring over the map, for a few seconds.
    await expect
      .poll(() => page.locator(`.board-pulse[data-incident="${incident.id}"]`).count())
      .toBe(1);
    await expect.poll(() => kpiDiff(), { timeout: 15_000 }).toEqual({});
  });

  it('drills into a district by clicking the map, and every panel changes', async () => {
    let snap = await snapshot();
    // The district with most open incidents: its panels surely differ from the city's.
    const district = [...snap.children].sort(
      (a, b) =>
        snap.incidents.filter((i) => i.path.includes(b.code)).length -
        snap.incidents.filter((i) => i.path.includes(a.code)).length,
    )[0]!;
    // Some department work today outside that district, so the department panels differ too.
    const handler = await User.login(server.url, 'department', PASSWORD);
    const department = (await handler.get<{ department: string }>('/api/auth/me')).body.department;
    const elsewhere = city.grids.filter((g) => !g.path.includes(district.code));
    for (const g of [elsewhere[3]!, elsewhere[40]!]) await resolveOne(g, handler, department);
    await expect.poll(() => kpiDiff(), { timeout: 15_000 }).toEqual({});
    snap = await snapshot();
    // Read once every chart shows the city's newest figures. Near midnight (Beijing time) the
    // day's figures are few, and a chart still showing older ones can equal the district's.
    await chartsDrawn();
    const cityPanels = await panelContents();
    // A pixel inside the district where no incident point or cluster sits (those open cards / zoom).
    const target = await page.evaluate((code) => {
      const host = document.querySelector('.map') as HTMLElement & { maplibre?: any };
      const m = host.maplibre;
      const canvas = m.getCanvas() as HTMLCanvasElement;
      const r = canvas.getBoundingClientRect();
      // Whole page pixels, as a mouse click is delivered.
      for (let py = Math.ceil(r.top + 20); py < r.bottom - 20; py += 7) {
        for (let px = Math.ceil(r.left + 20); px < r.right - 20; px += 7) {
          const hits = m.queryRenderedFeatures([px - r.left, py - r.top]) as {
            layer: { id: string };
            properties: { code?: string };
          }[];
          // Away from incident points and clusters (they open cards or zoom) and from borders
          // (a click is rounded to whole pixels and could land on the neighbour).
          if (
            hits.some(
              (h) =>
                h.layer.id.startsWith('incident') ||
                h.layer.id.startsWith('heat') ||
                h.layer.id === 'regions-line',
            )
          )
            continue;
          if (hits.some((h) => h.layer.id === 'regions-fill' && h.properties.code === code)) {
            return { x: px, y: py };
          }
        }
      }
      return null;
    }, district.code);
    expect(target, `no clickable pixel of ${district.name} on the map`).not.toBeNull();
    await page.mouse.click(target!.x, target!.y);
    await expect
      .poll(() => page.getByTestId('scope').getAttribute('data-code'), { timeout: 10_000 })
      .toBe(district.code);
    expect(page.url()).toContain(`scope=${district.code}`);
    expect(await page.getByTestId('scope').textContent()).toBe(district.name);
    await waitLive();
    await expect.poll(() => kpiDiff(district.code), { timeout: 15_000 }).toEqual({});
    const districtKpis = await boardKpis();
    expect(districtKpis['reportedToday']).toBeLessThan(snap.kpis.reportedToday);
    // Every panel shows something else now (the charts redraw from the district's data).
    await expect
      .poll(
        async () => {
          const now = await panelContents();
          return Object.keys(cityPanels).filter((id) => now[id] === cityPanels[id]);
        },
        { timeout: 10_000 },
      )
      .toEqual([]);
    // The map now holds only the district's incidents (its worker takes the new points in).
    const inDistrict = (await snapshot(district.code)).incidents
      .filter((i) => i.state !== 'closed' && i.state !== 'rejected')
      .map((i) => i.id);
    await expect
      .poll(async () => new Set(await mapIncidentIds()), { timeout: 5_000 })
      .toEqual(new Set(inDistrict));
    expect(errors).toEqual([]);
  });

  it('takes screenshots at district and city scope, in Chinese and English (1920×1080)', async () => {
    const district = await page.getByTestId('scope').getAttribute('data-code');
    const shoot = async (name: string, lang: 'zh' | 'en'): Promise<void> => {
      await page.evaluate((l) => localStorage.setItem('cityops.locale', l), lang);
      await page.reload();
      await expect
        .poll(() => page.locator('[data-kpi="open"] .label').textContent())
        .toBe(lang === 'en' ? 'Open' : '在办');
      await waitLive();
      await page.waitForTimeout(1200); // chart animations settle
      await page.screenshot({ path: join(SHOTS, `wallboard-${name}-${lang}.png`) });
    };
    await shoot('district', 'zh');
    await shoot('district', 'en');
    await page.goto('/wallboard');
    await waitLive();
    await shoot('city', 'en');
    await shoot('city', 'zh');
    await page.goto(`/wallboard?scope=${district}`);
    await waitLive();
    expect(errors).toEqual([]);
  });

  it('after kill -9 and a restart of the server the board agrees with the snapshot again', async () => {
    const scope = await page.getByTestId('scope').getAttribute('data-code');
    expect(scope).not.toBeNull();
    await killHard(server);
    await page.waitForSelector('.board[data-connection="reconnecting"]', { timeout: 15_000 });
    // The pill says so, with how long the data has not moved.
    await expect
      .poll(() => page.locator('.topbar [role="status"]').textContent(), { timeout: 10_000 })
      .toMatch(/重连中 · \d+s/);
    server = await start();
    reporter = await User.login(server.url, 'dispatcher', PASSWORD);
    // New reports right after the restart, inside the scope on screen.
    const grids = city.grids.filter((g) => g.path.includes(scope!));
    const made: IncidentDto[] = [];
    for (let i = 0; i < 3; i++)
      made.push(await report(grids[(i * 7) % grids.length]!, `e2e after restart ${i}`));
    await waitLive();
    await expect.poll(() => kpiDiff(scope!), { timeout: 20_000 }).toEqual({});
    await expect
      .poll(
        async () => {
          const ids = new Set(await mapIncidentIds());
          return made.filter((m) => !ids.has(m.id)).map((m) => m.id);
        },
        { timeout: 10_000 },
      )
      .toEqual([]);
    // Only the socket's drop may show up as errors (the browser logs failed reconnects).
    expect(
      errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)),
    ).toEqual([]);
  });

  it('opens a card from a point, with the report’s own words (not in the board snapshot) and its timeline', async () => {
    const code = (await page.getByTestId('scope').getAttribute('data-code'))!;
    const grid = city.grids.filter((g) => g.path.includes(code))[11]!;
    const description = `e2e 卡片：井盖缺失 ${Date.now()}`;
    const made = await reporter.post<IncidentDto>('/api/incidents', {
      category: CATEGORIES[0]!.code,
      lng: grid.center[0] + 1e-4,
      lat: grid.center[1] + 1e-4,
      description,
      address: '花园路与农业路交叉口东南角',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const incident = made.body;
    // Reloaded, the board has the incident from its snapshot's board view, without its text.
    await page.reload();
    await waitLive();
    await expect
      .poll(async () => (await mapIncidentIds()).includes(incident.id), { timeout: 10_000 })
      .toBe(true);
    // Close in, where points are not clustered, and find the page pixel of its point.
    const at = (): Promise<{ x: number; y: number } | null> =>
      page.evaluate(
        ({ id, lng, lat }) => {
          const m = (document.querySelector('.map') as HTMLElement & { maplibre?: any }).maplibre;
          if (m.getZoom() < 15) m.jumpTo({ center: [lng, lat], zoom: 16 });
          const p = m.project([lng, lat]);
          const hit = m.queryRenderedFeatures([p.x, p.y], { layers: ['incident-points'] }).at(0) as
            { properties: { id: number } } | undefined;
          if (hit?.properties.id !== id) return null;
          const r = (m.getCanvas() as HTMLCanvasElement).getBoundingClientRect();
          return { x: r.left + p.x, y: r.top + p.y };
        },
        { id: incident.id, lng: incident.lng, lat: incident.lat },
      );
    await expect.poll(at, { timeout: 10_000 }).not.toBeNull();
    const pixel = (await at())!;
    await page.mouse.click(pixel.x, pixel.y);
    const card = page.locator('aside.card');
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain(description);
    expect(await card.textContent()).toContain('花园路与农业路交叉口东南角');
    expect(await card.textContent()).toContain(`#${incident.id}`);
    // The grid by the name its workers know it by, with its code.
    await expect.poll(() => card.textContent()).toContain(grid.name);
    expect(await card.textContent()).toContain(grid.code);
    // Not yet resolved: the time left to its deadline.
    expect(await card.getByTestId('card-deadline').textContent()).toMatch(/剩余/);
    await expect.poll(() => card.locator('.timeline li').count()).toBeGreaterThan(0);
    // The layer toggles stay in reach with the card open (it opens below them).
    const heat = page.locator('.toggles button', { hasText: '热力图' });
    await heat.click({ timeout: 5_000 });
    await expect.poll(() => heat.getAttribute('aria-pressed')).toBe('true');
    await heat.click({ timeout: 5_000 });
  });

  it('?carousel=10 rotates an unattended board from the city through its districts', async () => {
    const tab = await context.newPage();
    const tabErrors = watchErrors(tab);
    try {
      await tab.goto('/wallboard?carousel=10');
      const scope = tab.getByTestId('scope');
      await expect
        .poll(() => scope.getAttribute('data-code'), { timeout: 30_000 })
        .toBe(city.city.code);
      expect(await tab.locator('.crumb.carousel').textContent()).toContain('轮播 10s');
      // The first stop after the city is a district, and the board shows that district.
      const districts = new Set(city.districts.map((d) => d.code));
      await expect
        .poll(async () => districts.has((await scope.getAttribute('data-code')) ?? ''), {
          timeout: 20_000,
        })
        .toBe(true);
      const first = (await scope.getAttribute('data-code'))!;
      expect(tab.url()).toContain(`scope=${first}`);
      expect(await scope.textContent()).toBe(city.districts.find((d) => d.code === first)!.name);
      expect(tabErrors).toEqual([]);
    } finally {
      await tab.close();
    }
  });
});

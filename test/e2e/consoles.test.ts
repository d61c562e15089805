import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { KpiFigures } from '@cityops/domain';
import type { Event, IncidentDto, Snapshot } from '@cityops/protocol';
import type { CityRegion } from '@cityops/seed';
import { launchBrowser, loginContext, watchErrors, screenshotDir } from '../support/browser.ts';
import { PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { fromLocalInput, toLocalInput } from '../../web/src/lib/console/datetime.ts';
import {
  actOk,
  gridsWithin,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

/**
 * The dispatch and department consoles in real Chromium: two dispatchers (two browser contexts)
 * and a water-authority handler take one report from the HTTP API to closure, while a wallboard
 * in a fourth context keeps its KPI strip equal to GET /api/snapshot after every step.
 */

const HOUR = 3_600_000;
/** The demo city's offset (UTC+8), which the consoles show times in. */
const UTC_OFFSET = 480;
const SEWER = 'municipal.sewer_blocked'; // a component: the water authority is suggested first
const SHOTS = screenshotDir();
const KPI_KEYS: (keyof KpiFigures)[] = [
  'reportedToday',
  'filedToday',
  'resolvedToday',
  'open',
  'overdue',
  'onTimeRate',
  'medianResolutionMinutes',
];

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let d1: Page;
let d2: Page;
let dept: Page;
let board: Page;
const errors: Record<string, string[]> = {};
let worker: User;
let workerGrid: CityRegion;
let api: User;

async function open(
  username: string,
  path: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const ctx = await loginContext(browser, server.url, username, PASSWORD, options);
  contexts.push(ctx);
  const page = await ctx.newPage();
  errors[username] = watchErrors(page);
  await page.goto(path);
  return page;
}

async function ready(page: Page, testid: string): Promise<void> {
  await page.locator(`[data-testid="${testid}"][data-ready="true"]`).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 30_000 });
}

async function boardKpis(): Promise<Record<string, unknown>> {
  return board.evaluate(() => {
    const out: Record<string, unknown> = {};
    for (const li of Array.from(document.querySelectorAll<HTMLElement>('[data-kpi]')))
      out[li.dataset.kpi!] = JSON.parse(li.dataset.value!);
    return out;
  });
}

/** KPI figures where the wallboard and the server disagree (empty when they agree). */
async function kpiDiff(): Promise<Record<string, [unknown, unknown]>> {
  const [shown, snap] = await Promise.all([boardKpis(), api.get<Snapshot>('/api/snapshot')]);
  const diff: Record<string, [unknown, unknown]> = {};
  for (const k of KPI_KEYS)
    if (shown[k] !== snap.body.kpis[k]) diff[k] = [shown[k], snap.body.kpis[k]];
  return diff;
}

async function boardFollows(expected: Partial<KpiFigures>): Promise<void> {
  await expect.poll(kpiDiff, { timeout: 10_000 }).toEqual({});
  const snap = (await api.get<Snapshot>('/api/snapshot')).body;
  expect(snap.kpis).toMatchObject(expected);
}

async function incident(id: number): Promise<IncidentDto & { timeline: Event[] }> {
  const r = await api.get<IncidentDto & { timeline: Event[] }>(`/api/incidents/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

const row = (page: Page, id: number) => page.locator(`[data-testid="queue-row-${id}"]`);
const detail = (page: Page) => page.locator('[data-testid="incident-detail"]');

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  browser = await launchBrowser();
  // A grid of the story street other than the story grid: its worker is `w<code>`.
  const story = storyGrid(server);
  workerGrid = gridsWithin(server, story.path[2]!).find((g) => g.code !== story.code)!;
  [worker, api] = await Promise.all([
    User.login(server.url, `w${workerGrid.code}`),
    User.login(server.url, 'admin'),
  ]);
  [d1, d2, dept, board] = await Promise.all([
    open('dispatcher', '/dispatch'),
    open('dispatcher2', '/dispatch'),
    open('department', '/department'),
    // The board animates its map continuously (software WebGL here): a small window keeps it
    // from starving the consoles of the two cores; its figures do not depend on the size.
    open('operator', '/wallboard', { viewport: { width: 960, height: 540 } }),
  ]);
  await Promise.all([
    ready(d1, 'dispatch-console'),
    ready(d2, 'dispatch-console'),
    ready(dept, 'department-console'),
  ]);
  await board.locator('[data-kpi]').first().waitFor({ timeout: 30_000 });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('dispatch and department consoles', () => {
  let id: number;

  it('shows a report made over HTTP in both dispatchers’ queues without a reload, and the board counts it', async () => {
    const before = (await api.get<Snapshot>('/api/snapshot')).body.kpis;
    const created = await reportOk(worker, {
      category: SEWER,
      ...pointIn(workerGrid),
      description: uniqueText('十字路口下水道堵塞'),
      address: '民航路与经三路口',
    });
    id = created.id;
    await Promise.all([
      row(d1, id).waitFor({ timeout: 5000 }),
      row(d2, id).waitFor({ timeout: 5000 }),
    ]);
    expect(await row(d1, id).getAttribute('data-state')).toBe('reported');
    await expect.poll(() => row(d1, id).getAttribute('class')).toContain('fresh');
    await boardFollows({ reportedToday: before.reportedToday + 1, open: before.open + 1 });
  });

  it('files with the F key; the other dispatcher sees it', async () => {
    await row(d1, id).click();
    await detail(d1).locator('[data-testid="detail-reporter"]').waitFor();
    expect(await detail(d1).locator('[data-testid="detail-reporter"]').innerText()).toContain(
      `w${workerGrid.code}`,
    );
    await d1.keyboard.press('f');
    await d1
      .locator(`[data-testid="incident-detail"][data-state="filed"]`)
      .waitFor({ timeout: 5000 });
    await d2
      .locator(`[data-testid="queue-row-${id}"][data-state="filed"]`)
      .waitFor({ timeout: 5000 });
    // The timeline names who did it, with the state before and after.
    const filedEvent = detail(d1).locator(
      '[data-testid="timeline-event"][data-type="incident.filed"]',
    );
    await filedEvent.waitFor();
    expect(await filedEvent.innerText()).toMatch(/dispatcher[\s\S]*待受理[\s\S]*已立案/);
    await boardFollows({ filedToday: 1 });
  });

  it('one dispatches; the other’s view follows within 1 s, and the other’s stale action is refused plainly', async () => {
    // Dispatcher 2 looks at the filed incident and starts to reject it.
    await row(d2, id).click();
    await d2.locator('[data-testid="incident-detail"][data-state="filed"]').waitFor();
    await d2.keyboard.press('r');
    await d2.locator('[data-testid="form-reason"]').fill('重复上报');

    // Dispatcher 1 dispatches: the category's department is suggested first.
    await d1.keyboard.press('d');
    const select = d1.locator('[data-testid="form-department"]');
    expect(await select.inputValue()).toBe('water');
    // The deadline defaults to the category's (24 h for a normal blocked sewer), in city time; override it.
    const deadlineInput = d1.locator('[data-testid="form-deadline"]');
    const suggested = fromLocalInput(await deadlineInput.inputValue(), UTC_OFFSET)!;
    expect(Math.abs(suggested.getTime() - (Date.now() + 24 * HOUR))).toBeLessThan(3 * 60_000);
    const override = new Date(Math.floor((Date.now() + 6 * HOUR) / 60_000) * 60_000);
    await deadlineInput.fill(toLocalInput(override, UTC_OFFSET));
    await d1.locator('[data-testid="form-note"]').fill('请尽快疏通');
    // Dispatcher 2's page notes the moment its detail shows the dispatch (no polling in between).
    await d2.evaluate(() => {
      const w = window as unknown as { seenAt: number | null };
      w.seenAt = null;
      const check = (): void => {
        if (
          w.seenAt === null &&
          document.querySelector('[data-testid="incident-detail"]')?.getAttribute('data-state') ===
            'dispatched'
        )
          w.seenAt = Date.now();
      };
      new MutationObserver(check).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });
    const response = d1.waitForResponse((r) => r.url().endsWith(`/api/incidents/${id}/actions`));
    await d1.locator('[data-testid="form-submit"]').click();
    const reply = await response;
    expect(reply.status()).toBe(200);
    const timing = reply.request().timing();
    const answered = timing.startTime + timing.responseEnd;
    await d2
      .locator('[data-testid="incident-detail"][data-state="dispatched"]')
      .waitFor({ timeout: 5000 });
    const seenAt = await d2.evaluate(() => (window as unknown as { seenAt: number | null }).seenAt);
    expect(seenAt).not.toBeNull();
    const lag = seenAt! - answered;
    console.log(
      `second dispatcher's view showed the dispatch ${lag} ms after the first one's reply`,
    );
    expect(lag).toBeLessThan(1000);
    // The open form says the incident moved on under it.
    await d2.locator('[data-testid="form-stale"]').waitFor();

    // The stale reject: a conflict naming who did what, the current state, and no change.
    const before = await incident(id);
    expect(before).toMatchObject({
      state: 'dispatched',
      department: 'water',
      version: 3,
      deadline: override.toISOString(),
    });
    const reject = d2.waitForResponse((r) => r.url().endsWith(`/api/incidents/${id}/actions`));
    await d2.locator('[data-testid="form-submit"]').click();
    expect((await reject).status()).toBe(409);
    const notice = d2.locator('[data-testid="conflict"]');
    await notice.waitFor();
    const text = await notice.innerText();
    expect(text).toContain('dispatcher');
    expect(text).toContain('派遣');
    expect(text).toContain('水务局');
    expect(text).toContain('已派遣');
    expect(await d2.locator('[data-testid="detail-state"]').innerText()).toBe('已派遣');
    const after = await incident(id);
    expect(after.version).toBe(before.version);
    expect(after.state).toBe('dispatched');
    expect(after.timeline.map((e) => e.type)).not.toContain('incident.rejected');
    await boardFollows({ open: (await api.get<Snapshot>('/api/snapshot')).body.kpis.open });
  });

  it('the department signs and resolves in its own console', async () => {
    await row(dept, id).waitFor({ timeout: 5000 });
    expect(await row(dept, id).getAttribute('data-state')).toBe('dispatched');
    expect(await dept.locator(`[data-testid="countdown-${id}"]`).innerText()).toMatch(/剩/);
    await row(dept, id).click();
    await dept.locator('[data-testid="action-sign"]').click();
    await dept
      .locator('[data-testid="incident-detail"][data-state="in_progress"]')
      .waitFor({ timeout: 5000 });
    await d1
      .locator('[data-testid="incident-detail"][data-state="in_progress"]')
      .waitFor({ timeout: 5000 });
    await boardFollows({});

    await dept.keyboard.press('v');
    await dept.locator('[data-testid="form-note"]').fill('已疏通管道，恢复排水');
    // A photo of the fix, drawn in the page and uploaded from the form.
    const png = await dept.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 160;
      c.height = 120;
      const g = c.getContext('2d')!;
      g.fillStyle = '#2a6f97';
      g.fillRect(0, 0, 160, 120);
      g.fillStyle = '#ffffff';
      g.fillRect(40, 30, 80, 60);
      return c.toDataURL('image/png').split(',')[1]!;
    });
    await dept.locator('[data-testid="form-photo"]').setInputFiles({
      name: 'fixed.png',
      mimeType: 'image/png',
      buffer: Buffer.from(png, 'base64'),
    });
    await dept.locator('[data-testid="form-photo-preview"]').waitFor({ timeout: 5000 });
    await dept.locator('[data-testid="form-submit"]').click();
    await dept
      .locator('[data-testid="incident-detail"][data-state="resolved"]')
      .waitFor({ timeout: 5000 });
    // Resolved work waits for verification: back in the dispatchers' to-close view.
    await row(d2, id).waitFor({ timeout: 5000 });
    expect(await row(d2, id).getAttribute('data-state')).toBe('resolved');
    const resolved = await incident(id);
    const resolveEvent = resolved.timeline.find((e) => e.type === 'incident.resolved')!;
    expect(resolveEvent.data).toMatchObject({ note: '已疏通管道，恢复排水' });
    expect(resolveEvent.data['photos']).toHaveLength(1);
    // The dispatcher sees the photo in the incident view (served by /api/photos/<sha256>).
    const img = d1.locator('[data-testid="photos"] img');
    await img.waitFor({ timeout: 5000 });
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(160);
    await boardFollows({ resolvedToday: 1 });
  });

  it('verification by the grid’s worker closes it; consoles and board follow', async () => {
    const current = await incident(id);
    await actOk(worker, id, {
      action: 'verify',
      passed: true,
      note: '现场核查已修复',
      expectedVersion: current.version,
    });
    await d1
      .locator('[data-testid="incident-detail"][data-state="closed"]')
      .waitFor({ timeout: 5000 });
    await row(d2, id).waitFor({ state: 'detached', timeout: 5000 });
    await row(dept, id).waitFor({ state: 'detached', timeout: 5000 });
    const closed = await incident(id);
    expect(closed.state).toBe('closed');
    expect(closed.timeline.map((e) => e.type)).toEqual([
      'incident.reported',
      'incident.filed',
      'incident.dispatched',
      'incident.signed',
      'incident.resolved',
      'incident.verified',
    ]);
    await boardFollows({ open: (await api.get<Snapshot>('/api/snapshot')).body.kpis.open });
    // The board has done its part; closing it frees the two cores for the rest.
    expect(errors['operator']).toEqual([]);
    await board.context().close();
  });

  it('offers a nearby report of the same category as a duplicate and merges it', async () => {
    const p = pointIn(workerGrid);
    const first = await reportOk(worker, {
      category: SEWER,
      ...p,
      description: uniqueText('井边污水冒溢'),
    });
    const second = await reportOk(worker, {
      category: SEWER,
      lng: p.lng,
      lat: p.lat + 40 / 111_320,
      description: uniqueText('同一处又报'),
    });
    await row(d1, first.id).click();
    const dup = d1.locator(`[data-testid="duplicate-${second.id}"]`);
    await dup.waitFor({ timeout: 5000 });
    expect(await dup.innerText()).toMatch(/4\d 米/);
    await d1.locator(`[data-testid="merge-from-${second.id}"]`).click();
    await row(d1, second.id).waitFor({ state: 'detached', timeout: 5000 });
    expect(await incident(second.id)).toMatchObject({ state: 'rejected', mergedInto: first.id });
    // A new report is filed and dispatched in one go from the dispatch form.
    await d1.keyboard.press('d');
    await d1.locator('[data-testid="form-dispatch"]').filter({ hasText: '立案并派遣' }).waitFor();
    await d1.locator('[data-testid="form-submit"]').click();
    await d1
      .locator('[data-testid="incident-detail"][data-state="dispatched"]')
      .waitFor({ timeout: 5000 });
    const dispatched = await incident(first.id);
    expect(dispatched).toMatchObject({ state: 'dispatched', department: 'water' });
    expect(dispatched.timeline.map((e) => e.type)).toEqual([
      'incident.reported',
      'incident.filed',
      'incident.dispatched',
    ]);
  });

  it('batch-dispatches ticked reports, each to its suggested department', async () => {
    const p = pointIn(workerGrid);
    const a = await reportOk(worker, {
      category: 'municipal.manhole_cover',
      ...p,
      description: uniqueText('井盖缺失'),
    });
    const b = await reportOk(worker, {
      category: 'municipal.stair_light',
      ...p,
      description: uniqueText('楼道灯不亮'),
    });
    await row(d1, a.id).click();
    await d1.keyboard.press('x');
    await d1.locator(`[data-testid="queue-check-${b.id}"]`).click();
    await d1.locator('[data-testid="batch-bar"]').waitFor();
    await d1.keyboard.press('Shift+B');
    await d1
      .locator('[data-testid="status"]')
      .filter({ hasText: /成功 2 件，失败 0 件/ })
      .waitFor({ timeout: 10_000 });
    expect(await incident(a.id)).toMatchObject({ state: 'dispatched', department: 'water' });
    expect(await incident(b.id)).toMatchObject({ state: 'dispatched', department: 'housing' });
    // The water authority's console gets its own new work, highlighted, and not the housing bureau's.
    await row(dept, a.id).waitFor({ timeout: 5000 });
    await expect.poll(() => row(dept, a.id).getAttribute('class')).toContain('fresh');
    expect(await row(dept, b.id).count()).toBe(0);
  });

  it('the department returns work with a reason and asks for an extension; the dispatcher decides it', async () => {
    const p = pointIn(workerGrid);
    const x = await reportOk(worker, {
      category: SEWER,
      ...p,
      description: uniqueText('雨水口堵塞'),
    });
    const y = await reportOk(worker, {
      category: SEWER,
      ...p,
      description: uniqueText('检查井满溢'),
    });
    for (const i of [x, y]) {
      await actOk(api, i.id, { action: 'file', expectedVersion: 1 });
      await actOk(api, i.id, { action: 'dispatch', department: 'water', expectedVersion: 2 });
    }
    await row(dept, x.id).click();
    await dept.keyboard.press('t');
    await dept.locator('[data-testid="form-reason"]').fill('属于市政排水公司管养');
    await dept.keyboard.press('Enter');
    await row(dept, x.id).waitFor({ state: 'detached', timeout: 5000 });
    expect(await incident(x.id)).toMatchObject({
      state: 'filed',
      department: null,
      returnCount: 1,
    });
    // Back with the dispatchers, marked as returned.
    await d1.locator('[data-testid="view-returned"]').click();
    await row(d1, x.id).waitFor({ timeout: 5000 });

    await row(dept, y.id).click();
    await dept.keyboard.press('x');
    await dept.locator('[data-testid="form-reason"]').fill('需协调占道施工许可');
    await dept.locator('[data-testid="form-submit"]').click();
    await dept.locator('[data-testid="extension"]').waitFor({ timeout: 5000 });

    await d1.locator('[data-testid="view-extension"]').click();
    await row(d1, y.id).click();
    // Supervision (督办) by hand, with a note; it shows in the timeline.
    await d1.keyboard.press('e');
    await d1.locator('[data-testid="form-note"]').fill('请加快进度，今日内反馈');
    await d1.keyboard.press('Enter');
    await d1
      .locator('[data-testid="timeline-event"][data-type="incident.escalated"]')
      .waitFor({ timeout: 5000 });
    expect(await incident(y.id)).toMatchObject({ escalated: true });
    await d1.locator('[data-testid="extension-approve"]').click();
    await d1.locator('[data-testid="extension"]').waitFor({ state: 'detached', timeout: 5000 });
    const decided = await incident(y.id);
    expect(decided.extension).toBeNull();
    expect(decided.timeline.map((e) => e.type)).toContain('incident.extension_decided');
    await dept.locator('[data-testid="extension"]').waitFor({ state: 'detached', timeout: 5000 });
    await d1.locator('[data-testid="view-todo"]').click();
  });

  it('takes screenshots of both consoles at 1920×1080 with no page errors', async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Some variety for the pictures: late work (made in the past, then the SLA clock runs),
    // an urgent report, hotline and app reports elsewhere in the district.
    const p = pointIn(workerGrid);
    const grids = gridsWithin(server, workerGrid.path[1]!).filter((g) => {
      try {
        pointIn(g);
        return true;
      } catch {
        return false;
      }
    });
    const department = await User.login(server.url, 'department');
    server.setNow(new Date(Date.now() - 30 * HOUR));
    const late = await reportOk(api, {
      category: SEWER,
      ...pointIn(grids[3]!),
      source: 'grid',
      description: '污水井满溢，路面大面积积水',
      address: '经开第八大街 126 号',
    });
    await actOk(api, late.id, { action: 'file', expectedVersion: 1 });
    await actOk(api, late.id, {
      action: 'dispatch',
      department: 'water',
      note: '请当日处置',
      expectedVersion: 2,
    });
    await actOk(department, late.id, { action: 'sign', expectedVersion: 3 });
    await reportOk(api, {
      category: 'sanitation.overflowing_bin',
      ...pointIn(grids[7]!),
      source: 'hotline',
      description: '垃圾桶满溢两天无人清运',
      reporterName: '市民 刘女士',
    });
    const leak = await reportOk(api, {
      category: 'municipal.water_leak',
      ...pointIn(grids[11]!),
      source: 'camera',
      description: '路面渗水，疑似供水管道破裂',
    });
    server.setNow(null);
    await server.app.sla.tick();
    await actOk(api, leak.id, { action: 'file', expectedVersion: 2 });
    await actOk(api, leak.id, { action: 'dispatch', department: 'water', expectedVersion: 3 });
    // Dispatcher 2 switches the urgent flash off; dispatcher 1 keeps it on.
    await d2.locator('[data-testid="toggle-flash"]').click();
    expect(await d2.locator('[data-testid="toggle-flash"]').getAttribute('aria-pressed')).toBe(
      'false',
    );
    const urgent = await reportOk(worker, {
      category: 'safety.gas_hazard',
      ...p,
      priority: 'urgent',
      description: '3 号楼 2 单元楼道内闻到明显燃气味',
      address: '世和社区 3 号楼',
    });
    await d1.locator('[data-testid="urgent-flash"]').waitFor({ timeout: 5000 });
    await row(d2, urgent.id).waitFor({ timeout: 5000 });
    expect(await d2.locator('[data-testid="urgent-flash"]').count()).toBe(0);
    await reportOk(api, {
      category: 'sanitation.exposed_garbage',
      ...pointIn(grids[5]!),
      source: 'hotline',
      description: '小区门口垃圾堆放三天无人清运',
      reporterName: '市民 陈先生',
    });
    await reportOk(api, {
      category: 'parking.illegal',
      ...pointIn(grids[9]!),
      source: 'app',
      description: '消防通道被私家车长期占用',
    });
    await reportOk(api, {
      category: 'market.street_vending',
      ...pointIn(grids[13]!),
      source: 'patrol',
      description: '早市摊贩占道经营，影响通行',
    });
    await reportOk(api, {
      category: 'livelihood.heating',
      ...pointIn(grids[15]!),
      source: 'hotline',
      description: '暖气片不热，室温仅 14 度',
      reporterName: '市民 王先生',
    });
    await row(d1, urgent.id).click();
    await d1.locator('[data-testid="timeline-event"]').first().waitFor();
    await d1.waitForTimeout(800); // let the mini-map draw
    await d1.screenshot({ path: `${SHOTS}dispatch-zh.png` });
    const filed = await d1
      .locator('[data-testid^="queue-row-"][data-state="filed"]')
      .first()
      .getAttribute('data-testid');
    await d1.locator(`[data-testid="${filed}"]`).click();
    await d1.keyboard.press('d');
    await d1.locator('[data-testid="form-dispatch"]').waitFor();
    await d1.locator('[data-testid="form-note"]').fill('退回后改派，请核实管养单位');
    await d1.waitForTimeout(800);
    await d1.screenshot({ path: `${SHOTS}dispatch-form-zh.png` });
    await d1.keyboard.press('Escape');
    await d2.screenshot({ path: `${SHOTS}dispatch-conflict-zh.png` });
    // Overdue work is on top of the department's list, its countdown past zero.
    await expect
      .poll(() => dept.locator('[data-testid^="queue-row-"]').first().getAttribute('data-testid'))
      .toBe(`queue-row-${late.id}`);
    expect(await dept.locator(`[data-testid="countdown-${late.id}"]`).innerText()).toMatch(/^超 /);
    expect(await dept.locator('[data-testid="dept-overdue"]').innerText()).toContain('1');
    const work = await dept
      .locator('[data-testid^="queue-row-"]')
      .first()
      .getAttribute('data-testid');
    await dept.locator(`[data-testid="${work}"]`).click();
    await dept.locator('[data-testid="timeline-event"]').first().waitFor();
    await dept.waitForTimeout(800);
    await dept.screenshot({ path: `${SHOTS}department-zh.png` });
    // The one failed request expected is the stale reject's 409 (Chromium logs it).
    expect(errors['dispatcher2']!.filter((e) => e.includes('409'))).toHaveLength(1);
    for (const [who, list] of Object.entries(errors))
      expect(
        list.filter((e) => !e.includes('409')),
        who,
      ).toEqual([]);
  });
});

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { like, sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { incidents } from '@cityops/db';
import type { IncidentDto } from '@cityops/protocol';
import { launchBrowser, loginContext, watchErrors, screenshotDir } from '../support/browser.ts';
import { PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { actOk, pointIn, reportOk, storyGrid, uniqueText } from '../support/fixtures.ts';

/**
 * The grid worker's phone app in real Chromium at phone size (375×812, touch, geolocation
 * granted inside the worker's grid): check-in to wallboard, report with a photo to the
 * dispatcher, offline reports queued across a reload, and site verification both ways.
 */

const SHOTS = screenshotDir();
const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

let server: TestServer;
let browser: Browser;
let phone: BrowserContext;
let page: Page;
let errors: string[];
let photoDir: string;
let dispatcher: User;
let department: User;
let fieldApi: User;
let here: { lng: number; lat: number };

async function screenshot(p: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: join(SHOTS, `field-${name}.png`) });
}

/** Wait until the map of the page has loaded its style (MapLibre under SwiftShader). */
async function mapReady(p: Page): Promise<void> {
  await p.waitForSelector('[role="application"][data-loaded="true"]', { timeout: 30_000 });
}

/** A site photo drawn in the browser's canvas, as PNG bytes. */
async function drawPhoto(p: Page, label: string): Promise<Buffer> {
  const b64 = await p.evaluate((text) => {
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 480;
    const g = c.getContext('2d')!;
    const sky = g.createLinearGradient(0, 0, 0, 480);
    sky.addColorStop(0, '#6b8fb5');
    sky.addColorStop(1, '#3a4a3a');
    g.fillStyle = sky;
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#2b2b2b';
    g.fillRect(0, 300, 640, 180);
    g.fillStyle = '#555';
    g.beginPath();
    g.ellipse(320, 380, 120, 40, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#fff';
    g.font = '28px sans-serif';
    g.fillText(text, 24, 48);
    return c.toDataURL('image/png').split(',')[1]!;
  }, label);
  return Buffer.from(b64, 'base64');
}

async function incidentsLike(text: string): Promise<number> {
  const [r] = await server.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(incidents)
    .where(like(incidents.description, `${text}%`));
  return Number(r!.n);
}

/** Fill the report form: category by search, description; location comes from geolocation. */
async function fillReport(p: Page, description: string, search = '下水道'): Promise<void> {
  await p.getByRole('searchbox').fill(search);
  await p.locator('.cats button').first().click();
  await p.waitForSelector('[data-testid="chosen-category"]');
  await p.locator('textarea[name="description"]').fill(description);
  await expect
    .poll(() => p.locator('[data-testid="location"]').textContent())
    .toMatch(/\d+\.\d{5}, \d+\.\d{5}/);
}

/** A resolved incident in the worker's grid, walked there over the real API. */
async function resolvedIncident(): Promise<IncidentDto> {
  const created = await reportOk(fieldApi, {
    category: 'municipal.sewer_blocked',
    ...here,
    description: uniqueText('核查用 下水道堵塞'),
  });
  let inc = await actOk(dispatcher, created.id, {
    action: 'file',
    expectedVersion: created.version,
  });
  inc = await actOk(dispatcher, inc.id, {
    action: 'dispatch',
    department: 'water',
    expectedVersion: inc.version,
  });
  inc = await actOk(department, inc.id, { action: 'sign', expectedVersion: inc.version });
  return actOk(department, inc.id, {
    action: 'resolve',
    note: '已疏通',
    expectedVersion: inc.version,
  });
}

beforeAll(async () => {
  photoDir = mkdtempSync(join(tmpdir(), 'cityops-field-e2e-'));
  server = await startTestServer({ serveWeb: true, env: { PHOTO_DIR: photoDir } });
  here = pointIn(storyGrid(server));
  [dispatcher, department, fieldApi] = await Promise.all([
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'department'),
    User.login(server.url, 'field'),
  ]);
  browser = await launchBrowser();
  phone = await loginContext(browser, server.url, 'field', PASSWORD, {
    ...PHONE,
    geolocation: { longitude: here.lng, latitude: here.lat, accuracy: 10 },
    permissions: ['geolocation'],
  });
  page = await phone.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (photoDir) rmSync(photoDir, { recursive: true, force: true });
});

describe('field app on a phone', () => {
  it('a worker starts a patrol and checks in; the wallboard shows the worker on duty', async () => {
    const board = await loginContext(browser, server.url, 'operator', PASSWORD);
    const wall = await board.newPage();
    await wall.goto('/wallboard');
    const onDuty = wall.locator('[data-kpi="workersOnDuty"]');
    await expect.poll(() => onDuty.getAttribute('data-value'), { timeout: 30_000 }).toBe('0');

    await page.goto('/field');
    await page.waitForSelector('[data-testid="patrol-status"]');
    await mapReady(page);
    await page.getByRole('button', { name: '开始巡查' }).click();
    await expect
      .poll(() => page.locator('[data-testid="patrol-status"]').textContent())
      .toContain('巡查中');
    await page.getByTestId('checkin').click();
    await expect.poll(() => page.getByTestId('checkin-message').textContent()).toContain('已打卡');
    await expect.poll(() => page.locator('[data-testid="checkins"] li').count()).toBe(2);

    // Live on the board (no reload): the KPI and the ticker come from the patrol.checkin events.
    await expect.poll(() => onDuty.getAttribute('data-value'), { timeout: 15_000 }).toBe('1');
    await expect
      .poll(() => wall.locator('body').textContent(), { timeout: 15_000 })
      .toContain('巡查签到');
    const snapshot = (await dispatcher.get('/api/snapshot')).body as {
      workers: { username: string; lng: number; lat: number; gridCode: string }[];
    };
    expect(snapshot.workers).toEqual([
      expect.objectContaining({
        username: 'field',
        gridCode: storyGrid(server).code,
        lng: here.lng,
        lat: here.lat,
      }),
    ]);
    await board.close();
    await screenshot(page, 'patrol');
  });

  it('a worker reports with a photo, and the dispatcher console shows it with the photo', async () => {
    await page.goto('/field/report');
    await mapReady(page);
    const text = uniqueText('十字路口下水道堵塞 污水外溢');
    await fillReport(page, text);
    await page.getByTestId('photo-input').setInputFiles({
      name: 'IMG_0001.jpg',
      mimeType: 'image/png',
      buffer: await drawPhoto(page, '下水道 现场'),
    });
    await expect.poll(() => page.locator('.thumb img').count()).toBe(1);
    await screenshot(page, 'report');
    await page.getByRole('button', { name: '提交上报' }).click();
    await expect.poll(() => page.getByTestId('report-message').textContent()).toBe('已上报');

    const list = (await dispatcher.get(`/api/incidents?limit=5`)).body as { items: IncidentDto[] };
    const mine = list.items.find((i) => i.description === text);
    expect(mine).toBeDefined();
    expect(mine!.photos).toHaveLength(1);
    expect(mine!.state).toBe('reported');
    expect(mine!.source).toBe('grid');

    const desk = await loginContext(browser, server.url, 'dispatcher', PASSWORD);
    const console = await desk.newPage();
    await console.goto('/dispatch');
    await console.waitForSelector('[data-testid="dispatch-console"][data-ready="true"]', {
      timeout: 30_000,
    });
    await console.getByTestId(`queue-row-${mine!.id}`).click();
    const img = console.locator('[data-testid="photos"] img').first();
    await expect
      .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 15_000 })
      .toBe(640);
    await desk.close();
  });

  it("网格自办: a report solved on the spot closes at once with the worker's note", async () => {
    await page.goto('/field/report');
    await mapReady(page);
    const text = uniqueText('楼道电动车充电 已劝离');
    await fillReport(page, text, '电动车');
    await page.getByTestId('self-resolve').check();
    await page.locator('textarea[name="selfNote"]').fill('已现场劝离，电瓶已移出楼道');
    await page.getByRole('button', { name: '提交上报' }).click();
    await expect.poll(() => page.getByTestId('report-message').textContent()).toBe('已上报');
    await expect
      .poll(
        async () =>
          (
            (await dispatcher.get('/api/incidents?limit=5')).body as { items: IncidentDto[] }
          ).items.find((i) => i.description === text)?.state,
      )
      .toBe('closed');
    const inc = (
      (await dispatcher.get('/api/incidents?limit=5')).body as { items: IncidentDto[] }
    ).items.find((i) => i.description === text)!;
    const detail = (await dispatcher.get(`/api/incidents/${inc.id}`)).body as {
      timeline: { type: string; data: Record<string, unknown> }[];
    };
    expect(detail.timeline.map((e) => e.type)).toEqual(['incident.reported', 'incident.closed']);
    expect(JSON.stringify(detail.timeline[1]!.data)).toContain('已现场劝离');
  });

  it('a report whose reply is lost on the way back is retried with the same Idempotency-Key: one incident', async () => {
    await page.goto('/field/report');
    await mapReady(page);
    const text = uniqueText('回复丢失的上报');
    const keys: string[] = [];
    // The server gets the request and commits; the phone never hears back.
    await page.route('**/api/incidents', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      await route.fetch();
      await route.abort('connectionreset');
    });
    await fillReport(page, text);
    await page.getByRole('button', { name: '提交上报' }).click();
    await expect.poll(() => keys.length).toBe(1);
    await expect.poll(() => page.getByTestId('outbox-waiting').textContent()).toBe('1 条待发送');
    expect(await incidentsLike(text)).toBe(1);
    await page.unroute('**/api/incidents');
    await page.reload(); // the outbox sends again on start
    await expect.poll(() => page.getByTestId('outbox').count(), { timeout: 30_000 }).toBe(0);
    expect(await incidentsLike(text)).toBe(1);
    expect(keys[0]).toMatch(/^f-[0-9a-f]{32}$/);
  });

  it('reports made offline are queued, survive a reload, and are sent once when back online', async () => {
    await page.goto('/field/report');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 30_000,
    });
    await mapReady(page);
    const prefix = uniqueText('离线上报');
    await phone.setOffline(true);
    for (const n of [1, 2]) {
      await fillReport(page, `${prefix} 第${n}条`, n === 1 ? '垃圾' : '下水道');
      await page.getByRole('button', { name: '提交上报' }).click();
      await expect
        .poll(() => page.getByTestId('report-message').textContent())
        .toBe('已保存在手机上，联网后自动发送');
    }
    await expect.poll(() => page.getByTestId('outbox-waiting').textContent()).toBe('2 条待发送');
    await expect.poll(() => page.getByTestId('net').textContent()).toContain('离线');
    // A check-in without network waits in the same queue.
    const checkinsBefore = (
      (await fieldApi.get('/api/checkins/mine')).body as { checkins: unknown[] }
    ).checkins.length;
    await page.getByRole('link', { name: '巡查' }).click();
    await page.getByTestId('checkin').click();
    await expect
      .poll(() => page.getByTestId('checkin-message').textContent())
      .toBe('已保存在手机上，联网后发送');
    await expect.poll(() => page.getByTestId('outbox-waiting').textContent()).toBe('3 条待发送');
    await page.getByRole('link', { name: '上报' }).click();

    // The app shell comes from the service worker's cache: the network is gone.
    const shell = await page.reload();
    expect(shell?.headers()['x-cityops-offline-shell']).toBe('1');
    await page.waitForSelector('[data-testid="outbox-waiting"]', { timeout: 30_000 });
    expect(await page.getByTestId('outbox-waiting').textContent()).toBe('3 条待发送');
    await page.getByTestId('outbox').locator('.outbox-head').click();
    await screenshot(page, 'offline');
    expect(await incidentsLike(prefix)).toBe(0);

    await phone.setOffline(false);
    await expect.poll(() => page.getByTestId('outbox').count(), { timeout: 30_000 }).toBe(0);
    expect(await incidentsLike(prefix)).toBe(2);
    expect(
      ((await fieldApi.get('/api/checkins/mine')).body as { checkins: unknown[] }).checkins.length,
    ).toBe(checkinsBefore + 1);
    // A later flush (interval, reconnect) must not send anything twice.
    await page.reload();
    await page.waitForSelector('[data-testid="patrol-status"], form', { timeout: 30_000 });
    expect(await incidentsLike(prefix)).toBe(2);
  });

  it('verification passes: the incident closes', async () => {
    const inc = await resolvedIncident();
    await page.goto('/field/work');
    const card = page.locator(`[data-testid="verifications"] li[data-incident="${inc.id}"]`);
    await card.getByRole('button', { name: '去核查' }).click();
    await card.locator('textarea').fill('现场查看，已恢复通畅');
    await screenshot(page, 'verify');
    await card.getByRole('button', { name: '提交核查' }).click();
    await expect
      .poll(() => page.getByTestId('verify-message').textContent())
      .toBe('已核查通过，事件已结案');
    const after = (await dispatcher.get(`/api/incidents/${inc.id}`)).body as IncidentDto & {
      timeline: { type: string; actor?: string }[];
    };
    expect(after.state).toBe('closed');
    expect(after.timeline.map((e) => e.type)).toContain('incident.verified');
    await expect.poll(() => card.count()).toBe(0);
  });

  it('verification fails: the incident goes back to the department for rework', async () => {
    const inc = await resolvedIncident();
    await page.goto('/field/work');
    const card = page.locator(`[data-testid="verifications"] li[data-incident="${inc.id}"]`);
    await card.getByRole('button', { name: '去核查' }).click();
    await card.getByRole('radio', { name: /未通过/ }).click();
    await card.getByRole('button', { name: '提交核查' }).click();
    // A failed check needs a reason: nothing is sent without one.
    await expect.poll(() => card.locator('.msg').textContent()).toBe('未通过需要填写说明');
    expect(((await dispatcher.get(`/api/incidents/${inc.id}`)).body as IncidentDto).state).toBe(
      'resolved',
    );
    await card.locator('textarea').fill('仍有污水外溢');
    await card.locator('input[type="file"]').setInputFiles({
      name: 'IMG_0002.jpg',
      mimeType: 'image/png',
      buffer: await drawPhoto(page, '仍在外溢'),
    });
    await card.getByRole('button', { name: '提交核查' }).click();
    await expect
      .poll(() => page.getByTestId('verify-message').textContent())
      .toBe('已退回部门返工');
    const after = (await dispatcher.get(`/api/incidents/${inc.id}`)).body as IncidentDto;
    expect(after.state).toBe('in_progress');
    expect(after.department).toBe('water');
    expect(after.reworkCount).toBe(1);
    // The photo travels with the verification event, and the dispatcher can open it.
    const timeline = (
      (await dispatcher.get(`/api/incidents/${inc.id}`)).body as {
        timeline: { type: string; data: { photos?: string[] } }[];
      }
    ).timeline;
    const reworked = timeline.find((e) => e.type === 'incident.reworked');
    expect(reworked?.data.photos).toHaveLength(1);
    const img = await fetch(`${server.url}/api/photos/${reworked!.data.photos![0]}`, {
      headers: { cookie: dispatcher.cookie },
    });
    expect(img.status).toBe(200);
    // The department sees it again in its queue.
    const queue = (await department.get('/api/incidents?state=in_progress&department=water'))
      .body as { items: IncidentDto[] };
    expect(queue.items.map((i) => i.id)).toContain(inc.id);
  });

  it('my reports follow their state live, and overdue verifications are reminded', async () => {
    const text = uniqueText('实时状态');
    const mine = await reportOk(fieldApi, {
      category: 'sanitation.exposed_garbage',
      ...here,
      description: text,
    });
    await page.goto('/field/work');
    const row = page.locator(`[data-testid="my-reports"] li[data-incident="${mine.id}"]`);
    await expect.poll(() => row.getAttribute('data-state')).toBe('reported');
    await actOk(dispatcher, mine.id, { action: 'file', expectedVersion: mine.version });
    // No reload: the grid's event stream refreshes the list.
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('filed');
    expect(await row.locator('.state').textContent()).toBe('已立案');

    const late = await resolvedIncident();
    server.setNow(new Date(Date.now() + 25 * 3_600_000));
    try {
      await page.reload();
      await expect
        .poll(() => page.getByTestId('overdue-reminder').textContent())
        .toContain('1 项核查已超时');
      expect(await page.locator('nav .badge').textContent()).toBe('1');
      expect(
        await page
          .locator(`[data-testid="verifications"] li[data-incident="${late.id}"].overdue`)
          .count(),
      ).toBe(1);
      await screenshot(page, 'work');
    } finally {
      server.setNow(null);
    }
    expect(
      errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED|WebSocket/.test(e)),
    ).toEqual([]);
  });
});

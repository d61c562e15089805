import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CATEGORIES } from '@cityops/domain';
import type { DisplayTokenDto, Snapshot } from '@cityops/protocol';
import { launchBrowser, loginContext, recordApiRequests, watchErrors } from '../support/browser.ts';
import { LiveClient, User } from '../support/api-client.ts';
import { gridsWithin, pointIn } from '../support/fixtures.ts';
import { PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Kiosk mode: an operator issues a display token on /admin; the wallboard opened with it shows
 * its one scope, read-only, with no controls and no cursor; revoking it cuts the screen off.
 */

let server: TestServer;
let browser: Browser;
let admin: BrowserContext;
let kiosk: BrowserContext;
let adminPage: Page;
let kioskPage: Page;
let kioskErrors: string[];
let operator: User;
let token = '';
let tokenId = 0;
let district = { code: '', name: '' };
let otherDistrict = '';

/** A call with the display token only (no session cookie). */
async function asDisplay(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  const [s, b] = await Promise.allSettled([startTestServer({ serveWeb: true }), launchBrowser()]);
  if (s.status === 'fulfilled') server = s.value;
  if (b.status === 'fulfilled') browser = b.value;
  if (s.status === 'rejected') throw s.reason;
  if (b.status === 'rejected') throw b.reason;
  operator = await User.login(server.url, 'operator');
  const city = (await operator.get<Snapshot>('/api/snapshot')).body;
  district = { code: city.children[0]!.code, name: city.children[0]!.name };
  otherDistrict = city.children[1]!.code;
  admin = await loginContext(browser, server.url, 'operator', PASSWORD);
  adminPage = await admin.newPage();
  kiosk = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1920, height: 1080 },
    locale: 'zh-CN',
  });
  kioskPage = await kiosk.newPage();
  kioskErrors = watchErrors(kioskPage);
});

afterAll(async () => {
  await admin?.close();
  await kiosk?.close();
  await browser?.close();
  await server?.close();
});

describe('kiosk display tokens', () => {
  it('validates input and only lets admins and operators manage tokens', async () => {
    const bad = await operator.post('/api/display-tokens', { label: '', scope: district.code });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.fields)).toContain('label');
    expect((await operator.call('DELETE', '/api/display-tokens/abc')).status).toBe(422);
    expect((await operator.call('DELETE', '/api/display-tokens/999999')).status).toBe(404);
    const dispatcher = await User.login(server.url, 'dispatcher');
    expect(
      (await dispatcher.post('/api/display-tokens', { label: 'x', scope: district.code })).status,
    ).toBe(403);
    expect((await dispatcher.get('/api/display-tokens')).status).toBe(403);
    // A street operator cannot issue a token for the whole city.
    const street = await User.login(server.url, 'huayuanlu');
    expect((await street.post('/api/display-tokens', { label: 'x', scope: 'nope' })).status).toBe(
      404,
    );
    const cityCode = (await operator.get<Snapshot>('/api/snapshot')).body.scope.code;
    expect((await street.post('/api/display-tokens', { label: 'x', scope: cityCode })).status).toBe(
      403,
    );
  });

  it('an operator issues a token on /admin and gets a copyable kiosk URL', async () => {
    await adminPage.goto('/admin');
    await adminPage.locator('input[name="label"]').fill('城运中心 1 号屏');
    await expect
      .poll(() =>
        adminPage.locator(`select[name="scope"] option[value="${district.code}"]`).count(),
      )
      .toBe(1);
    await adminPage.locator('select[name="scope"]').selectOption(district.code);
    await adminPage.getByRole('button', { name: '发放令牌' }).click();
    const url = await adminPage.locator('#kiosk-url').inputValue({ timeout: 10_000 });
    const m = /\/wallboard\?token=(dt_[\w-]+)$/.exec(url);
    expect(m, url).not.toBeNull();
    token = m![1]!;
    const list = (await operator.get<DisplayTokenDto[]>('/api/display-tokens')).body;
    const mine = list.find((x) => x.label === '城运中心 1 号屏')!;
    expect(mine).toMatchObject({
      scope: { code: district.code, name: district.name },
      createdBy: 'operator',
      revokedAt: null,
    });
    tokenId = mine.id;
    // The list never carries the raw token.
    expect(JSON.stringify(list)).not.toContain(token);
    await expect.poll(() => adminPage.locator(`tr[data-token-id="${tokenId}"]`).count()).toBe(1);
  });

  it('the token opens its scope full screen, with no controls and no cursor, and no login', async () => {
    const { asked, stop } = await recordApiRequests(kiosk, kioskPage);
    await kioskPage.goto(`/wallboard?token=${token}`);
    await kioskPage.waitForSelector('.board[data-connection="live"][data-map-ready="true"]', {
      timeout: 60_000,
    });
    await stop();
    expect(kioskPage.url()).not.toContain('/login');
    // The page's HTML asked for the snapshot with the token before the app loaded, and the app
    // took that answer: one request, with the token, and none for a personal session.
    expect(asked.filter((a) => a.path === '/api/snapshot?view=board')).toEqual([
      { path: '/api/snapshot?view=board', by: '/wallboard', authorization: `Bearer ${token}` },
    ]);
    expect(asked.filter((a) => a.path === '/api/auth/me')).toEqual([]);
    expect(await kioskPage.getByTestId('scope').getAttribute('data-code')).toBe(district.code);
    expect(await kioskPage.locator('.board').evaluate((el) => el.classList.contains('kiosk'))).toBe(
      true,
    );
    expect(await kioskPage.locator('.board').evaluate((el) => getComputedStyle(el).cursor)).toBe(
      'none',
    );
    // No controls: no header buttons or links, no back button, no layer toggles.
    expect(
      await kioskPage.locator('.topbar button, .topbar a, .back, .toggles button').count(),
    ).toBe(0);
    expect(await kioskPage.locator('[data-kpi]').count()).toBe(9);
    expect(kioskErrors).toEqual([]);
  });

  it('the token is read-only and limited to its scope, on REST and on the socket', async () => {
    const own = await asDisplay('GET', '/api/snapshot');
    expect(own.status).toBe(200);
    expect(own.body.scope.code).toBe(district.code);
    expect((await asDisplay('GET', `/api/snapshot?scope=${otherDistrict}`)).status).toBe(403);
    const grid = gridsWithin(server, district.code)[0]!;
    const write = await asDisplay('POST', '/api/incidents', {
      category: CATEGORIES[0]!.code,
      ...pointIn(grid),
      description: 'kiosk must not write',
    });
    expect(write.status).toBe(403);
    expect(
      (await asDisplay('POST', '/api/display-tokens', { label: 'x', scope: district.code })).status,
    ).toBe(403);
    expect((await asDisplay('GET', '/api/display-tokens')).status).toBe(403);
    const live = new LiveClient(server.url, { auth: { token } });
    try {
      expect(await live.subscribe(otherDistrict)).toMatchObject({ ok: false });
      expect(await live.subscribe(district.code)).toMatchObject({ ok: true });
    } finally {
      live.close();
    }
  });

  it('revoking it on /admin disconnects the screen, which then says it is not authorised', async () => {
    const live = new LiveClient(server.url, { auth: { token } });
    expect(await live.subscribe(district.code)).toMatchObject({ ok: true });
    const dropped = new Promise<string>((resolve) =>
      live.socket.once('disconnect', (reason) => resolve(reason)),
    );
    adminPage.once('dialog', (d) => void d.accept());
    await adminPage.locator(`tr[data-token-id="${tokenId}"] button`).click();
    expect(await dropped).toBe('io server disconnect');
    live.close();
    await kioskPage.getByTestId('not-authorised').waitFor({ timeout: 15_000 });
    expect(await kioskPage.getByTestId('not-authorised').textContent()).toContain('此大屏未获授权');
    expect((await asDisplay('GET', '/api/snapshot')).status).toBe(401);
    const again = new LiveClient(server.url, { auth: { token } });
    try {
      await expect(again.connected()).rejects.toThrow('unauthenticated');
    } finally {
      again.close();
    }
    const list = (await operator.get<DisplayTokenDto[]>('/api/display-tokens')).body;
    expect(list.find((x) => x.id === tokenId)?.revokedAt).not.toBeNull();
    await expect
      .poll(() => adminPage.locator(`tr[data-token-id="${tokenId}"] button`).count())
      .toBe(0);
  });
});

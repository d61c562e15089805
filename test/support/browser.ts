/// <reference lib="dom" />
// Browser tests evaluate code in the page, so the test program knows the DOM types.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

/** Debian's Chromium; override with CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless flags for this machine, plus software WebGL (SwiftShader) for MapLibre. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-dev-shm-usage',
];

/**
 * Launch real Chromium and check that WebGL2 works before any test relies on the map.
 * Fails with a message that says what is missing, never skips.
 */
export async function launchBrowser(
  options: {
    /**
     * Benchmark only: leave out `--disable-gpu`, so the page is composited through SwiftShader
     * too. With software compositing every WebGL frame is read back on the page's main thread
     * (`ReadPixels`); a wall PC with a GPU composites the map's frames without that.
     */
    gpuCompositing?: boolean;
  } = {},
): Promise<Browser> {
  const args = options.gpuCompositing
    ? CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu')
    : CHROMIUM_ARGS;
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install it (apt-get install chromium fonts-noto-cjk) or set CHROMIUM_PATH.`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args,
    headless: true,
  });
  const page = await browser.newPage();
  try {
    const webgl2 = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      if (!gl) return null;
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      return ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'webgl2';
    });
    if (!webgl2) {
      await browser.close();
      throw new Error(
        `WebGL2 is not available in ${CHROMIUM} with flags ${args.join(' ')}. The map needs it; check the SwiftShader flags for this Chromium version.`,
      );
    }
  } finally {
    if (!page.isClosed()) await page.close();
  }
  return browser;
}

/** A browser context logged in as `username` against `baseUrl` (cookie session via the real login API). */
export async function loginContext(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1920, height: 1080 },
    locale: 'zh-CN',
    ...options,
  });
  const res = await context.request.post('/api/auth/login', { data: { username, password } });
  if (!res.ok())
    throw new Error(`login as ${username} failed: ${res.status()} ${await res.text()}`);
  return context;
}

/** Collect page errors and console errors so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** An /api/ request as the page sent it. */
export interface ApiRequest {
  /** Path and query. */
  path: string;
  /** Who asked: the page's path for its own inline scripts, a script's path for the app's code. */
  by: string;
  authorization: string | null;
}

/**
 * Record the /api/ requests `page` sends and who sent them (over CDP, which knows each request's
 * initiator); `stop()` ends the recording.
 */
export async function recordApiRequests(
  context: BrowserContext,
  page: Page,
): Promise<{ asked: ApiRequest[]; stop: () => Promise<void> }> {
  const asked: ApiRequest[] = [];
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => {
    const url = new URL(e.request.url);
    if (!url.pathname.startsWith('/api/')) return;
    const frame = e.initiator.stack?.callFrames[0]?.url ?? e.initiator.url ?? '';
    asked.push({
      path: url.pathname + url.search,
      by: frame ? new URL(frame).pathname : '',
      authorization: e.request.headers['authorization'] ?? null,
    });
  });
  return { asked, stop: () => cdp.detach() };
}

let scratch: string | null = null;

/**
 * Where browser tests put their screenshots (ending in '/'): `docs/screenshots/` with
 * SCREENSHOTS=1, which refreshes the README's pictures; otherwise a temporary folder, so a
 * test run never rewrites tracked files.
 */
export function screenshotDir(): string {
  if (process.env.SCREENSHOTS === '1') {
    const docs = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
    mkdirSync(docs, { recursive: true });
    return docs;
  }
  scratch ??= mkdtempSync(join(tmpdir(), 'cityops-shots-')) + '/';
  return scratch;
}

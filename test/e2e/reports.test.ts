import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DailyReport, RangeReport } from '@cityops/domain';
import { writeHistory } from '@cityops/seed';
import { launchBrowser, loginContext, watchErrors } from '../support/browser.ts';
import { PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';

/**
 * The reports pages in real Chromium over a server with a week of seeded history: the daily
 * report shows the API's figures, exports an XLSX that carries them, and prints to a real A4 PDF.
 * With SCREENSHOTS=1 it also refreshes docs/screenshots/reports-*.png.
 */

const SHOTS =
  process.env.SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url) : null;
const OFFSET = 480;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let leader: User;
let day: string;

const localDay = (d: Date, shiftDays: number): string =>
  new Date(d.getTime() + OFFSET * 60_000 + shiftDays * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startTestServer({
    serveWeb: true,
    env: { SLA_INTERVAL_MS: String(24 * 3_600_000) },
  });
  server.app.sla.stop();
  server.app.http.keepAliveTimeout = 120_000;
  const now = new Date();
  await writeHistory({
    db: server.database.db,
    city: server.city,
    now,
    days: 8,
    incidents: 1_600,
    users: {
      dispatchers: server.seeded.dispatchers,
      departmentHandlers: server.seeded.departmentHandlers,
      fieldWorkers: server.seeded.fieldWorkers,
    },
  });
  // A closed weekday: weekends have a third of a weekday's reports (seed/src/history/patterns.ts).
  day = [-2, -3, -4]
    .map((d) => localDay(now, d))
    .find((d) => ![0, 6].includes(new Date(d).getUTCDay()))!;
  leader = await User.login(server.url, 'leader');
  browser = await launchBrowser();
  context = await loginContext(browser, server.url, 'leader', PASSWORD, {
    acceptDownloads: true,
    viewport: { width: 1600, height: 1000 },
  });
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

const zhInt = (n: number): string => n.toLocaleString('zh-CN');
const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

async function cell(testid: string): Promise<{ text: string; value: string }> {
  const loc = page.locator(`[data-testid="${testid}"] .value`);
  return {
    text: (await loc.textContent())!.trim(),
    value: (await loc.getAttribute('data-value'))!,
  };
}

describe('daily report', () => {
  let api: DailyReport;

  it('shows the figures the API reports', async () => {
    const r = await leader.get<DailyReport>(`/api/stats/daily?date=${day}`);
    expect(r.status).toBe(200);
    api = r.body;
    expect(api.indicators.reported).toBeGreaterThan(100);
    await page.goto(`/reports?date=${day}`);
    await page.locator('[data-testid="ind-reported"] .value').waitFor();
    expect(await page.locator('[data-testid="report-title"]').textContent()).toContain(day);
    const reported = await cell('ind-reported');
    expect(Number(reported.value)).toBe(api.indicators.reported);
    expect(reported.text).toBe(zhInt(api.indicators.reported));
    expect((await cell('ind-onTimeRate')).text).toBe(pct(api.indicators.onTimeRate));
    expect((await cell('ind-dispatchAccuracy')).text).toBe(pct(api.indicators.dispatchAccuracy));
    expect(Number((await cell('ind-overdueOpen')).value)).toBe(api.indicators.overdueOpen);
    expect(Number((await cell('ind-resolutionMedian')).value)).toBeCloseTo(
      api.indicators.resolution.median!,
      6,
    );
    const summary = (await page.locator('[data-testid="summary"]').textContent())!;
    expect(summary).toContain(zhInt(api.indicators.reported));
    expect(summary).toContain(pct(api.indicators.onTimeRate));
    expect(await page.locator('[data-testid="regions-table"] tbody tr').count()).toBe(
      api.regions.length,
    );
    const first = api.regions[0]!;
    expect(
      await page
        .locator(
          `[data-testid="regions-table"] tr[data-code="${first.code}"] td[data-key="reported"]`,
        )
        .getAttribute('data-value'),
    ).toBe(String(first.indicators.reported));
    expect(await page.locator('[data-testid="overdue-table"] tbody tr').count()).toBe(
      Math.min(30, api.overdue.length),
    );
    expect(await page.locator('[data-testid="rank-regions-best"] li').count()).toBeGreaterThan(0);
    expect(await page.locator('.report-chart canvas').count()).toBeGreaterThanOrEqual(3);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({
        path: new URL('reports-daily-zh.png', SHOTS).pathname,
        fullPage: true,
      });
    }
  });

  it('exports an XLSX whose cells are the API figures', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="export-xlsx"]').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as never);
    const sheet = wb.getWorksheet('指标')!;
    const byKey = new Map<string, ExcelJS.Row>();
    sheet.eachRow((row, n) => {
      if (n > 1) byKey.set(String(row.getCell(2).value), row);
    });
    expect(byKey.get('reported')!.getCell(3).value).toBe(api.indicators.reported);
    expect(byKey.get('reported')!.getCell(4).value).toBe(api.previousDay!.reported);
    expect(byKey.get('overdueOpen')!.getCell(3).value).toBe(api.indicators.overdueOpen);
    expect(byKey.get('onTimeRate')!.getCell(3).value as number).toBeCloseTo(
      api.indicators.onTimeRate!,
      12,
    );
    const regions = wb.getWorksheet('区域')!;
    expect(regions.rowCount - 1).toBe(api.regions.length);
    expect(regions.getRow(2).getCell(1).value).toBe(api.regions[0]!.code);
    expect(regions.getRow(2).getCell(3).value).toBe(api.regions[0]!.indicators.reported);
  });

  it('prints to a clean A4 PDF with the charts', async () => {
    // An A4 page is about 794 CSS pixels wide: lay the print out at that width.
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.emulateMedia({ media: 'print' });
    // What a browser does on Ctrl+P (print emulation alone does not announce itself to the page).
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    await page.locator('.report-page[data-print="true"]').waitFor();
    // Let the charts redraw at the printed width with the print palette.
    await page.waitForTimeout(500);
    // Printed pages are white: the page background is no longer the dark theme's.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(255, 255, 255)',
    );
    expect(await page.locator('header.bar').isVisible()).toBe(false);
    // Nothing is cut off at the page's right edge: every table fits the printed width.
    const overflow = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll<HTMLElement>('.report-table, .report-chart')).filter(
          (el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1,
        ).length,
    );
    expect(overflow).toBe(0);
    if (SHOTS)
      await page.screenshot({
        path: new URL('reports-daily-print.png', SHOTS).pathname,
        fullPage: true,
      });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(60_000);
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(2);
    // The PDF embeds the chart canvases as images.
    expect(pdf.toString('latin1')).toMatch(/\/Subtype\s*\/Image/);
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 1600, height: 1000 });
  });
});

describe('trend page', () => {
  it('shows the range totals and the charts', async () => {
    const from = localDay(new Date(), -7);
    const to = localDay(new Date(), -1);
    const r = await leader.get<RangeReport>(`/api/stats/range?from=${from}&to=${to}`);
    expect(r.status).toBe(200);
    await page.goto(`/reports/trend?from=${from}&to=${to}`);
    await page.locator('[data-testid="ind-reported"] .value').waitFor();
    expect(Number((await cell('ind-reported')).value)).toBe(r.body.total.reported);
    expect((await cell('ind-onTimeRate')).text).toBe(pct(r.body.total.onTimeRate));
    expect(await page.locator('.report-chart canvas').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('[data-testid="departments-table"] tbody tr').count()).toBe(
      r.body.departments.length,
    );
    if (SHOTS)
      await page.screenshot({
        path: new URL('reports-trend-zh.png', SHOTS).pathname,
        fullPage: true,
      });
    expect(errors).toEqual([]);
  });
});

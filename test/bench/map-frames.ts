/**
 * What one map frame costs the board's main thread in real Chromium (SwiftShader), per layer
 * set, on the `full` city at rest: the board as built, the same with the grid fills' antialiasing
 * pass and the grid borders at every zoom (as they were before), and the background alone (the
 * floor: clearing and reading back the canvas). Each frame is forced with `triggerRepaint` and
 * measured as the long task it makes (and the wall time to the next task).
 *   pnpm bench map-frames [--frames=6] [--scale=full] [--scope=]
 * Needs a web build (WEB_BUILD_DIR or web/build).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, loginContext } from '../support/browser.ts';
import { spawnServer } from '../support/spawn-server.ts';
import { WEB_BUILD } from '../support/test-server.ts';
import { flags, machineLoad, table } from './bench-util.ts';

const opt = flags(process.argv.slice(2), { frames: '6', scale: 'full', scope: '' });
const PASSWORD = 'bench-password';

interface Variant {
  name: string;
  /** Layers hidden ('*': all but the background). */
  hide: string[] | '*';
  /** Paint properties set, and the grid borders' zoom range. */
  paint: [string, string, unknown][];
  gridLinesFrom: number;
}

const VARIANTS: Variant[] = [
  { name: 'as built', hide: [], paint: [], gridLinesFrom: 10.5 },
  {
    name: 'before: fill antialiasing, borders at every zoom',
    hide: [],
    paint: [['grids-fill', 'fill-antialias', true]],
    gridLinesFrom: 0,
  },
  { name: 'background only (the floor)', hide: '*', paint: [], gridLinesFrom: 10.5 },
];

// A demo city of its own, on disk in a scratch folder (not the checkout's ./data).
const dataDir = mkdtempSync(join(tmpdir(), 'cityops-map-frames-'));
const server = await spawnServer(
  {
    DATA_DIR: dataDir,
    DEMO: '1',
    DEMO_SCALE: opt.scale,
    DEMO_HISTORY: '3000',
    SIMULATOR_RATE: '0',
    DEMO_PASSWORD: PASSWORD,
    PORT: '0',
    WEB_DIR: WEB_BUILD,
  },
  600_000,
);
const browser = await launchBrowser();
try {
  const context = await loginContext(browser, server.url, 'operator', PASSWORD);
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`/wallboard?perf=1${opt.scope ? `&scope=${opt.scope}` : ''}`);
  await page.waitForFunction(
    () => performance.getEntriesByName('board:first-full-render').length > 0,
    null,
    { timeout: 180_000 },
  );
  await page.waitForTimeout(5000);
  const rows: (string | number)[][] = [];
  for (const v of VARIANTS) {
    const r = await page.evaluate(
      async ({ v, frames }) => {
        type M = {
          getStyle(): { layers: { id: string }[] };
          setLayoutProperty(id: string, k: string, v: unknown): void;
          setPaintProperty(id: string, k: string, v: unknown): void;
          setLayerZoomRange(id: string, min: number, max: number): void;
          once(type: string, f: () => void): void;
          triggerRepaint(): void;
          getCanvas(): HTMLCanvasElement;
        };
        const m = (document.querySelector('.map') as HTMLElement & { maplibre: M }).maplibre;
        const w = window as unknown as { __longTasks: number[] };
        const toggled = new Set(['incident-heat', 'coverage-fill', 'background']);
        for (const { id } of m.getStyle().layers) {
          if (toggled.has(id)) continue;
          const hidden = v.hide === '*' || v.hide.includes(id);
          m.setLayoutProperty(id, 'visibility', hidden ? 'none' : 'visible');
        }
        m.setPaintProperty('grids-fill', 'fill-antialias', false);
        for (const [layer, key, value] of v.paint) m.setPaintProperty(layer, key, value);
        m.setLayerZoomRange('grids-line', v.gridLinesFrom, 24);
        // (No named functions in here: the page has no `__name` helper of the bundler.)
        await new Promise((r) => setTimeout(r, 1500));
        const wall: number[] = [];
        const tasks: number[] = [];
        for (let i = 0; i < frames; i++) {
          w.__longTasks.length = 0;
          const t0 = performance.now();
          await new Promise<void>((done) => {
            m.once('render', () => done());
            m.triggerRepaint();
          });
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          wall.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 600));
          tasks.push(Math.max(0, ...w.__longTasks));
        }
        const c = m.getCanvas();
        return { wall, tasks, size: `${c.width}×${c.height}` };
      },
      { v, frames: Number(opt.frames) },
    );
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
    rows.push([v.name, r.size, median(r.tasks), Math.max(...r.tasks), median(r.wall)]);
  }
  console.log(
    `\nmap frames: scale=${opt.scale}${opt.scope ? ` scope=${opt.scope}` : ''}, ${opt.frames} forced frames per variant, SwiftShader, load ${machineLoad()}\n`,
  );
  console.log(
    table([
      ['layers', 'canvas', 'long task p50 ms', 'long task max ms', 'frame wall p50 ms'],
      ...rows,
    ]),
  );
  console.log('\nThe long-task budget is 50 ms; 0: the frame made no long task.');
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

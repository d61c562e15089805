import { flushSync } from 'svelte';

/** What the benchmark reads from the page (`?perf=1`), as `window.__boardPerf`. */
export interface BoardPerf {
  /** Main-thread ms per flush: applying the events, every effect it triggers and their microtasks. */
  flushes: number[];
  /** Main-thread ms per map commit: the live changes the map takes together (see CommitGate). */
  mapCommits: number[];
  /** Wall ms of each live chart's update (ECharts' setOption, drawn at once), by its label. */
  charts: Record<string, number[]>;
}

type PerfHost = { __boardPerf?: BoardPerf };

/** Start recording (the store does, with `?perf=1`). */
export function enableBoardPerf(): BoardPerf {
  const perf: BoardPerf = { flushes: [], mapCommits: [], charts: {} };
  (globalThis as PerfHost).__boardPerf = perf;
  return perf;
}

/** The record, when the page is being measured. */
export function boardPerf(): BoardPerf | null {
  return (globalThis as PerfHost).__boardPerf ?? null;
}

/** Microtask hops to wait before reading the clock: deeper than any promise chain a flush starts. */
const DRAIN_HOPS = 50;

/** Run `done` once the microtasks queued so far, and those they queue in turn, have run. */
function afterMicrotasks(done: () => void, hops = DRAIN_HOPS): void {
  queueMicrotask(() => (hops > 1 ? afterMicrotasks(done, hops - 1) : done()));
}

/**
 * Time `run` with the microtasks it queues (MapLibre clones source data for its worker in one)
 * into `into`. Calls made back to back in one task are timed together and split evenly.
 */
export function taskTimer(into: number[], label: string): (run: () => void) => void {
  let task: { t0: number; n: number } | null = null;
  return (run) => {
    // Marks the task in a Chromium trace, where the bench reads its thread (CPU) time.
    console.timeStamp(label);
    const t0 = performance.now();
    run();
    if (task) {
      task.n++;
      return;
    }
    const current = (task = { t0, n: 1 });
    afterMicrotasks(() => {
      task = null;
      const each = (performance.now() - current.t0) / current.n;
      for (let i = 0; i < current.n; i++) into.push(each);
    });
  };
}

/**
 * Times each flush with the effects it sets off (map sources, chart options), synchronously
 * (Svelte's `flushSync`), and with the microtasks they queue.
 */
export function timedFlush(perf: BoardPerf): (flush: () => void) => void {
  const time = taskTimer(perf.flushes, 'board:flush');
  return (flush) => time(() => flushSync(flush));
}

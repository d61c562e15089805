/**
 * What the board's main thread spends in CPU, read from a Chromium trace: wall time says how
 * long a task held the thread, thread time (`tdur`) how much of that the thread ran. On this
 * machine the two differ by an order of magnitude: a frame's `Commit` waits for SwiftShader to
 * finish drawing the map so it can read it back (software compositing), and the 2 cores are
 * shared with the GPU process, the server and the simulators.
 *
 * The page marks each timed task with `console.timeStamp('board:flush' | 'board:commit')`
 * (`web/src/lib/live/board-perf.ts`); the callback that holds the mark (an animation frame for a
 * flush, a timer for a map commit) is the task's own work, microtasks included (Blink runs them
 * before the callback's `v8.callFunction` returns). A mark outside any callback (the naive
 * board's flushes, in a socket message's task) is timed by its top-level task.
 */

/** One complete event of a Chromium trace (`ph: 'X'`), in µs; the rest is ignored. */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { data?: { message?: string }; name?: string };
}

/** Wall and thread time of one task or callback, in ms. */
export interface Spent {
  wall: number;
  cpu: number;
}

export interface MainThreadCpu {
  /** Traced span of the page's main thread, ms (first to last top-level task). */
  spanMs: number;
  flushes: Spent[];
  commits: Spent[];
  /** Every top-level task of the main thread. */
  tasks: Spent[];
  /** Marks no task was found around (cut by the trace's edge). */
  unmatched: number;
}

const CALLBACKS = new Set(['FireAnimationFrame', 'TimerFire', 'FunctionCall']);
const TASK = 'ThreadControllerImpl::RunTask';

const spent = (e: TraceEvent): Spent => ({ wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? 0) / 1000 });

/** Read the page's main thread out of a trace: the thread whose events carry the board's marks. */
export function mainThreadCpu(events: TraceEvent[]): MainThreadCpu {
  const marks = events.filter(
    (e) => e.name === 'TimeStamp' && e.args?.data?.message?.startsWith('board:'),
  );
  const empty = { spanMs: 0, flushes: [], commits: [], tasks: [], unmatched: 0 };
  const first = marks[0];
  if (!first) return empty;
  const own = events
    .filter(
      (e) => e.pid === first.pid && e.tid === first.tid && e.ph === 'X' && e.dur !== undefined,
    )
    .sort((a, b) => a.ts - b.ts);
  const tasks = own.filter((e) => e.name === TASK);
  const callbacks = own.filter((e) => CALLBACKS.has(e.name));
  const result: MainThreadCpu = { ...empty, flushes: [], commits: [], tasks: tasks.map(spent) };
  const last = tasks.at(-1);
  if (tasks[0] && last) result.spanMs = (last.ts + (last.dur ?? 0) - tasks[0].ts) / 1000;
  // Each mark's task: the outermost callback that holds it (nested FunctionCalls are parts of
  // it), else the top-level task (the naive board flushes inside a socket message's task).
  // Marks that share one are split evenly, as the page's own timer does.
  const held = new Map<TraceEvent, string[]>();
  for (const mark of marks) {
    const holds = (e: TraceEvent): boolean => e.ts <= mark.ts && mark.ts <= e.ts + (e.dur ?? 0);
    const around = callbacks.find(holds) ?? tasks.find(holds);
    if (!around) {
      result.unmatched++;
      continue;
    }
    const kinds = held.get(around) ?? [];
    kinds.push(mark.args?.data?.message ?? '');
    held.set(around, kinds);
  }
  for (const [task, kinds] of held) {
    const { wall, cpu } = spent(task);
    for (const kind of kinds)
      (kind === 'board:flush' ? result.flushes : result.commits).push({
        wall: wall / kinds.length,
        cpu: cpu / kinds.length,
      });
  }
  return result;
}

/** CPU ms of the display compositor and of the page's own compositor thread. */
export interface CompositorCpu {
  display: number;
  page: number;
}

/**
 * CPU time of the threads that composite the page, ms: the display compositor
 * (`VizCompositorThread`, in the GPU process) and the page renderer's own `Compositor` thread
 * (the renderer that holds the board's marks). Without a GPU both run on the CPU, and a frame
 * is composited whenever anything on the page animates: a CSS animation that never ends keeps
 * them at work all day (see docs/performance.md). Each thread's top-level tasks, summed.
 */
export function compositorCpu(events: TraceEvent[]): CompositorCpu {
  const threads = new Map<string, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name)
      threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const mark = events.find(
    (e) => e.name === 'TimeStamp' && e.args?.data?.message?.startsWith('board:'),
  );
  const out = { display: 0, page: 0 };
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== TASK) continue;
    const name = threads.get(`${e.pid}:${e.tid}`);
    if (name === 'VizCompositorThread') out.display += (e.tdur ?? 0) / 1000;
    else if (name === 'Compositor' && mark && e.pid === mark.pid) out.page += (e.tdur ?? 0) / 1000;
  }
  return out;
}

/** Trace categories that hold the marks, the callbacks and the top-level tasks, and little else. */
export const CPU_TRACE_CATEGORIES = ['devtools.timeline', 'toplevel'];

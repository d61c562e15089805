import { describe, expect, it } from 'vitest';
import { compositorCpu, mainThreadCpu, type TraceEvent } from './main-thread-cpu.ts';

const PAGE = { pid: 7, tid: 1 };
const OTHER = { pid: 7, tid: 2 };

/** A complete event, times in ms (the trace's are µs). */
function x(name: string, at: number, wall: number, cpu: number, thread = PAGE): TraceEvent {
  return { name, ph: 'X', ...thread, ts: at * 1000, dur: wall * 1000, tdur: cpu * 1000 };
}

function mark(message: string, at: number, thread = PAGE): TraceEvent {
  return { name: 'TimeStamp', ph: 'I', ...thread, ts: at * 1000, args: { data: { message } } };
}

describe('mainThreadCpu', () => {
  it('times each marked callback by its outermost callback, in wall and CPU time', () => {
    const events = [
      x('ThreadControllerImpl::RunTask', 0, 120, 20),
      x('FireAnimationFrame', 1, 100, 15),
      x('FunctionCall', 2, 90, 14),
      mark('board:flush', 3),
      x('ThreadControllerImpl::RunTask', 200, 30, 5),
      x('TimerFire', 201, 25, 4),
      mark('board:commit', 202),
      // The same names on another thread (a worker) are not the page's.
      x('ThreadControllerImpl::RunTask', 0, 5000, 5000, OTHER),
      x('TimerFire', 300, 60, 60, OTHER),
    ];
    const cpu = mainThreadCpu(events);
    expect(cpu.flushes).toEqual([{ wall: 100, cpu: 15 }]);
    expect(cpu.commits).toEqual([{ wall: 25, cpu: 4 }]);
    expect(cpu.tasks).toEqual([
      { wall: 120, cpu: 20 },
      { wall: 30, cpu: 5 },
    ]);
    expect(cpu.spanMs).toBe(230);
    expect(cpu.unmatched).toBe(0);
  });

  it('times marks outside any callback by their top-level task, split evenly', () => {
    const cpu = mainThreadCpu([
      x('ThreadControllerImpl::RunTask', 0, 40, 8),
      mark('board:flush', 10),
      mark('board:flush', 20),
      x('ThreadControllerImpl::RunTask', 100, 10, 2),
      x('FireAnimationFrame', 101, 5, 1),
      mark('board:flush', 102),
    ]);
    expect(cpu.flushes).toEqual([
      { wall: 20, cpu: 4 },
      { wall: 20, cpu: 4 },
      { wall: 5, cpu: 1 },
    ]);
  });

  it('counts a mark no task holds as unmatched', () => {
    const cpu = mainThreadCpu([
      x('ThreadControllerImpl::RunTask', 0, 10, 2),
      x('FireAnimationFrame', 1, 5, 1),
      mark('board:flush', 50),
    ]);
    expect(cpu.flushes).toEqual([]);
    expect(cpu.unmatched).toBe(1);
  });

  it('finds nothing in a trace without the board’s marks', () => {
    const cpu = mainThreadCpu([x('ThreadControllerImpl::RunTask', 0, 10, 2)]);
    expect(cpu).toEqual({ spanMs: 0, flushes: [], commits: [], tasks: [], unmatched: 0 });
  });
});

describe('compositorCpu', () => {
  const named = (pid: number, tid: number, name: string): TraceEvent => ({
    name: 'thread_name',
    ph: 'M',
    pid,
    tid,
    ts: 0,
    args: { name },
  });
  it("sums the display compositor's and the page renderer's compositor tasks, in CPU time", () => {
    const events = [
      named(9, 3, 'VizCompositorThread'),
      named(7, 4, 'Compositor'),
      // Another renderer's compositor (another tab) is not the board's.
      named(8, 4, 'Compositor'),
      mark('board:flush', 1),
      x('ThreadControllerImpl::RunTask', 0, 30, 12, { pid: 9, tid: 3 }),
      x('ThreadControllerImpl::RunTask', 40, 30, 8, { pid: 9, tid: 3 }),
      x('ThreadControllerImpl::RunTask', 0, 10, 3, { pid: 7, tid: 4 }),
      x('ThreadControllerImpl::RunTask', 0, 99, 99, { pid: 8, tid: 4 }),
      // The page's main thread is not a compositor.
      x('ThreadControllerImpl::RunTask', 0, 50, 50),
    ];
    expect(compositorCpu(events)).toEqual({ display: 20, page: 3 });
  });
});

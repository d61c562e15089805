import { describe, expect, it } from 'vitest';
import { ChartPacer } from './chart-pacer.ts';

/** A pacer on a hand-stepped clock: each draw takes `drawMs`; turns and timers run on demand. */
function setup(budgetMs: number, drawMs: number) {
  let clock = 0;
  const deferred: (() => void)[] = [];
  const timers = new Map<number, { run: () => void; at: number }>();
  let nextTimer = 1;
  const pacer = new ChartPacer({
    budgetMs,
    idleMs: 500,
    now: () => clock,
    defer: (run) => deferred.push(run),
    setTimer: (run, ms) => {
      timers.set(nextTimer, { run, at: clock + ms });
      return nextTimer++;
    },
    clearTimer: (t) => timers.delete(t as number),
  });
  const drawn: string[] = [];
  const charts = Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, { k }]));
  const ask = (k: string, version = 1): void =>
    pacer.request(charts[k]!, () => {
      clock += drawMs;
      drawn.push(`${k}${version}`);
    });
  /** End of the task: run the queued turns. */
  const endTask = (): void => {
    while (deferred.length) deferred.shift()!();
  };
  /** Let `ms` pass and fire the timers that came due. */
  const wait = (ms: number): void => {
    clock += ms;
    for (const [id, t] of [...timers]) {
      if (t.at > clock) continue;
      timers.delete(id);
      t.run();
    }
  };
  return { pacer, drawn, ask, endTask, wait, timers, charts };
}

describe('ChartPacer', () => {
  it('draws what one task asked for at its end, while the budget lasts', () => {
    const { drawn, ask, endTask, pacer } = setup(6, 2);
    ask('a');
    ask('b');
    expect(drawn).toEqual([]);
    endTask();
    expect(drawn).toEqual(['a1', 'b1']);
    expect(pacer.waiting).toBe(0);
  });

  it('stops at the budget, always drawing at least one, and the next turn takes the rest first', () => {
    const { drawn, ask, endTask, pacer } = setup(6, 4);
    for (const k of ['a', 'b', 'c', 'd']) ask(k);
    endTask();
    // a (4 ms) leaves budget, b takes it to 8 ms: the turn stops there.
    expect(drawn).toEqual(['a1', 'b1']);
    expect(pacer.waiting).toBe(2);
    // The next flush changes a and d again: c, waiting longest, goes first, then d's newest.
    ask('a', 2);
    ask('d', 2);
    endTask();
    expect(drawn).toEqual(['a1', 'b1', 'c1', 'd2']);
    expect(pacer.waiting).toBe(1);
  });

  it('draws one chart a turn however slow it is', () => {
    const { drawn, ask, endTask } = setup(6, 50);
    ask('a');
    ask('b');
    endTask();
    expect(drawn).toEqual(['a1']);
  });

  it('draws the left-overs after the idle wait when no other request comes', () => {
    const { drawn, ask, endTask, wait, timers } = setup(6, 4);
    for (const k of ['a', 'b', 'c']) ask(k);
    endTask();
    expect(drawn).toEqual(['a1', 'b1']);
    wait(499);
    expect(drawn).toEqual(['a1', 'b1']);
    wait(1);
    expect(drawn).toEqual(['a1', 'b1', 'c1']);
    expect(timers.size).toBe(0);
  });

  it('a turn brought by a request drops the idle timer', () => {
    const { ask, endTask, timers } = setup(6, 4);
    for (const k of ['a', 'b', 'c']) ask(k);
    endTask();
    expect(timers.size).toBe(1);
    ask('d');
    endTask();
    expect(timers.size).toBe(0);
  });

  it('never draws a cancelled chart', () => {
    const { drawn, ask, endTask, wait, pacer, charts } = setup(6, 4);
    for (const k of ['a', 'b', 'c']) ask(k);
    endTask();
    expect(drawn).toEqual(['a1', 'b1']);
    pacer.cancel(charts['c']!);
    wait(1000);
    expect(drawn).toEqual(['a1', 'b1']);
    expect(pacer.waiting).toBe(0);
  });
});

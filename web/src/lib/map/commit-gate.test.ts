import { describe, expect, it } from 'vitest';
import { CommitGate } from './commit-gate.ts';

/** A gate on a hand-moved clock: scheduled commits run only when the test says so. */
function gate(gapMs = 1000): {
  g: CommitGate;
  timers: { at: number; run: () => void }[];
  advance: (ms: number) => void;
  commits: number[];
} {
  let now = 0;
  const timers: { at: number; run: () => void }[] = [];
  const commits: number[] = [];
  const g = new CommitGate({
    gapMs,
    now: () => now,
    schedule: (run, delay) => timers.push({ at: now + delay, run }),
    wrap: (commit) => {
      commits.push(now);
      commit();
    },
  });
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > until) break;
      timers.shift();
      now = next.at;
      next.run();
    }
    now = until;
  };
  return { g, timers, advance, commits };
}

describe('CommitGate', () => {
  it('runs the first change at once and gathers the ones within the gap into one commit', () => {
    const { g, advance, commits } = gate(1000);
    const ran: string[] = [];
    g.later('grids', () => ran.push('grids 1'));
    advance(0);
    expect(ran).toEqual(['grids 1']);
    advance(100);
    g.later('grids', () => ran.push('grids 2'));
    advance(300);
    g.later('workers', () => ran.push('workers'));
    g.later('grids', () => ran.push('grids 3'));
    advance(500);
    expect(ran).toEqual(['grids 1']);
    advance(100);
    // One commit a gap after the first, with the newest job per key.
    expect(ran).toEqual(['grids 1', 'grids 3', 'workers']);
    expect(commits).toEqual([0, 1000]);
  });

  it('lets a job put itself back for the next commit (a source still busy)', () => {
    const { g, advance, commits } = gate(1000);
    let tries = 0;
    const push = (): void => {
      tries++;
      if (tries < 3) g.later('points', push);
    };
    g.later('points', push);
    advance(5000);
    expect(tries).toBe(3);
    expect(commits).toEqual([0, 1000, 2000]);
  });

  it('brings a waiting commit forward on hurry(), once', () => {
    const { g, advance, commits } = gate(1000);
    const ran: string[] = [];
    g.later('a', () => ran.push('a'));
    advance(100);
    g.later('b', () => ran.push('b'));
    advance(100);
    g.hurry();
    g.later('c', () => ran.push('c'));
    advance(0);
    expect(ran).toEqual(['a', 'b', 'c']);
    advance(5000);
    // The commit planned for t=1000 was replaced, not run as well.
    expect(commits).toEqual([0, 200]);
  });

  it('commits at once after hurry(), and nothing after dispose()', () => {
    const { g, advance, commits } = gate(1000);
    const ran: string[] = [];
    g.later('a', () => ran.push('a'));
    advance(10);
    g.hurry();
    g.later('b', () => ran.push('b'));
    advance(0);
    expect(ran).toEqual(['a', 'b']);
    g.later('c', () => ran.push('c'));
    g.dispose();
    advance(5000);
    expect(ran).toEqual(['a', 'b']);
    expect(commits).toEqual([0, 10]);
  });

  it('runs a job asked for first before the others, in the commit it joins', () => {
    const { g, advance } = gate(1000);
    const ran: string[] = [];
    g.later('load', () => ran.push('load'));
    g.later('points', () => ran.push('points 1'), true);
    g.later('workers', () => ran.push('workers'));
    g.later('points', () => ran.push('points 2'), true);
    advance(0);
    expect(ran).toEqual(['points 2', 'load', 'workers']);
  });

  it('runs each job at once when immediate (the naive variant)', () => {
    const ran: string[] = [];
    const g = new CommitGate({
      gapMs: 1000,
      immediate: true,
      schedule: () => ran.push('scheduled'),
    });
    g.later('a', () => ran.push('a'));
    g.later('a', () => ran.push('a again'));
    expect(ran).toEqual(['a', 'a again']);
  });
});

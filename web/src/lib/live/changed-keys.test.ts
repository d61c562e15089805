import { describe, expect, it } from 'vitest';
import { ChangedKeys, WatchedCounts } from './changed-keys.ts';

describe('ChangedKeys', () => {
  it('starts with "everything", then gives the keys marked since the last take', () => {
    const keys = new ChangedKeys<string>();
    keys.mark('a');
    expect(keys.take()).toBeNull();
    keys.mark('a');
    keys.mark('b');
    keys.mark('a');
    expect(keys.take()).toEqual(new Set(['a', 'b']));
    expect(keys.take()).toEqual(new Set());
  });

  it('gives up past its limit instead of growing for a reader that does not read', () => {
    const keys = new ChangedKeys<number>(3);
    keys.take();
    for (let i = 0; i < 10; i++) keys.mark(i);
    expect(keys.take()).toBeNull();
  });
});

describe('WatchedCounts', () => {
  it('holds only non-zero counts and tells every reader which keys moved', () => {
    const counts = new WatchedCounts<string>();
    const [a, b] = [counts.watch(), counts.watch()];
    a.take();
    b.take();
    counts.add('g1', 1);
    counts.add('g2', 1);
    counts.add('g1', -1);
    expect([...counts.entries()]).toEqual([['g2', 1]]);
    expect(counts.get('g1')).toBe(0);
    expect(a.take()).toEqual(new Set(['g1', 'g2']));
    counts.unwatch(b);
    counts.clear();
    expect(a.take()).toBeNull();
    expect(b.take()).toEqual(new Set(['g1', 'g2']));
  });
});

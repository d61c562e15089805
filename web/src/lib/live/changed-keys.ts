/**
 * One reader's record of the keys that changed since it last looked: a map source or layer
 * takes them once per flush and updates only those. Unbounded it is not: past `limit` keys it
 * gives up and says "everything", which the reader answers with one whole update.
 */
export class ChangedKeys<K> {
  readonly #limit: number;
  /** Null: everything may have changed (a new reader, a reset, too many keys). */
  #pending: Set<K> | null = null;

  constructor(limit = 20_000) {
    this.#limit = limit;
  }

  mark(key: K): void {
    if (this.#pending === null) return;
    this.#pending.add(key);
    if (this.#pending.size > this.#limit) this.#pending = null;
  }

  markAll(): void {
    this.#pending = null;
  }

  /** The keys changed since the last call, or null when the reader must start from scratch. */
  take(): ReadonlySet<K> | null {
    const pending = this.#pending;
    this.#pending = new Set();
    return pending;
  }
}

/** Counts by key, kept by +1/-1, that tell their readers which keys changed. */
export class WatchedCounts<K> {
  readonly #counts = new Map<K, number>();
  readonly #readers = new Set<ChangedKeys<K>>();

  get size(): number {
    return this.#counts.size;
  }

  /** The count of `key`; keys whose count is zero are not held. */
  get(key: K): number {
    return this.#counts.get(key) ?? 0;
  }

  entries(): IterableIterator<[K, number]> {
    return this.#counts.entries();
  }

  add(key: K, delta: number): void {
    const n = (this.#counts.get(key) ?? 0) + delta;
    if (n === 0) this.#counts.delete(key);
    else this.#counts.set(key, n);
    for (const r of this.#readers) r.mark(key);
  }

  clear(): void {
    this.#counts.clear();
    for (const r of this.#readers) r.markAll();
  }

  /** A new reader; its first `take()` says "everything". Call `unwatch` when done with it. */
  watch(): ChangedKeys<K> {
    const reader = new ChangedKeys<K>();
    this.#readers.add(reader);
    return reader;
  }

  unwatch(reader: ChangedKeys<K>): void {
    this.#readers.delete(reader);
  }
}

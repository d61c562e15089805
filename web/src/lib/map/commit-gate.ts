/**
 * Changes to the map from the live stream, gathered and made together in one task at most
 * once per `gapMs`. Every change to a map (a feature state, a source's data) has it draw a new
 * frame and, for a source, its worker re-tile; a stream of flushes four times a second drew
 * that many frames, each a full repaint of thousands of grid polygons. Jobs are keyed: a later
 * job with the same key replaces the waiting one (it reads the newest state when it runs).
 */
export class CommitGate {
  readonly #gapMs: number;
  readonly #immediate: boolean;
  readonly #schedule: (run: () => void, delayMs: number) => void;
  readonly #now: () => number;
  readonly #wrap: (commit: () => void) => void;
  #pending = new Map<string, () => void>();
  /** The commit scheduled next, if any (a hurried one replaces a later one). */
  #scheduled: object | null = null;
  #last = -Infinity;
  #disposed = false;

  constructor(options: {
    gapMs: number;
    /** Every job runs at once, in its caller's task (the benchmark's naive variant). */
    immediate?: boolean;
    schedule?: (run: () => void, delayMs: number) => void;
    now?: () => number;
    /** Runs each commit (the benchmark times it). */
    wrap?: (commit: () => void) => void;
  }) {
    this.#gapMs = options.gapMs;
    this.#immediate = options.immediate ?? false;
    this.#schedule = options.schedule ?? ((run, ms) => setTimeout(run, ms));
    this.#now = options.now ?? (() => performance.now());
    this.#wrap = options.wrap ?? ((commit) => commit());
  }

  /**
   * Run `job` in the next commit, in place of any job waiting under `key`; `first`: before the
   * others (a source whose worker has the most to do starts it soonest).
   */
  later(key: string, job: () => void, first = false): void {
    if (this.#disposed) return;
    if (this.#immediate) {
      job();
      return;
    }
    if (first) {
      this.#pending.delete(key);
      this.#pending = new Map([[key, job], ...this.#pending]);
    } else this.#pending.set(key, job);
    if (!this.#scheduled) this.#plan(Math.max(0, this.#last + this.#gapMs - this.#now()));
  }

  /**
   * The next commit need not wait for the gap: someone asked for something (a toggle, a new
   * scope) and should see it at once, not a second later.
   */
  hurry(): void {
    this.#last = -Infinity;
    if (this.#scheduled) this.#plan(0);
  }

  dispose(): void {
    this.#disposed = true;
    this.#pending.clear();
  }

  #plan(delayMs: number): void {
    const token = {};
    this.#scheduled = token;
    this.#schedule(() => {
      if (this.#scheduled === token) this.#commit();
    }, delayMs);
  }

  #commit(): void {
    this.#scheduled = null;
    if (this.#disposed) return;
    this.#last = this.#now();
    const jobs = [...this.#pending.values()];
    this.#pending.clear();
    this.#wrap(() => {
      for (const job of jobs) job();
    });
  }
}

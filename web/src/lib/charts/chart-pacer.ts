/**
 * Paces the live board's chart redraws. A flush changes most charts at 200 events/s, and each
 * redraw costs a few ms (more on a busy machine): all of them in every flush would take the
 * flush past a frame. So the redraws a flush asks for run at the end of it (a microtask, still
 * inside the flush's task) until `budgetMs` is spent, always at least one, longest waiting
 * first; the rest wait for the next turn and are then drawn with their newest option. A turn
 * comes with the next request (the next flush) or, when none comes, after `idleMs`.
 */
export interface ChartPacerOptions {
  budgetMs: number;
  idleMs: number;
  now?: () => number;
  /** Where the end-of-task turn is queued; `queueMicrotask` unless a test steps it by hand. */
  defer?: (run: () => void) => void;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export class ChartPacer {
  readonly #budgetMs: number;
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #defer: (run: () => void) => void;
  readonly #setTimer: (run: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;
  /** Waiting redraws by chart, in the order they first asked (a Map keeps that order). */
  readonly #pending = new Map<object, () => void>();
  #turnQueued = false;
  #timer: unknown = null;

  constructor(options: ChartPacerOptions) {
    this.#budgetMs = options.budgetMs;
    this.#idleMs = options.idleMs;
    this.#now = options.now ?? (() => performance.now());
    this.#defer = options.defer ?? ((run) => queueMicrotask(run));
    this.#setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.#clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as number));
  }

  /** Redraw `chart` with `draw` soon; a later request for the same chart replaces this one. */
  request(chart: object, draw: () => void): void {
    this.#pending.set(chart, draw);
    if (this.#turnQueued) return;
    this.#turnQueued = true;
    this.#defer(() => this.#turn());
  }

  /** Forget `chart`'s waiting redraw (it is being destroyed). */
  cancel(chart: object): void {
    this.#pending.delete(chart);
  }

  /** Charts waiting for a redraw. */
  get waiting(): number {
    return this.#pending.size;
  }

  #turn(): void {
    this.#turnQueued = false;
    if (this.#timer !== null) this.#clearTimer(this.#timer);
    this.#timer = null;
    const start = this.#now();
    let drawn = 0;
    try {
      for (const [chart, draw] of this.#pending) {
        if (drawn > 0 && this.#now() - start >= this.#budgetMs) break;
        this.#pending.delete(chart);
        drawn++;
        draw();
      }
    } finally {
      if (this.#pending.size > 0) this.#timer = this.#setTimer(() => this.#turn(), this.#idleMs);
    }
  }
}

/**
 * The live board's pacer. 6 ms of charts plus the rest of a flush fits a frame on a quiet
 * machine; left-overs wait at most half a second when no flush comes (twice the live flush
 * interval, so a stream's next flush takes them first).
 */
export const livePacer = new ChartPacer({ budgetMs: 6, idleMs: 500 });

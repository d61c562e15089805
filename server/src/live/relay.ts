import { asc, eq, gt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { events, systemState, type Db } from '@cityops/db';
import { BATCH_INTERVAL_MS, type Event } from '@cityops/protocol';
import { toWire } from '../events/append-event.ts';
import { thinCheckins } from '../patrols/thin-checkins.ts';

const CURSOR_KEY = 'relay.cursor';
const PAGE = 2000;

export interface RelayOptions {
  db: Db;
  log: Logger;
  /** Deliver one batch to everyone subscribed to a region (room = region code). */
  emit: (regionCode: string, batch: Event[]) => void;
  /** Poll interval, a backstop for commits made by other processes. */
  pollMs?: number;
  batchMs?: number;
  /** How often the cursor is persisted (a successor resumes from it). */
  saveMs?: number;
  onBatch?: (events: Event[], timing: FlushTiming) => void;
  /** False while a broadcast could not reach the other processes: hold back, lose nothing. */
  canEmit?: () => boolean;
}

/** When a flush was asked for and how long its read took, for the lag metrics. */
export interface FlushTiming {
  /** performance.now() of the first poke this flush answers (null: found by the poll). */
  pokedAt: number | null;
  /** performance.now() when the read began and when the batch was emitted. */
  startedAt: number;
  emittedAt: number;
}

/**
 * Tails the events table in id order and emits each committed event to the rooms of its
 * region path, batched: at most one emit per room every `batchMs`. The cursor is saved every
 * `saveMs` (off the hot path): a crash repeats at most that much, which clients drop by id,
 * and never skips an event.
 */
export class Relay {
  #cursor = 0;
  #saved = 0;
  #timer: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;
  #saveTimer: NodeJS.Timeout | null = null;
  #saving: Promise<void> | null = null;
  #flushing = false;
  /** A commit was signalled while a flush was reading: flush again, it may have missed it. */
  #dirty = false;
  #pokedAt: number | null = null;
  #lastFlush = 0;
  #failing = false;
  #stopped = true;
  /** Worker → when their last check-in position was relayed (see thinCheckins). */
  readonly #checkinsSent = new Map<number, number>();
  readonly #o: Required<Omit<RelayOptions, 'onBatch'>> & Pick<RelayOptions, 'onBatch'>;

  constructor(options: RelayOptions) {
    this.#o = {
      pollMs: 200,
      batchMs: BATCH_INTERVAL_MS,
      saveMs: 1000,
      canEmit: () => true,
      ...options,
    };
  }

  get cursor(): number {
    return this.#cursor;
  }

  get running(): boolean {
    return !this.#stopped;
  }

  /** Start from the saved cursor (a successor resumes where the last leader stopped). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    const [saved] = await this.#o.db
      .select()
      .from(systemState)
      .where(eq(systemState.key, CURSOR_KEY));
    if (saved) this.#cursor = Number(saved.value);
    else {
      const [m] = await this.#o.db
        .select({ max: sql<number>`coalesce(max(${events.id}), 0)::bigint` })
        .from(events);
      this.#cursor = Number(m?.max ?? 0);
    }
    this.#saved = this.#cursor;
    this.#stopped = false;
    this.#poll = setInterval(() => this.#wake(null), this.#o.pollMs);
    this.#poll.unref();
    this.#saveTimer = setInterval(() => void this.#save(), this.#o.saveMs);
    this.#saveTimer.unref();
    this.poke();
  }

  /** Stop emitting and persist the cursor, so a successor repeats as little as possible. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of [this.#poll, this.#saveTimer]) if (t) clearInterval(t);
    if (this.#timer) clearTimeout(this.#timer);
    this.#poll = this.#saveTimer = this.#timer = null;
    await this.#saving;
    await this.#save(true);
  }

  /** Something was committed: flush soon, but never sooner than `batchMs` after the last one. */
  poke(): void {
    this.#wake(performance.now());
  }

  #wake(at: number | null): void {
    if (this.#stopped) return;
    if (at !== null && this.#pokedAt === null) this.#pokedAt = at;
    if (this.#flushing) {
      // Without this the wake-up is lost and the event waits for the next poll.
      if (at !== null) this.#dirty = true;
      return;
    }
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastFlush + this.#o.batchMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flush();
    }, wait);
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#stopped || !this.#o.canEmit()) return;
    this.#flushing = true;
    this.#dirty = false;
    const pokedAt = this.#pokedAt;
    this.#pokedAt = null;
    const startedAt = performance.now();
    let more = false;
    try {
      const rows = await this.#o.db
        .select()
        .from(events)
        .where(gt(events.id, this.#cursor))
        .orderBy(asc(events.id))
        .limit(PAGE);
      if (rows.length > 0 && !this.#stopped) {
        const all = rows.map(toWire);
        const batch = thinCheckins(all, this.#checkinsSent, Date.now());
        const rooms = new Map<string, Event[]>();
        for (const e of batch) {
          for (const code of e.scope) {
            const list = rooms.get(code);
            if (list) list.push(e);
            else rooms.set(code, [e]);
          }
        }
        for (const [code, list] of rooms) this.#o.emit(code, list);
        this.#cursor = all[all.length - 1]!.id;
        this.#o.onBatch?.(batch, { pokedAt, startedAt, emittedAt: performance.now() });
        more = rows.length === PAGE;
      }
      if (this.#failing) this.#o.log.info('relay reading again');
      this.#failing = false;
    } catch (err) {
      // The poll retries; one warning per outage, not one per poll.
      if (!this.#failing) this.#o.log.warn({ err }, 'relay flush failed; will retry');
      this.#failing = true;
    } finally {
      this.#lastFlush = Date.now();
      this.#flushing = false;
    }
    if (more || this.#dirty) this.#wake(performance.now());
  }

  async #save(final = false): Promise<void> {
    if (this.#saving || this.#cursor === this.#saved || (this.#stopped && !final)) return;
    const value = this.#cursor;
    this.#saving = this.#o.db
      .insert(systemState)
      .values({ key: CURSOR_KEY, value })
      .onConflictDoUpdate({ target: systemState.key, set: { value } })
      .then(
        () => {
          this.#saved = Math.max(this.#saved, value);
        },
        (err: unknown) => this.#o.log.warn({ err }, 'relay cursor save failed; will retry'),
      )
      .finally(() => {
        this.#saving = null;
      });
    await this.#saving;
  }
}

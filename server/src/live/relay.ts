import { asc, eq, gt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { events, systemState, type Db } from '@cityops/db';
import { BATCH_INTERVAL_MS, type Event } from '@cityops/protocol';
import { toWire } from '../events/append-event.ts';

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
  onBatch?: (events: Event[]) => void;
}

/**
 * Tails the events table in id order and emits each committed event to the rooms of its
 * region path, batched: at most one emit per room every `batchMs`. The cursor is saved after
 * emitting, so a crash repeats a batch (clients drop duplicates by id) and never skips one.
 */
export class Relay {
  #cursor = 0;
  #timer: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;
  #running = false;
  #flushing = false;
  #lastFlush = 0;
  #stopped = true;
  readonly #o: Required<Omit<RelayOptions, 'onBatch'>> & Pick<RelayOptions, 'onBatch'>;

  constructor(options: RelayOptions) {
    this.#o = { pollMs: 200, batchMs: BATCH_INTERVAL_MS, ...options };
  }

  get cursor(): number {
    return this.#cursor;
  }

  /** Start from the saved cursor (a successor resumes where the last leader stopped). */
  async start(): Promise<void> {
    const [saved] = await this.#o.db.select().from(systemState).where(eq(systemState.key, CURSOR_KEY));
    if (saved) this.#cursor = Number(saved.value);
    else {
      const [m] = await this.#o.db.select({ max: sql<number>`coalesce(max(${events.id}), 0)::bigint` }).from(events);
      this.#cursor = Number(m?.max ?? 0);
    }
    this.#stopped = false;
    this.#poll = setInterval(() => this.poke(), this.#o.pollMs);
    this.#poll.unref();
    this.poke();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#timer) clearTimeout(this.#timer);
    this.#poll = this.#timer = null;
  }

  /** Something was committed: flush soon, but never sooner than `batchMs` after the last one. */
  poke(): void {
    if (this.#stopped || this.#timer || this.#running) return;
    const wait = Math.max(0, this.#lastFlush + this.#o.batchMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flush();
    }, wait);
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = this.#running = true;
    let more = false;
    try {
      const rows = await this.#o.db.select().from(events).where(gt(events.id, this.#cursor)).orderBy(asc(events.id)).limit(PAGE);
      if (rows.length > 0) {
        const batch = rows.map(toWire);
        const rooms = new Map<string, Event[]>();
        for (const e of batch) {
          for (const code of e.scope) {
            const list = rooms.get(code);
            if (list) list.push(e);
            else rooms.set(code, [e]);
          }
        }
        for (const [code, list] of rooms) this.#o.emit(code, list);
        this.#o.onBatch?.(batch);
        this.#cursor = batch[batch.length - 1]!.id;
        await this.#o.db
          .insert(systemState)
          .values({ key: CURSOR_KEY, value: this.#cursor })
          .onConflictDoUpdate({ target: systemState.key, set: { value: this.#cursor } });
        more = rows.length === PAGE;
      }
    } catch (err) {
      this.#o.log.warn({ err }, 'relay flush failed; will retry');
    } finally {
      this.#lastFlush = Date.now();
      this.#flushing = this.#running = false;
    }
    if (more) this.poke();
  }
}

import type { Event, IncidentDto, Snapshot, SubscribeAck } from '@cityops/protocol';
import {
  applyEvents,
  dataFromSnapshot,
  pruneBefore,
  RecentIds,
  replaceIncident,
  type BoardData,
  type IncidentChange,
} from './apply-events.ts';

/** The part of a Socket.IO client the sync engine uses (a fake in tests). */
export interface LiveSocketLike {
  readonly connected: boolean;
  emit(
    event: 'subscribe',
    request: { scope: string; since?: number },
    ack: (reply: SubscribeAck) => void,
  ): unknown;
}

export interface LiveSyncDeps {
  socket: LiveSocketLike;
  loadSnapshot(scope: string | undefined): Promise<Snapshot>;
  fetchIncident(id: number): Promise<IncidentDto | null>;
  /** Schedules a flush; in the browser a timeout followed by requestAnimationFrame. */
  scheduleFlush(run: () => void, delayMs: number): () => void;
  now(): number;
  /** Called once per flush with what changed. */
  onFlush(change: FlushChange): void;
  onSnapshot(snapshot: Snapshot): void;
  onError?(err: unknown): void;
  /** Runs each flush (the benchmark times it, with everything that reacts to it). */
  wrapFlush?(flush: () => void): void;
  /**
   * The naive variant the benchmark compares against: one flush per event, no batching.
   * Never used by the board itself.
   */
  perEvent?: boolean;
}

export interface FlushChange {
  applied: Event[];
  incidents: boolean;
  /** The incident copies this flush replaced, in order (fetched ones first, then events). */
  incidentChanges: IncidentChange[];
  workers: boolean;
  visits: boolean;
}

export type SyncPhase = 'idle' | 'loading' | 'subscribing' | 'live';

/** At most one flush per this many milliseconds: map sources and charts update per flush. */
export const FLUSH_INTERVAL_MS = 250;

/**
 * Snapshot + event stream → board data, never losing or double-applying an event.
 * Events that arrive while a subscribe is in flight are buffered and applied after the ack;
 * gaps in an incident's versions are healed by fetching the incident.
 */
export class LiveSync {
  readonly #deps: LiveSyncDeps;
  #data: BoardData = {
    incidents: new Map(),
    workers: new Map(),
    gridVisits: new Map(),
    lastEventId: 0,
  };
  #seen = new RecentIds(10_000);
  #scope: string | undefined;
  #phase: SyncPhase = 'idle';
  /** Bumped on every (re)load and subscribe so late replies from an older one are ignored. */
  #generation = 0;
  /** Bumped on every snapshot load: fetched incidents from an older scope are dropped. */
  #epoch = 0;
  #buffer: Event[] = [];
  #queue: Event[] = [];
  #pendingFetch = new Set<number>();
  #fetchAgain = new Set<number>();
  #fetched: IncidentDto[] = [];
  #cancelFlush: (() => void) | null = null;
  #lastFlush = 0;
  #lastMessageAt = 0;
  #disposed = false;

  constructor(deps: LiveSyncDeps) {
    this.#deps = deps;
  }

  get data(): BoardData {
    return this.#data;
  }
  get phase(): SyncPhase {
    return this.#phase;
  }
  get scope(): string | undefined {
    return this.#scope;
  }
  get lastEventId(): number {
    return this.#data.lastEventId;
  }
  /** Time of the last `events` or `tick` message (ms). */
  get lastMessageAt(): number {
    return this.#lastMessageAt;
  }

  /** Load the snapshot of `scope` (undefined: the user's own) and subscribe from its lastEventId. */
  async load(scope: string | undefined): Promise<void> {
    const generation = ++this.#generation;
    this.#phase = 'loading';
    this.#buffer = [];
    this.#queue = [];
    let snapshot: Snapshot;
    try {
      snapshot = await this.#deps.loadSnapshot(scope);
    } catch (err) {
      if (generation === this.#generation) this.#phase = 'idle';
      throw err;
    }
    if (generation !== this.#generation || this.#disposed) return;
    this.#scope = snapshot.scope.code;
    this.#epoch++;
    this.#data = dataFromSnapshot(snapshot);
    this.#seen.clear();
    this.#lastMessageAt = this.#deps.now();
    this.#phase = 'idle';
    this.#deps.onSnapshot(snapshot);
    this.subscribe();
  }

  /** (Re)subscribe with `since = lastEventId`; called on load and on every socket (re)connect. */
  subscribe(): void {
    if (this.#disposed || this.#scope === undefined || this.#phase === 'loading') return;
    if (!this.#deps.socket.connected) return;
    const generation = ++this.#generation;
    this.#phase = 'subscribing';
    this.#buffer = [];
    const since = this.#data.lastEventId;
    this.#deps.socket.emit('subscribe', { scope: this.#scope, since }, (ack) => {
      if (generation !== this.#generation || this.#disposed) return;
      if (!ack.ok) {
        this.#phase = 'idle';
        this.#deps.onError?.(new Error(ack.error));
        return;
      }
      this.#phase = 'live';
      const buffered = this.#buffer;
      this.#buffer = [];
      // Replayed events (id ≤ ack.lastEventId) came before the ack: apply them, then raise
      // the floor so live copies of the same ids are dropped.
      this.#queue.push(...buffered);
      this.#flushNow();
      this.#data.lastEventId = Math.max(this.#data.lastEventId, ack.lastEventId);
    });
  }

  /** Socket `events`. */
  receive(events: readonly Event[]): void {
    if (this.#disposed) return;
    this.#lastMessageAt = this.#deps.now();
    if (this.#phase === 'loading' || this.#phase === 'idle') return; // the next subscribe replays them
    if (this.#phase === 'subscribing') {
      this.#buffer.push(...events);
      return;
    }
    if (this.#deps.perEvent) {
      for (const e of events) {
        this.#queue.push(e);
        this.#flushNow();
      }
      return;
    }
    this.#queue.push(...events);
    this.#scheduleFlush();
  }

  /** Socket `tick`. */
  tick(): void {
    this.#lastMessageAt = this.#deps.now();
  }

  /** Socket `resync`: the server cannot replay; reload the snapshot. */
  async resync(): Promise<void> {
    await this.load(this.#scope);
  }

  /** Socket disconnect: stop applying until the next subscribe's ack. */
  disconnected(): void {
    // Events received while live are valid: apply them so the next `since` is right.
    if (this.#phase === 'live') this.#flushNow();
    if (this.#phase === 'live' || this.#phase === 'subscribing') this.#phase = 'idle';
    this.#generation++;
    this.#buffer = [];
  }

  /** Drop yesterday's finished incidents and visits; the caller flushes the change. */
  prune(dayStart: Date): boolean {
    return pruneBefore(this.#data, dayStart);
  }

  dispose(): void {
    this.#disposed = true;
    this.#cancelFlush?.();
    this.#cancelFlush = null;
  }

  #scheduleFlush(): void {
    if (this.#cancelFlush) return;
    const wait = Math.max(0, FLUSH_INTERVAL_MS - (this.#deps.now() - this.#lastFlush));
    this.#cancelFlush = this.#deps.scheduleFlush(() => {
      this.#cancelFlush = null;
      this.#flushNow();
    }, wait);
  }

  #flushNow(): void {
    if (this.#disposed) return;
    if (this.#deps.wrapFlush) this.#deps.wrapFlush(() => this.#flush());
    else this.#flush();
  }

  #flush(): void {
    this.#lastFlush = this.#deps.now();
    const events = this.#queue;
    this.#queue = [];
    const fetched = this.#fetched;
    this.#fetched = [];
    const changes: IncidentChange[] = [];
    for (const f of fetched) {
      const before = this.#data.incidents.get(f.id);
      if (replaceIncident(this.#data, f)) changes.push({ before, after: f });
    }
    const r = applyEvents(this.#data, events, this.#seen);
    for (const id of r.refetch) this.#refetch(id);
    changes.push(...r.changes);
    const change: FlushChange = {
      applied: r.applied,
      incidents: changes.length > 0 || r.incidentsChanged,
      incidentChanges: changes,
      workers: r.workersChanged,
      visits: r.visitsChanged,
    };
    if (change.applied.length || change.incidents || change.workers || change.visits)
      this.#deps.onFlush(change);
  }

  #refetch(id: number): void {
    if (this.#pendingFetch.has(id)) {
      this.#fetchAgain.add(id);
      return;
    }
    this.#pendingFetch.add(id);
    const epoch = this.#epoch;
    this.#deps
      .fetchIncident(id)
      .then((incident) => {
        if (this.#disposed || epoch !== this.#epoch) return;
        if (incident) {
          this.#fetched.push(incident);
          this.#scheduleFlush();
        }
      })
      .catch((err: unknown) => this.#deps.onError?.(err))
      .finally(() => {
        this.#pendingFetch.delete(id);
        if (this.#fetchAgain.delete(id)) this.#refetch(id);
      });
  }
}

import { io, type Socket } from 'socket.io-client';
import {
  LIVE_NAMESPACE,
  type ClientToServer,
  type Event,
  type IncidentDto,
  type ServerToClient,
  type Snapshot,
} from '@cityops/protocol';
import { api, ApiError } from '../api/client.ts';
import { replaceIncident } from '../live/apply-events.ts';
import { LiveSync, type FlushChange } from '../live/live-sync.ts';

export type ConsoleConnection = 'loading' | 'live' | 'reconnecting';

/**
 * A console's live incidents: the account's snapshot, then the event stream (the same LiveSync
 * the wallboard uses, so nothing is lost or applied twice). Replies to our own actions are put
 * in at once; the event that follows is then a duplicate by version and changes nothing.
 */
export class ConsoleStore {
  readonly #socket: Socket<ServerToClient, ClientToServer>;
  readonly #sync: LiveSync;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #isNew: (event: Event, incident: IncidentDto) => boolean;
  readonly #onNew: (incidents: IncidentDto[]) => void;

  #rev = $state(0);
  #now = $state(Date.now());
  #connected = $state(false);
  #live = $state(false);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #unauthenticated = $state(false);
  /** Bumped per incident whenever a flush changes it, so open details refetch their timeline. */
  #touched = $state.raw<ReadonlyMap<number, number>>(new Map());

  /**
   * `isNew` picks the events that bring new work to this console (a report for a dispatcher,
   * a dispatch to the department for a handler); `onNew` hears of them once per flush.
   */
  constructor(
    options: {
      isNew?: (event: Event, incident: IncidentDto) => boolean;
      onNew?: (incidents: IncidentDto[]) => void;
    } = {},
  ) {
    this.#isNew = options.isNew ?? (() => false);
    this.#onNew = options.onNew ?? (() => undefined);
    this.#socket = io(LIVE_NAMESPACE, {
      path: '/socket.io',
      transports: ['websocket'],
      autoConnect: false,
    });
    this.#sync = new LiveSync({
      socket: this.#socket,
      loadSnapshot: (scope) =>
        api<Snapshot>(`/api/snapshot${scope ? `?scope=${encodeURIComponent(scope)}` : ''}`),
      fetchIncident: async (id) => {
        try {
          return await api<IncidentDto>(`/api/incidents/${id}`);
        } catch (err) {
          if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return null;
          throw err;
        }
      },
      scheduleFlush: (run, delayMs) => {
        const timer = setTimeout(run, delayMs);
        return () => clearTimeout(timer);
      },
      now: () => Date.now(),
      onFlush: (change) => this.#onFlush(change),
      onSnapshot: () => {
        this.#loaded = true;
        this.#rev++;
      },
      onError: (err) => console.warn('live sync', err),
    });
    this.#socket.on('connect', () => {
      this.#connected = true;
      this.#sync.subscribe();
      this.#phase();
    });
    this.#socket.on('disconnect', () => {
      this.#connected = false;
      this.#sync.disconnected();
      this.#phase();
    });
    this.#socket.on('connect_error', (err) => {
      this.#connected = false;
      if (err.message === 'unauthenticated') this.#unauthenticated = true;
    });
    this.#socket.on('events', ({ events }) => {
      this.#sync.receive(events);
      this.#phase();
    });
    this.#socket.on('tick', () => {
      this.#sync.tick();
      this.#phase();
    });
    this.#socket.on('resync', () => {
      this.#sync.resync().catch((err: unknown) => this.#fail(err));
    });
    this.#timer = setInterval(() => {
      this.#now = Date.now();
      this.#phase();
    }, 1000);
  }

  /** Every incident the account sees: open ones, plus those finished today. */
  get incidents(): ReadonlyMap<number, IncidentDto> {
    void this.#rev;
    return this.#sync.data.incidents;
  }
  get rev(): number {
    return this.#rev;
  }
  /** Per-incident change counter (see `touched`). */
  touchedOf(id: number): number {
    return this.#touched.get(id) ?? 0;
  }
  get now(): number {
    return this.#now;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get error(): string | null {
    return this.#error;
  }
  get unauthenticated(): boolean {
    return this.#unauthenticated;
  }
  get connection(): ConsoleConnection {
    if (!this.#loaded) return 'loading';
    return this.#connected && this.#live ? 'live' : 'reconnecting';
  }

  async load(): Promise<void> {
    this.#error = null;
    if (!this.#socket.connected && !this.#socket.active) this.#socket.connect();
    try {
      await this.#sync.load(undefined);
    } catch (err) {
      this.#fail(err);
    }
    this.#phase();
  }

  /** Take a newer copy from an action's reply (200, or the current one of a 409). */
  put(incident: IncidentDto): void {
    if (replaceIncident(this.#sync.data, incident)) {
      this.#touch([incident.id]);
      this.#rev++;
    }
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#sync.dispose();
    this.#socket.removeAllListeners();
    this.#socket.disconnect();
  }

  #fail(err: unknown): void {
    if (err instanceof ApiError && err.status === 401) this.#unauthenticated = true;
    this.#error = err instanceof Error ? err.message : String(err);
  }

  #phase(): void {
    this.#live = this.#sync.phase === 'live';
  }

  #touch(ids: Iterable<number>): void {
    const next = new Map(this.#touched);
    for (const id of ids) next.set(id, (next.get(id) ?? 0) + 1);
    this.#touched = next;
  }

  #onFlush(change: FlushChange): void {
    const ids = change.applied
      .map((e: Event) => e.incidentId)
      .filter((id): id is number => id !== undefined);
    if (ids.length) this.#touch(ids);
    if (change.incidents) this.#rev++;
    const fresh: IncidentDto[] = [];
    for (const e of change.applied) {
      const i =
        e.incidentId === undefined ? undefined : this.#sync.data.incidents.get(e.incidentId);
      if (i && this.#isNew(e, i)) fresh.push(i);
    }
    if (fresh.length) this.#onNew(fresh);
    this.#phase();
  }
}

import { io, type Socket } from 'socket.io-client';
import {
  countOnDuty,
  localDayStart,
  localHour,
  type IncidentState,
  type KpiFigures,
  type Source,
} from '@cityops/domain';
import {
  expandBoardSnapshot,
  LIVE_NAMESPACE,
  type BoardSnapshot,
  type ClientToServer,
  type Event,
  type IncidentDto,
  type RegionSummary,
  type ServerToClient,
  type Snapshot,
  type WorkerPosition,
} from '@cityops/protocol';
import { api, ApiError } from '../api/client.ts';
import type { IncidentChange } from './apply-events.ts';
import { enableBoardPerf, timedFlush } from './board-perf.ts';
import { BoardAggregates, type DepartmentStats, type RegionTally } from './board-aggregates.ts';
import type { WatchedCounts } from './changed-keys.ts';
import { LiveSync, type FlushChange } from './live-sync.ts';
import { sameData } from './same-data.ts';

export type ConnectionState = 'loading' | 'live' | 'reconnecting' | 'stale';

/** No `events` or `tick` for this long and the board says its data is late. */
export const STALE_AFTER_MS = 12_000;
const RECENT_LIMIT = 40;
/** How long a new report pulses on the map. */
export const FRESH_MS = 8_000;
const EMPTY_KPIS: KpiFigures = {
  reportedToday: 0,
  filedToday: 0,
  resolvedToday: 0,
  open: 0,
  overdue: 0,
  onTimeRate: null,
  medianResolutionMinutes: null,
  workersOnDuty: 0,
  patrolCoverage: null,
};

export interface BoardStoreOptions {
  utcOffsetMinutes: number;
  /** Kiosk display token, sent on the socket handshake. */
  token: string | null;
  /** A snapshot asked for before the store existed (see `fetchBoardSnapshot`): the first load takes it. */
  prefetched?: { scope: string | undefined; snapshot: Promise<Snapshot> };
  /** Benchmark only (`?perf=1`): time every flush into `window.__boardPerf`. */
  perf?: boolean;
  /** Benchmark only (`?naive=1`): the unbatched variant, one flush per event. */
  naive?: boolean;
}

/**
 * The snapshot in the board's view: rows, not objects, and no free text (the incident card
 * fetches that); about half the bytes of the full one at 50,000 incidents.
 */
export async function fetchBoardSnapshot(scope: string | undefined): Promise<Snapshot> {
  const query = `view=board${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`;
  return expandBoardSnapshot(await api<BoardSnapshot>(`/api/snapshot?${query}`));
}

/** Something kept current from the board's incidents one change at a time (map point sources). */
export interface IncidentObserver {
  /** Start again from all of them (a snapshot, a new day). */
  reset(incidents: Iterable<IncidentDto>): void;
  apply(changes: readonly IncidentChange[]): void;
}

/**
 * The wallboard's live state: a snapshot, then events, applied in batches (see LiveSync).
 * Components read the getters and derive; nothing here touches the DOM, map or charts.
 */
export class BoardStore {
  readonly #utcOffsetMinutes: number;
  readonly #socket: Socket<ServerToClient, ClientToServer>;
  readonly #sync: LiveSync;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #aggregates = new BoardAggregates();
  readonly #observers = new Set<IncidentObserver>();
  readonly #perf: boolean;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #prefetched: BoardStoreOptions['prefetched'] | null;

  // Bumped once per flush that touched them: the cheap way to make plain Maps reactive.
  #incidentsRev = $state(0);
  #workersRev = $state(0);
  #visitsRev = $state(0);

  #scope = $state.raw<RegionSummary | null>(null);
  #children = $state.raw<RegionSummary[]>([]);
  #yesterday = $state.raw<KpiFigures>(EMPTY_KPIS);
  #hourlyToday = $state.raw<number[]>(new Array<number>(24).fill(0));
  #hourlyAvg7 = $state.raw<number[]>(new Array<number>(24).fill(0));
  #gridCount = $state(0);
  #departmentReturns = $state.raw<Readonly<Record<string, number>>>({});
  /** Incidents reported live (not replayed from the snapshot) → when they arrived. */
  #fresh = $state.raw<ReadonlyMap<number, number>>(new Map());
  #recent = $state.raw<Event[]>([]);
  #socketConnected = $state(false);
  #subscribed = $state(false);
  #lastMessageAt = $state(0);
  #now = $state(Date.now());
  /** Coarser clock for the KPIs (on-duty window, day start). */
  #kpiNow = $state(Date.now());
  #error = $state<string | null>(null);
  #unauthenticated = $state(false);
  #dayStart: number;

  // The figures come from running totals (BoardAggregates), recounted only on a snapshot or a
  // new day; only workers on duty depend on the clock, and there are few workers.
  #workersOnDuty = $derived.by((): number => {
    void this.#workersRev;
    return countOnDuty(this.#sync.data.workers.values(), this.#kpiNow);
  });
  #kpis = $derived.by((): KpiFigures => {
    void this.#incidentsRev;
    void this.#visitsRev;
    return this.#aggregates.kpi.figures({
      workersOnDuty: this.#workersOnDuty,
      gridsVisited: this.#sync.data.gridVisits.size,
      gridCount: this.#gridCount,
    });
  });
  // The panels' figures, replaced only when they differ (see #publish): a flush that leaves a
  // panel's figures as they were does not make its chart recompute and redraw.
  #stateCounts = $state.raw<Readonly<Record<IncidentState, number>>>(
    this.#aggregates.stateCounts(),
  );
  #sourceCounts = $state.raw<Readonly<Record<Source, number>>>(this.#aggregates.sourceCounts());
  #groupCounts = $state.raw<ReadonlyMap<string, number>>(new Map());
  #departmentStats = $state.raw<readonly DepartmentStats[]>([]);
  #regionTallies = $state.raw<ReadonlyMap<string, RegionTally>>(new Map());

  constructor(options: BoardStoreOptions) {
    this.#utcOffsetMinutes = options.utcOffsetMinutes;
    this.#perf = options.perf ?? false;
    this.#prefetched = options.prefetched ?? null;
    this.#dayStart = localDayStart(new Date(), options.utcOffsetMinutes).getTime();
    this.#socket = io(LIVE_NAMESPACE, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: options.token ? { token: options.token } : {},
      autoConnect: false,
    });
    this.#sync = new LiveSync({
      socket: this.#socket,
      loadSnapshot: (scope) => {
        const early = this.#prefetched;
        this.#prefetched = null;
        return early && early.scope === scope ? early.snapshot : fetchBoardSnapshot(scope);
      },
      fetchIncident: async (id) => {
        try {
          return await api<IncidentDto>(`/api/incidents/${id}`);
        } catch (err) {
          if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return null;
          throw err;
        }
      },
      scheduleFlush: (run, delayMs) => {
        let frame = 0;
        const timer = setTimeout(() => {
          // A hidden tab gets no animation frames; flush anyway so the state stays current.
          if (typeof document !== 'undefined' && document.hidden) run();
          else frame = requestAnimationFrame(run);
        }, delayMs);
        return () => {
          clearTimeout(timer);
          cancelAnimationFrame(frame);
        };
      },
      now: () => Date.now(),
      onFlush: (change) => this.#onFlush(change),
      onSnapshot: (s) => this.#onSnapshot(s),
      onError: (err) => console.warn('live sync', err),
      ...(options.perf ? { wrapFlush: timedFlush(enableBoardPerf()) } : {}),
      ...(options.naive ? { perEvent: true } : {}),
    });

    this.#socket.on('connect', () => {
      this.#socketConnected = true;
      this.#sync.subscribe();
      this.#syncPhase();
    });
    this.#socket.on('disconnect', (reason) => {
      this.#socketConnected = false;
      this.#sync.disconnected();
      this.#syncPhase();
      // The server closed us on purpose (e.g. a revoked display token): Socket.IO does not
      // retry by itself; try once more and let the handshake say whether we may come back.
      if (reason === 'io server disconnect') this.#retrySoon();
    });
    this.#socket.on('connect_error', (err) => {
      this.#socketConnected = false;
      if (err.message === 'unauthenticated') this.#unauthenticated = true;
      // A refusal by the server's middleware is not retried by Socket.IO; a passing outage is.
      else if (!this.#socket.active) this.#retrySoon();
    });
    this.#socket.on('events', ({ events }) => {
      this.#sync.receive(events);
      this.#lastMessageAt = this.#sync.lastMessageAt;
      this.#syncPhase();
    });
    this.#socket.on('tick', () => {
      this.#sync.tick();
      this.#lastMessageAt = this.#sync.lastMessageAt;
      this.#syncPhase();
    });
    this.#socket.on('resync', () => {
      this.#sync.resync().catch((err: unknown) => this.#fail(err));
    });

    this.#timers.push(
      setInterval(() => {
        this.#now = Date.now();
        this.#syncPhase();
        this.#expireFresh();
      }, 1000),
      setInterval(() => this.#onKpiClock(), 10_000),
    );
  }

  get scope(): RegionSummary | null {
    return this.#scope;
  }
  get children(): RegionSummary[] {
    return this.#children;
  }
  /** All incidents on the board (open, plus finished today); re-read after each flush. */
  get incidents(): ReadonlyMap<number, IncidentDto> {
    void this.#incidentsRev;
    return this.#sync.data.incidents;
  }
  get workers(): ReadonlyMap<number, WorkerPosition> {
    void this.#workersRev;
    return this.#sync.data.workers;
  }
  get gridVisits(): ReadonlyMap<string, string> {
    void this.#visitsRev;
    return this.#sync.data.gridVisits;
  }
  get incidentsRev(): number {
    return this.#incidentsRev;
  }
  get kpis(): KpiFigures {
    return this.#kpis;
  }
  /** Incidents on the board per workflow state. */
  get stateCounts(): Readonly<Record<IncidentState, number>> {
    return this.#stateCounts;
  }
  /** Reports today per source channel. */
  get sourceCounts(): Readonly<Record<Source, number>> {
    return this.#sourceCounts;
  }
  /** Reports today per category group. */
  get categoryGroupCounts(): ReadonlyMap<string, number> {
    return this.#groupCounts;
  }
  /** Departments with resolutions or returns today; one list for every panel that shows them. */
  get departmentStats(): readonly DepartmentStats[] {
    return this.#departmentStats;
  }
  /** Child region code → open and overdue work and today's resolutions in it. */
  get regionTallies(): ReadonlyMap<string, RegionTally> {
    return this.#regionTallies;
  }
  /** Open incidents per grid; read it after `incidentsRev` changes, and `watch()` for changes. */
  get gridOpen(): WatchedCounts<string> {
    return this.#aggregates.gridOpen;
  }
  get yesterday(): KpiFigures {
    return this.#yesterday;
  }
  get hourly(): { today: number[]; avg7: number[] } {
    return { today: this.#hourlyToday, avg7: this.#hourlyAvg7 };
  }
  get recent(): Event[] {
    return this.#recent;
  }
  /** Department code → incidents it returned today. */
  get departmentReturns(): Readonly<Record<string, number>> {
    return this.#departmentReturns;
  }
  /** Incidents that arrived as new reports within the last FRESH_MS. */
  get fresh(): ReadonlyMap<number, number> {
    return this.#fresh;
  }
  get gridCount(): number {
    return this.#gridCount;
  }
  get utcOffsetMinutes(): number {
    return this.#utcOffsetMinutes;
  }
  get now(): number {
    return this.#now;
  }
  /** A clock that moves every 10 s: for figures that need not tick every second. */
  get kpiNow(): number {
    return this.#kpiNow;
  }
  get dayStart(): number {
    return this.#dayStart;
  }
  get error(): string | null {
    return this.#error;
  }
  get unauthenticated(): boolean {
    return this.#unauthenticated;
  }
  get lagSeconds(): number {
    return this.#lastMessageAt
      ? Math.max(0, Math.round((this.#now - this.#lastMessageAt) / 1000))
      : 0;
  }
  get connection(): ConnectionState {
    if (this.#scope === null) return 'loading';
    if (!this.#socketConnected || !this.#subscribed) return 'reconnecting';
    if (this.#now - this.#lastMessageAt > STALE_AFTER_MS) return 'stale';
    return 'live';
  }

  /** Load `scope` (undefined: the account's own) and go live; also used to drill up and down. */
  async load(scope: string | undefined): Promise<void> {
    this.#error = null;
    if (!this.#socket.connected && !this.#socket.active) this.#socket.connect();
    try {
      await this.#sync.load(scope);
    } catch (err) {
      this.#fail(err);
    }
    this.#syncPhase();
  }

  /** Keep `observer` current from now on: reset from all incidents, then every change. */
  observe(observer: IncidentObserver): () => void {
    this.#observers.add(observer);
    observer.reset(this.#sync.data.incidents.values());
    return () => this.#observers.delete(observer);
  }

  dispose(): void {
    this.#observers.clear();
    for (const t of this.#timers) clearInterval(t);
    if (this.#retry) clearTimeout(this.#retry);
    this.#sync.dispose();
    this.#socket.removeAllListeners();
    this.#socket.disconnect();
  }

  #expireFresh(): void {
    if (this.#fresh.size === 0) return;
    const cutoff = Date.now() - FRESH_MS;
    const kept = new Map([...this.#fresh].filter(([, t]) => t > cutoff));
    if (kept.size !== this.#fresh.size) this.#fresh = kept;
  }

  #retrySoon(): void {
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#socket.connected && !this.#socket.active) this.#socket.connect();
    }, 2000);
  }

  #fail(err: unknown): void {
    if (err instanceof ApiError && err.status === 401) this.#unauthenticated = true;
    this.#error = err instanceof Error ? err.message : String(err);
  }

  #syncPhase(): void {
    this.#subscribed = this.#sync.phase === 'live';
  }

  #onSnapshot(s: Snapshot): void {
    this.#scope = s.scope;
    this.#children = s.children;
    this.#yesterday = s.yesterday;
    this.#hourlyToday = [...s.hourly.today];
    this.#hourlyAvg7 = [...s.hourly.avg7];
    this.#gridCount = s.gridCount;
    this.#departmentReturns = { ...s.departmentReturns };
    this.#fresh = new Map();
    this.#recent = s.recent.slice(-RECENT_LIMIT);
    this.#lastMessageAt = Date.now();
    this.#kpiNow = Date.now();
    this.#recount();
    this.#publish();
    this.#incidentsRev++;
    this.#workersRev++;
    this.#visitsRev++;
    // The benchmark splits the first render at this point: data in, counted, the map next.
    if (this.#perf) performance.mark('board:snapshot-applied');
  }

  #onFlush(change: FlushChange): void {
    if (change.incidentChanges.length) {
      this.#aggregates.apply(change.incidentChanges);
      for (const o of this.#observers) o.apply(change.incidentChanges);
    }
    if (change.incidents) this.#incidentsRev++;
    if (change.workers) this.#workersRev++;
    if (change.visits) this.#visitsRev++;
    const returned = this.#onEvents(change.applied);
    if (change.incidentChanges.length || returned) this.#publish();
    this.#syncPhase();
  }

  /** Hourly reports, returns, pulses and the ticker from the events; true if a return came. */
  #onEvents(applied: readonly Event[]): boolean {
    if (applied.length === 0) return false;
    let hourly: number[] | null = null;
    let returns: Record<string, number> | null = null;
    let fresh: Map<number, number> | null = null;
    const arrived = Date.now();
    for (const e of applied) {
      if (e.type === 'incident.returned' && Date.parse(e.at) >= this.#dayStart) {
        const dept = e.data['department'];
        if (typeof dept === 'string') {
          returns ??= { ...this.#departmentReturns };
          returns[dept] = (returns[dept] ?? 0) + 1;
        }
      }
      if (e.type !== 'incident.reported') continue;
      // Replayed backlog after a reconnect is not news: only recent reports pulse.
      if (e.incidentId !== undefined && arrived - Date.parse(e.at) < FRESH_MS)
        (fresh ??= new Map(this.#fresh)).set(e.incidentId, arrived);
      const at = new Date(e.at);
      if (at.getTime() < this.#dayStart) continue;
      hourly ??= [...this.#hourlyToday];
      const h = localHour(at, this.#utcOffsetMinutes);
      hourly[h] = (hourly[h] ?? 0) + 1;
    }
    if (hourly) this.#hourlyToday = hourly;
    if (returns) this.#departmentReturns = returns;
    if (fresh) this.#fresh = fresh;
    this.#recent = [...this.#recent, ...applied].slice(-RECENT_LIMIT);
    return returns !== null;
  }

  #onKpiClock(): void {
    const now = new Date();
    this.#kpiNow = now.getTime();
    const dayStart = localDayStart(now, this.#utcOffsetMinutes).getTime();
    if (dayStart !== this.#dayStart) {
      this.#dayStart = dayStart;
      this.#hourlyToday = new Array<number>(24).fill(0);
      this.#departmentReturns = {};
      this.#sync.prune(new Date(dayStart));
      // "Today" moved for every incident: count them all again.
      this.#recount();
      this.#publish();
      this.#incidentsRev++;
      this.#visitsRev++;
    }
  }

  #publish(): void {
    const a = this.#aggregates;
    const states = a.stateCounts();
    if (!sameData(states, this.#stateCounts)) this.#stateCounts = states;
    const sources = a.sourceCounts();
    if (!sameData(sources, this.#sourceCounts)) this.#sourceCounts = sources;
    const groups = a.groupCounts();
    if (!sameData(groups, this.#groupCounts)) this.#groupCounts = groups;
    const departments = a.departmentStats(this.#departmentReturns);
    if (!sameData(departments, this.#departmentStats)) this.#departmentStats = departments;
    const regions = a.regionTallies();
    if (!sameData(regions, this.#regionTallies)) this.#regionTallies = regions;
  }

  #recount(): void {
    const incidents = this.#sync.data.incidents;
    this.#aggregates.reset(incidents.values(), this.#dayStart, this.#scope?.path.length ?? 1);
    for (const o of this.#observers) o.reset(incidents.values());
  }
}

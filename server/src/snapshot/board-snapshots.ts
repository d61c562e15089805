import { performance } from 'node:perf_hooks';
import { and, inArray } from 'drizzle-orm';
import {
  countOnDuty,
  encodePath,
  onDutyUntil,
  KpiTally,
  kpiShare,
  kpiTimes,
  localDayStart,
  localHour,
  type KpiFigures,
} from '@cityops/domain';
import {
  boardRow,
  BOARD_FIELDS,
  type BoardIncident,
  type BoardSnapshot,
  type Event,
  type WorkerPosition,
} from '@cityops/protocol';
import { incidents, users, type Tx } from '@cityops/db';
import type { Ctx, Services } from '../context.ts';
import { resolveScope } from '../auth/scope.ts';
import { BOARD_COLUMNS, toBoardDto } from '../incidents/incident-row.ts';
import type { RegionNode } from '../regions/region-index.ts';
import { gzipLarge } from '../http/gzip.ts';
import { eventsBetween, maxEventId } from '../events/read-events.ts';
import {
  onBoard,
  readSnapshotParts,
  RECENT_EVENTS,
  scopeFields,
  yesterdayFigures,
} from './get-snapshot.ts';

export interface BoardSnapshotOptions {
  /** How often the copies in use are brought up to date between requests. */
  catchUpMs?: number;
  /** A copy not asked for in this long is dropped (the warmed scope is kept). */
  idleMs?: number;
  /** At most this many scopes are kept; the least recently asked for goes first. */
  maxScopes?: number;
  /** More events than this since a copy was made: read it again instead of catching up. */
  maxCatchUp?: number;
  /** How often the figures that move with the clock are read again (see Copy.slowAt). */
  slowMs?: number;
  /**
   * A copy is read whole at least this often: a change that reached the tables without an
   * event (a restore, a repair by hand) shows within this time, not only on the next day.
   */
  wholeEveryMs?: number;
  /** Told of each update that read something: whole, or the events since the last one. */
  onRead?: (kind: 'whole' | 'catch_up', seconds: number) => void;
  /** Told of each gzipped answer made ahead of a request, at a quiet moment. */
  onMadeAhead?: () => void;
}

/**
 * A board snapshot, as JSON text or gzipped, and where the time to answer went (for
 * Server-Timing).
 */
export type BoardSnapshotReply = (
  | { gzipped: null; body: string }
  | {
      /** The JSON, gzipped: the one made for an earlier request when `reused`. */
      gzipped: Promise<Buffer>;
      body: null;
    }
) & {
  /** The gzipped answer was made for an earlier request: nothing it shows has changed since. */
  reused: boolean;
  timing: {
    /** Waiting for the copy's chain (a catch-up already under way). */
    waitMs: number;
    /** Bringing the copy up to date (the database reads). */
    updateMs: number;
    /** Making the JSON (about 0 when reused). */
    renderMs: number;
  };
};

/** The options that are settings, not listeners. */
type Settings = Required<Omit<BoardSnapshotOptions, 'onRead' | 'onMadeAhead'>>;

const DEFAULTS: Settings = {
  catchUpMs: 2_000,
  idleMs: 30 * 60_000,
  maxScopes: 16,
  maxCatchUp: 20_000,
  slowMs: 60_000,
  wholeEveryMs: 10 * 60_000,
};
/**
 * A copy's gzipped answer is made ahead of a request at most this often: the city's takes
 * 70–330 ms of the event loop at 50,000 incidents.
 */
const AHEAD_GAP_MS = 10_000;
/** `inArray` binds one parameter per id; Postgres allows 65,535 per statement. */
const ID_CHUNK = 10_000;

interface Row {
  incident: BoardIncident;
  /** The row as it is sent (JSON of boardRow): made once per version, not once per request. */
  json: string;
}

/**
 * A copy's snapshot as last sent gzipped: what the 14 MB of JSON cost to make and compress
 * (0.1–1.3 s of CPU on two cores, more under load) is paid once while nothing it shows changes,
 * not once per screen and per reload.
 */
interface Rendering {
  /** What it was made from (see #renderingKey). */
  key: string;
  /** The server's clock when it was made. */
  at: number;
  /** Its one figure that moves with the clock, workers on duty, holds until then. */
  until: number;
  gzipped: Promise<Buffer>;
}

/** One scope's board as of `lastEventId`, kept in memory. */
interface Copy {
  scope: RegionNode;
  prefix: string;
  dayStart: number;
  lastEventId: number;
  /** When it was last read whole (server clock, ms). */
  wholeAt: number;
  rows: Map<number, Row>;
  /** The region paths of the rows (board.paths): a row holds its path's index. */
  paths: string[][];
  pathIndex: Map<string, number>;
  /** The KPI strip's per-incident totals over `rows` (kept by add/take-back, see KpiTally). */
  tally: KpiTally;
  workers: Map<number, WorkerPosition>;
  visits: Map<string, string>;
  recent: Event[];
  hourly: { today: number[]; avg7: number[] };
  returns: Record<string, number>;
  yesterday: KpiFigures;
  /**
   * When the figures that change with the clock rather than with events were read: yesterday's
   * (they are "at this time yesterday"), and the workers' names (an account change has no event
   * in a region). They are read again at most `slowMs` later.
   */
  slowAt: number;
  usedAt: number;
  /** When its gzipped answer was last made ahead of a request (performance.now()). */
  aheadAt: number;
  /** The last gzipped answer, if it may still be sent (see #reusable). */
  rendering: Rendering | null;
  /** Every read and change of this copy runs in this chain, one at a time. */
  chain: Promise<unknown>;
}

/**
 * The board view of the snapshot (GET /api/snapshot?view=board), kept in memory per scope and
 * brought up to date from the events table. A request reads only the events since the copy's
 * `lastEventId` and, by id, the incidents those events touched, in one repeatable-read
 * transaction, so the answer is what a full read would give at that event: the same rows and
 * the same figures (the full view is read in full, and a test compares the two). What a full
 * read costs at 50,000 incidents (seconds, more under load) is paid once per scope; the copies
 * in use are caught up every `catchUpMs`, so a request finds little to read.
 *
 * Yesterday's figures (at this time yesterday) are up to `slowMs` old, the 7-day hourly mean
 * up to `wholeEveryMs` (it changes only when a report arrives dated in the past week). Each
 * process keeps its own copies: all read the same database.
 */
export class BoardSnapshots {
  readonly #svc: Services;
  readonly #o: Settings & Pick<BoardSnapshotOptions, 'onRead' | 'onMadeAhead'>;
  readonly #copies = new Map<string, Copy>();
  #pinned: string | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(svc: Services, options: BoardSnapshotOptions = {}) {
    this.#svc = svc;
    this.#o = { ...DEFAULTS, ...options };
  }

  /**
   * The board snapshot of `scopeCode` (default: the principal's region): gzipped if `gzip`,
   * else as JSON text. A gzipped answer is made once and sent again while the copy is at the
   * same event and its figures that move with the clock still hold.
   */
  async get(
    ctx: Ctx,
    scopeCode: string | undefined,
    { gzip = false }: { gzip?: boolean } = {},
  ): Promise<BoardSnapshotReply> {
    const scope = resolveScope(this.#svc.regions, ctx.principal, scopeCode);
    const copy = this.#copyOf(scope);
    const asked = performance.now();
    // Rendered in the copy's chain: no catch-up can change it half-way through.
    return this.#serial(copy, async (): Promise<BoardSnapshotReply> => {
      const started = performance.now();
      await this.#update(copy);
      const updated = performance.now();
      const timing = (): BoardSnapshotReply['timing'] => ({
        waitMs: started - asked,
        updateMs: updated - started,
        renderMs: performance.now() - updated,
      });
      if (!gzip)
        return { gzipped: null, body: this.#render(copy), reused: false, timing: timing() };
      const kept = this.#reusable(copy);
      const rendering = kept ?? this.#renderZipped(copy);
      return { gzipped: rendering.gzipped, body: null, reused: kept !== null, timing: timing() };
    });
  }

  /**
   * Read `scope` now and keep it (the wall's usual scope), gzipped too: its first request finds
   * it ready.
   */
  async warm(scope: RegionNode): Promise<void> {
    this.#pinned = scope.code;
    const copy = this.#copyOf(scope);
    const made = await this.#serial(copy, async () => {
      await this.#update(copy);
      return this.#renderZipped(copy);
    });
    await made.gzipped;
  }

  /** Start catching up the copies in use in the background. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#catchUpAll(), this.#o.catchUpMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #catchUpAll(): void {
    const now = Date.now();
    for (const [code, copy] of this.#copies) {
      if (code !== this.#pinned && now - copy.usedAt > this.#o.idleMs) {
        this.#copies.delete(code);
        continue;
      }
      void this.#serial(copy, async () => {
        const before = copy.lastEventId;
        await this.#update(copy);
        // A board opened at a quiet moment finds its answer made: once what the last gzipped
        // answer shows has changed (an event, the clock's figures) and a round brings no event,
        // it is made again now. Under a stream each answer would be stale before it was asked
        // for, so none is made ahead then; nor more than once in AHEAD_GAP_MS (at an event
        // every few seconds, each would be made again at the next round).
        if (
          copy.rendering &&
          copy.lastEventId === before &&
          !this.#reusable(copy) &&
          performance.now() - copy.aheadAt >= AHEAD_GAP_MS
        ) {
          copy.aheadAt = performance.now();
          this.#renderZipped(copy);
          this.#o.onMadeAhead?.();
        }
      }).catch((err: unknown) => {
        this.#svc.log.warn(
          { err, scope: code },
          'board snapshot not caught up; the next request reads it',
        );
      });
    }
  }

  /** The copy of `scope`, made blank if there is none (its first update reads it whole). */
  #copyOf(scope: RegionNode): Copy {
    let copy = this.#copies.get(scope.code);
    if (!copy) {
      copy = this.#blank(scope);
      this.#copies.set(scope.code, copy);
      this.#evict();
    }
    copy.usedAt = Date.now();
    return copy;
  }

  #evict(): void {
    while (this.#copies.size > this.#o.maxScopes) {
      let oldest: Copy | null = null;
      for (const [code, c] of this.#copies)
        if (code !== this.#pinned && (!oldest || c.usedAt < oldest.usedAt)) oldest = c;
      if (!oldest) return;
      this.#copies.delete(oldest.scope.code);
    }
  }

  #serial<T>(copy: Copy, job: () => Promise<T>): Promise<T> {
    const run = copy.chain.then(job, job);
    copy.chain = run.catch(() => undefined);
    return run;
  }

  #blank(scope: RegionNode): Copy {
    return {
      scope,
      prefix: `${encodePath(scope.path)}%`,
      dayStart: Number.NaN,
      lastEventId: -1,
      wholeAt: 0,
      rows: new Map(),
      paths: [],
      pathIndex: new Map(),
      tally: new KpiTally(),
      workers: new Map(),
      visits: new Map(),
      recent: [],
      hourly: { today: [], avg7: [] },
      returns: {},
      yesterday: {} as KpiFigures,
      slowAt: 0,
      usedAt: 0,
      aheadAt: Number.NEGATIVE_INFINITY,
      rendering: null,
      chain: Promise.resolve(),
    };
  }

  /**
   * Bring `copy` up to the latest event: catch up, or read it whole on a new day or a long gap.
   * A failed update leaves the copy to be read whole next time (it may be half applied).
   */
  async #update(copy: Copy): Promise<void> {
    try {
      await this.#read(copy);
    } catch (err) {
      copy.lastEventId = -1;
      throw err;
    }
  }

  async #read(copy: Copy): Promise<void> {
    const svc = this.#svc;
    const now = svc.now();
    const dayStart = localDayStart(now, svc.utcOffsetMinutes);
    const started = performance.now();
    const kind = await svc.db.transaction(
      async (tx) => {
        const max = await maxEventId(tx);
        const fresh =
          copy.dayStart === dayStart.getTime() &&
          copy.lastEventId >= 0 &&
          now.getTime() - copy.wholeAt < this.#o.wholeEveryMs;
        if (!fresh || max - copy.lastEventId > this.#o.maxCatchUp) {
          await this.#readWhole(tx, copy, max, now, dayStart);
          return 'whole' as const;
        }
        const behind = max > copy.lastEventId;
        if (behind) await this.#catchUp(tx, copy, max);
        if (now.getTime() - copy.slowAt >= this.#o.slowMs) await this.#readSlow(tx, copy, now);
        return behind ? ('catch_up' as const) : null;
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    if (kind) this.#o.onRead?.(kind, (performance.now() - started) / 1000);
  }

  async #readWhole(tx: Tx, copy: Copy, max: number, now: Date, dayStart: Date): Promise<void> {
    const { prefix } = copy;
    const list = await tx.select(BOARD_COLUMNS).from(incidents).where(onBoard(prefix, dayStart));
    const parts = await readSnapshotParts(tx, {
      prefix,
      now,
      dayStart,
      gridCount: this.#svc.regions.countGridsWithin(copy.scope.code),
      utcOffsetMinutes: this.#svc.utcOffsetMinutes,
    });
    copy.dayStart = dayStart.getTime();
    copy.lastEventId = max;
    copy.wholeAt = now.getTime();
    copy.slowAt = now.getTime();
    copy.workers = new Map(parts.workers.map((w) => [w.userId, w]));
    copy.visits = parts.visits;
    copy.recent = parts.recent;
    copy.returns = parts.departmentReturns;
    copy.yesterday = parts.yesterday;
    // Today's hours are counted with the rows, here and as they change (see #count); the 7-day
    // mean is of the days before today, read again on the next whole read.
    copy.hourly = { today: new Array<number>(24).fill(0), avg7: parts.hourly.avg7 };
    copy.rows = new Map();
    copy.paths = [];
    copy.pathIndex = new Map();
    copy.tally = new KpiTally();
    for (const r of list) this.#put(copy, toBoardDto(r));
  }

  /** Apply the events (copy.lastEventId, max]: re-read the incidents they touched, by id. */
  async #catchUp(tx: Tx, copy: Copy, max: number): Promise<void> {
    const missed = await eventsBetween(tx, {
      after: copy.lastEventId,
      upTo: max,
      prefix: copy.prefix,
    });
    const touched = new Set<number>();
    const newcomers = new Set<number>();
    for (const e of missed) {
      copy.recent.push(e);
      if (e.incidentId !== undefined) touched.add(e.incidentId);
      if (e.type === 'incident.returned' && Date.parse(e.at) >= copy.dayStart) {
        const dept = e.data['department'];
        if (typeof dept === 'string') copy.returns[dept] = (copy.returns[dept] ?? 0) + 1;
      }
      if (e.type === 'patrol.checkin') this.#checkIn(copy, e, newcomers);
    }
    if (copy.recent.length > RECENT_EVENTS) copy.recent = copy.recent.slice(-RECENT_EVENTS);
    const ids = [...touched];
    const dayStart = new Date(copy.dayStart);
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const found = await tx
        .select(BOARD_COLUMNS)
        .from(incidents)
        .where(and(inArray(incidents.id, chunk), onBoard(copy.prefix, dayStart)));
      const onIt = new Set<number>();
      for (const r of found) {
        onIt.add(r.id);
        this.#put(copy, toBoardDto(r));
      }
      for (const id of chunk) if (!onIt.has(id)) this.#drop(copy, id);
    }
    if (newcomers.size > 0) await this.#readNames(tx, copy, [...newcomers]);
    copy.lastEventId = max;
  }

  /**
   * A check-in event, as the full read takes the check-ins: the latest position per worker
   * today and the latest visit per grid today (a check-in sent late may be older than both).
   * A worker new to the copy whose event does not name them goes into `newcomers`: their name
   * is read from the accounts.
   */
  #checkIn(copy: Copy, e: Event, newcomers: Set<number>): void {
    const d = e.data as {
      userId?: unknown;
      username?: unknown;
      name?: unknown;
      gridCode?: unknown;
      lng?: unknown;
      lat?: unknown;
      kind?: unknown;
    };
    if (Date.parse(e.at) < copy.dayStart) return;
    if (typeof d.gridCode === 'string') {
      const seen = copy.visits.get(d.gridCode);
      if (seen === undefined || seen < e.at) copy.visits.set(d.gridCode, e.at);
    }
    if (typeof d.userId !== 'number' || typeof d.lng !== 'number' || typeof d.lat !== 'number')
      return;
    const prev = copy.workers.get(d.userId);
    if (prev && prev.at >= e.at) return;
    const named = typeof d.name === 'string' ? d.name : undefined;
    if (!prev && named === undefined) newcomers.add(d.userId);
    copy.workers.set(d.userId, {
      userId: d.userId,
      username: String(d.username),
      // The event names the worker; for one that does not (sent before it did), a newcomer's
      // name is read before the copy is used (see #catchUp).
      name: named ?? prev?.name ?? String(d.username),
      gridCode: String(d.gridCode),
      lng: d.lng,
      lat: d.lat,
      at: e.at,
      kind: (d.kind as WorkerPosition['kind'] | undefined) ?? 'checkin',
    });
  }

  async #readNames(tx: Tx, copy: Copy, userIds: number[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += ID_CHUNK) {
      const found = await tx
        .select({ id: users.id, name: users.displayName })
        .from(users)
        .where(inArray(users.id, userIds.slice(i, i + ID_CHUNK)));
      for (const u of found) {
        const w = copy.workers.get(u.id);
        if (w) w.name = u.name;
      }
    }
  }

  /**
   * The figures that change with the clock, and the names an account change may have changed
   * (a whole read has both already).
   */
  async #readSlow(tx: Tx, copy: Copy, now: Date): Promise<void> {
    const gridCount = this.#svc.regions.countGridsWithin(copy.scope.code);
    copy.yesterday = await yesterdayFigures(
      tx,
      copy.prefix,
      now,
      new Date(copy.dayStart),
      gridCount,
    );
    await this.#readNames(tx, copy, [...copy.workers.keys()]);
    copy.slowAt = now.getTime();
  }

  #put(copy: Copy, incident: BoardIncident): void {
    const before = copy.rows.get(incident.id);
    if (before) this.#count(copy, before.incident, -1);
    const row = boardRow(incident, this.#pathOf(copy, incident.path));
    copy.rows.set(incident.id, { incident, json: JSON.stringify(row) });
    this.#count(copy, incident, 1);
  }

  #drop(copy: Copy, id: number): void {
    const before = copy.rows.get(id);
    if (!before) return;
    this.#count(copy, before.incident, -1);
    copy.rows.delete(id);
  }

  /** Add (1) or take back (-1) an incident's share of the KPI strip and of today's hours. */
  #count(copy: Copy, i: BoardIncident, sign: 1 | -1): void {
    const times = kpiTimes(i);
    copy.tally.add(kpiShare(times, copy.dayStart), sign);
    if (times.reportedAt >= copy.dayStart) {
      const h = localHour(new Date(times.reportedAt), this.#svc.utcOffsetMinutes);
      copy.hourly.today[h] = (copy.hourly.today[h] ?? 0) + sign;
    }
  }

  /** The index of `path` in the copy's paths, added if new (they are few: one per grid). */
  #pathOf(copy: Copy, path: string[]): number {
    const key = encodePath(path);
    let at = copy.pathIndex.get(key);
    if (at === undefined) {
      at = copy.paths.push(path) - 1;
      copy.pathIndex.set(key, at);
    }
    return at;
  }

  /**
   * What a rendering is made from besides the clock: the copy's last event, its last whole
   * read and its last read of the figures that move with the clock.
   */
  #renderingKey(copy: Copy): string {
    return `${copy.lastEventId}:${copy.wholeAt}:${copy.slowAt}`;
  }

  /** The copy's last gzipped answer, if it says what a new one would (besides `serverTime`). */
  #reusable(copy: Copy): Rendering | null {
    const r = copy.rendering;
    const now = this.#svc.now().getTime();
    return r && r.key === this.#renderingKey(copy) && now >= r.at && now <= r.until ? r : null;
  }

  /** Render the copy, start its gzip and keep it for the requests that follow (see #reusable). */
  #renderZipped(copy: Copy): Rendering {
    const now = this.#svc.now();
    // Workers on duty is the only figure that moves with the clock alone: it holds until the
    // first of those on duty now goes off.
    let until = Infinity;
    for (const w of copy.workers.values()) {
      const off = onDutyUntil(w);
      if (off >= now.getTime()) until = Math.min(until, off);
    }
    const rendering: Rendering = {
      key: this.#renderingKey(copy),
      at: now.getTime(),
      until,
      gzipped: gzipLarge(this.#render(copy, now)),
    };
    copy.rendering = rendering;
    rendering.gzipped.catch(() => {
      if (copy.rendering === rendering) copy.rendering = null;
    });
    return rendering;
  }

  /** The copy as a BoardSnapshot, in JSON: the rows joined from their own JSON. */
  #render(copy: Copy, now: Date = this.#svc.now()): string {
    const workers = [...copy.workers.values()].sort((a, b) => a.userId - b.userId);
    const fields = scopeFields(this.#svc, copy.scope);
    const head: Omit<BoardSnapshot, 'board'> = {
      ...fields,
      lastEventId: copy.lastEventId,
      serverTime: now.toISOString(),
      workers,
      gridVisits: Object.fromEntries(copy.visits),
      kpis: copy.tally.figures({
        workersOnDuty: countOnDuty(workers, now.getTime()),
        gridsVisited: copy.visits.size,
        gridCount: fields.gridCount,
      }),
      yesterday: copy.yesterday,
      recent: copy.recent,
      hourly: copy.hourly,
      departmentReturns: copy.returns,
      incidents: [],
    };
    const rows: string[] = [];
    for (const r of copy.rows.values()) rows.push(r.json);
    // `head` without its closing brace, then the board: the rows are already JSON.
    const board = `"fields":${JSON.stringify(BOARD_FIELDS)},"paths":${JSON.stringify(copy.paths)}`;
    return `${JSON.stringify(head).slice(0, -1)},"board":{${board},"rows":[${rows.join(',')}]}}`;
  }
}

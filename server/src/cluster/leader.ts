import type { Logger } from 'pino';
import pg from 'pg';
import type { RedisClientType } from 'redis';

/** What the leader runs: the relay and the SLA clock. */
export interface LeaderRole {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Leadership {
  readonly kind: 'single' | 'redis-lease' | 'postgres-lock';
  readonly isLeader: boolean;
  /** Begin; resolves after the first election attempt (and the role's start when elected). */
  start(role: LeaderRole): Promise<void>;
  stop(): Promise<void>;
}

/** Embedded database: one process by construction (the data directory is locked), always leader. */
export class SingleLeader implements Leadership {
  readonly kind = 'single';
  #role: LeaderRole | null = null;
  constructor(private readonly onChange?: (leader: boolean) => void) {}
  get isLeader(): boolean {
    return this.#role !== null;
  }
  async start(role: LeaderRole): Promise<void> {
    this.#role = role;
    this.onChange?.(true);
    await role.start();
  }
  async stop(): Promise<void> {
    if (this.#role) this.onChange?.(false);
    await this.#role?.stop();
    this.#role = null;
  }
}

/** Acquire the lease when free, renew it when ours; 1 while we hold it, 0 otherwise. */
const ACQUIRE_OR_RENEW = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Shared state of an elector's loop: one attempt at a time, leadership changes serialised. */
abstract class Elector implements Leadership {
  abstract readonly kind: Leadership['kind'];
  protected role: LeaderRole | null = null;
  #leader = false;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #changing: Promise<void> = Promise.resolve();
  protected stopped = false;

  constructor(
    protected readonly log: Logger,
    protected readonly everyMs: number,
    private readonly onChange?: (leader: boolean) => void,
  ) {}

  get isLeader(): boolean {
    return this.#leader;
  }

  async start(role: LeaderRole): Promise<void> {
    this.role = role;
    this.#timer = setInterval(() => void this.#tick(), this.everyMs);
    await this.#tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#changing;
    await this.setLeader(false, 'shutting down');
    await this.release();
  }

  /** One attempt: true when we hold leadership after it. */
  protected abstract attempt(): Promise<boolean>;
  protected abstract release(): Promise<void>;

  async #tick(): Promise<void> {
    if (this.#busy || this.stopped) return;
    this.#busy = true;
    try {
      await this.setLeader(await this.attempt(), 'lease');
    } finally {
      this.#busy = false;
    }
  }

  protected setLeader(leader: boolean, why: string): Promise<void> {
    this.#changing = this.#changing.then(async () => {
      if (leader === this.#leader || (leader && this.stopped)) return;
      this.#leader = leader;
      this.onChange?.(leader);
      this.log.info(
        { leader, why, kind: this.kind },
        leader ? 'elected leader: running the relay and the SLA clock' : 'no longer leader',
      );
      try {
        if (leader) await this.role?.start();
        else await this.role?.stop();
      } catch (err) {
        this.log.error({ err }, 'leader role change failed');
      }
    });
    return this.#changing;
  }
}

export interface RedisLeaseOptions {
  client: RedisClientType;
  key: string;
  id: string;
  log: Logger;
  /** Lease length; a dead leader is replaced within ttlMs + everyMs. */
  ttlMs?: number;
  everyMs?: number;
  onChange?: (leader: boolean) => void;
}

/**
 * Leader election with a lease in Redis (SET NX PX, renewed by its holder). A leader that
 * cannot renew steps down before its lease can have expired, so two leaders never overlap.
 */
export class RedisLease extends Elector {
  readonly kind = 'redis-lease';
  readonly #o: Required<Omit<RedisLeaseOptions, 'onChange' | 'log'>>;
  #heldUntil = 0;

  constructor(o: RedisLeaseOptions) {
    super(o.log, o.everyMs ?? 500, o.onChange);
    this.#o = { ttlMs: 2500, everyMs: 500, ...o };
  }

  protected async attempt(): Promise<boolean> {
    const asked = Date.now();
    try {
      const r = await withTimeout(
        this.#o.client.sendCommand([
          'EVAL',
          ACQUIRE_OR_RENEW,
          '1',
          this.#o.key,
          this.#o.id,
          String(this.#o.ttlMs),
        ]),
        this.#o.everyMs / 2,
      );
      if (Number(r) === 1) {
        this.#heldUntil = asked + this.#o.ttlMs;
        return true;
      }
      return false;
    } catch {
      // Unknown: keep leading only while the last lease we know of is safely valid.
      return this.isLeader && Date.now() + this.#o.everyMs + 600 < this.#heldUntil;
    }
  }

  protected async release(): Promise<void> {
    await withTimeout(
      this.#o.client.sendCommand(['EVAL', RELEASE, '1', this.#o.key, this.#o.id]),
      1000,
    ).catch(() => undefined);
  }
}

/** Postgres without Redis: a session advisory lock on a dedicated connection is the lease. */
export class PostgresLock extends Elector {
  readonly kind = 'postgres-lock';
  #client: pg.Client | null = null;

  constructor(
    private readonly url: string,
    private readonly lockId: number,
    log: Logger,
    onChange?: (leader: boolean) => void,
  ) {
    super(log, 1000, onChange);
  }

  protected async attempt(): Promise<boolean> {
    try {
      if (!this.#client) {
        const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2000 });
        c.on('error', () => undefined);
        await c.connect();
        this.#client = c;
      }
      if (this.isLeader) {
        // Still connected means still holding the lock.
        await withTimeout(this.#client.query('select 1'), 2000);
        return true;
      }
      const r = await withTimeout(
        this.#client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [this.lockId]),
        2000,
      );
      return r.rows[0]?.ok === true;
    } catch {
      const c = this.#client;
      this.#client = null;
      await c?.end().catch(() => undefined);
      return false;
    }
  }

  protected async release(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    await c?.end().catch(() => undefined);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

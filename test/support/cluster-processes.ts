/**
 * Several real server processes on one Postgres database and one Redis, plus boards that behave
 * like the web client (subscribe with `since`, apply by id, move to a survivor when their process
 * dies). For the scale-out and fault tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { pointInGeometry } from '@cityops/domain';
import { buildCity, type CityRegion } from '@cityops/seed';
import type { ClientToServer, Event, ServerToClient } from '@cityops/protocol';
import { fileURLToPath } from 'node:url';
import { User } from './api-client.ts';

export const CLUSTER_PASSWORD = 'cluster-password';
const SERVER_DIR = fileURLToPath(new URL('../../server/', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * One server process, node itself with the tsx loader (no wrapper process), so a kill -9
 * reaches the server and nothing else.
 */
export async function spawnNode(
  env: Record<string, string>,
  timeoutMs = 180_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    child.stdout!.on('data', () => {
      const m = /live at http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A private redis-server (so stopping it cannot disturb anyone else). Fails loudly without one. */
export class RedisServer {
  child: ChildProcess | null = null;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('error', (err) =>
        reject(
          new Error(`redis-server is required for this test and could not start: ${err.message}`),
        ),
      );
      const deadline = Date.now() + 10_000;
      const poll = (): void => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve();
        });
        s.once('error', () => {
          if (Date.now() > deadline)
            reject(new Error(`redis-server did not listen on ${this.port}`));
          else setTimeout(poll, 50);
        });
      };
      poll();
    });
  }
  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  }
}

/** Check Redis is reachable at a URL, failing loudly (the tests never skip). */
export async function requireRedis(url: string): Promise<void> {
  const { createClient } = await import('redis');
  const c = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
  } catch (err) {
    throw new Error(
      `Redis is required for this test and is not reachable at ${url}: ${(err as Error).message}`,
    );
  } finally {
    await c.close().catch(() => undefined);
  }
}

export interface ClusterOptions {
  size: number;
  databaseUrl: string;
  redisUrl: string;
  env?: Record<string, string>;
}

/** Processes of one cluster: the first seeds the empty database, the rest join it. */
export class Cluster {
  readonly procs: (ServerProcess | null)[] = [];
  readonly prefix = `t${randomBytes(4).toString('hex')}:`;
  constructor(readonly o: ClusterOptions) {}

  env(): Record<string, string> {
    return {
      DATABASE_URL: this.o.databaseUrl,
      REDIS_URL: this.o.redisUrl,
      REDIS_PREFIX: this.prefix,
      DEMO: '1',
      DEMO_HISTORY: '0',
      SIMULATOR_RATE: '0',
      DEMO_PASSWORD: CLUSTER_PASSWORD,
      PORT: '0',
      SLA_INTERVAL_MS: '60000',
      ...this.o.env,
    };
  }

  async start(): Promise<void> {
    this.procs[0] = await spawnNode(this.env());
    const rest = await Promise.all(
      Array.from({ length: this.o.size - 1 }, () => spawnNode(this.env())),
    );
    this.procs.push(...rest);
  }

  async restart(i: number): Promise<ServerProcess> {
    const p = await spawnNode(this.env());
    this.procs[i] = p;
    return p;
  }

  alive(): ServerProcess[] {
    return this.procs.filter(
      (p): p is ServerProcess =>
        p !== null && p.child.exitCode === null && p.child.signalCode === null,
    );
  }

  /** Index of the process whose /metrics says it leads; -1 when none does (yet). */
  async leader(except?: ServerProcess): Promise<number> {
    for (const [i, p] of this.procs.entries()) {
      if (!p || p === except || p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const text = await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.text())
        .catch(() => '');
      if (/^cityops_leader 1$/m.test(text)) return i;
    }
    return -1;
  }

  /** Index of the leader, once there is one other than `except` (a process, not a slot). */
  async waitForLeader(ms: number, except?: ServerProcess): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = await this.leader(except);
      if (i >= 0) return i;
      if (Date.now() > deadline) throw new Error(`no leader within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill9(i: number): Promise<void> {
    const p = this.procs[i];
    this.procs[i] = null;
    return p ? p.stop('SIGKILL').then(() => undefined) : Promise.resolve();
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p?.stop('SIGTERM')));
  }
}

/** Grids whose centre lies inside their polygon, to report at. */
export function reportableGrids(): CityRegion[] {
  return buildCity('demo').grids.filter((g) =>
    pointInGeometry(g.center[0], g.center[1], g.geometry),
  );
}

/**
 * A board as the web client keeps it: incident id → version from applied events, deduplicated
 * by id, `lastEventId` for `since`; moved to another process with `moveTo` (a reconnect).
 */
export class Board {
  readonly versions = new Map<number, number>();
  lastEventId = 0;
  resyncs = 0;
  #seen = new Set<number>();
  #buffer: Event[] | null = null;
  socket!: Socket<ServerToClient, ClientToServer>;
  server!: string;
  lost = false;

  constructor(
    readonly user: User,
    readonly scope: string,
  ) {}

  async connect(server: string): Promise<void> {
    this.server = server;
    this.lost = false;
    const s: Socket<ServerToClient, ClientToServer> = io(`${server}/live`, {
      path: '/socket.io',
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: this.user.cookie },
    });
    this.socket = s;
    s.on('events', ({ events }) => {
      if (this.#buffer) this.#buffer.push(...events);
      else this.#apply(events);
    });
    s.on('resync', () => {
      this.resyncs++;
      void this.#reload(s);
    });
    s.on('disconnect', () => {
      if (this.socket === s) this.lost = true;
    });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', (err) => reject(err));
    });
    this.#buffer = [];
    const ack = await s
      .timeout(15_000)
      .emitWithAck(
        'subscribe',
        this.lastEventId > 0
          ? { scope: this.scope, since: this.lastEventId }
          : { scope: this.scope },
      );
    const buffered = this.#buffer;
    this.#buffer = null;
    if (!ack.ok) throw new Error(`subscribe ${this.scope}: ${ack.error}`);
    this.#apply(buffered.sort((a, b) => a.id - b.id));
    if (ack.lastEventId > this.lastEventId) this.lastEventId = ack.lastEventId;
  }

  /** What the web client does on `resync`: reload the snapshot, then subscribe from it. */
  async #reload(s: Socket<ServerToClient, ClientToServer>): Promise<void> {
    const r = await fetch(`${this.server}/api/snapshot?scope=${this.scope}`, {
      headers: { cookie: this.user.cookie },
    });
    const snap = (await r.json()) as {
      lastEventId: number;
      incidents: { id: number; version: number }[];
    };
    this.versions.clear();
    this.#seen.clear(); // events after the snapshot must apply again, even if seen before it
    for (const i of snap.incidents) this.versions.set(i.id, i.version);
    this.lastEventId = snap.lastEventId;
    this.#buffer = [];
    const ack = await s
      .timeout(15_000)
      .emitWithAck('subscribe', { scope: this.scope, since: this.lastEventId });
    const buffered = this.#buffer;
    this.#buffer = null;
    if (ack.ok) this.#apply(buffered.sort((a, b) => a.id - b.id));
  }

  #apply(events: Event[]): void {
    for (const e of events) {
      if (this.#seen.has(e.id)) continue;
      this.#seen.add(e.id);
      if (e.id > this.lastEventId) this.lastEventId = e.id;
      if (e.incidentId === undefined) continue;
      const v = versionOf(e);
      if (v !== undefined && v > (this.versions.get(e.incidentId) ?? 0))
        this.versions.set(e.incidentId, v);
    }
  }

  close(): void {
    this.socket?.close();
  }
}

function versionOf(e: Event): number | undefined {
  const d = e.data as { incident?: { version?: unknown }; after?: { version?: unknown } };
  const v = d.after?.version ?? d.incident?.version;
  return typeof v === 'number' ? v : undefined;
}

/** incident id → version of every incident in a region, straight from Postgres. */
export async function dbVersions(
  databaseUrl: string,
  scopes: readonly string[],
): Promise<Map<string, Map<number, number>>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const out = new Map<string, Map<number, number>>();
    for (const scope of scopes) {
      const r = await c.query<{ path: string }>('select path from regions where code = $1', [
        scope,
      ]);
      const prefix = r.rows[0]?.path;
      if (!prefix) throw new Error(`unknown region ${scope}`);
      const rows = await c.query<{ id: string; version: number }>(
        'select id, version from incidents where path like $1',
        [`${prefix}%`],
      );
      out.set(scope, new Map(rows.rows.map((x) => [Number(x.id), x.version])));
    }
    return out;
  } finally {
    await c.end();
  }
}

/** Boards whose incident map differs from the database's view of their scope. */
export function divergent(
  boards: readonly Board[],
  db: Map<string, Map<number, number>>,
): string[] {
  const out: string[] = [];
  for (const b of boards) {
    const want = db.get(b.scope)!;
    const missing = [...want].filter(([id, v]) => b.versions.get(id) !== v);
    const extra = [...b.versions].filter(([id]) => !want.has(id));
    if (missing.length || extra.length)
      out.push(
        `${b.scope}@${b.server}: ${missing.length} missing/behind (e.g. ${JSON.stringify(missing.slice(0, 3))}), ${extra.length} extra`,
      );
  }
  return out;
}

/** Wait until every board equals the database; returns how long that took. */
export async function converge(
  boards: readonly Board[],
  databaseUrl: string,
  ms: number,
): Promise<number> {
  const t0 = Date.now();
  const scopes = [...new Set(boards.map((b) => b.scope))];
  let last: string[] = [];
  while (Date.now() - t0 < ms) {
    last = divergent(boards, await dbVersions(databaseUrl, scopes));
    if (last.length === 0) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `boards did not converge with the database within ${ms} ms (${last.length} differ):\n${last.slice(0, 5).join('\n')}`,
  );
}

/**
 * A private Postgres cluster (initdb into a temp dir, run as the postgres user), so a test can
 * stop and restart it without touching the shared server. Fails loudly when the binaries are absent.
 */
export class PrivatePostgres {
  readonly dir: string;
  readonly bin: string;
  constructor(readonly port: number) {
    const base = '/usr/lib/postgresql';
    const version = readdirSync(base).sort().pop();
    if (!version)
      throw new Error(`no Postgres binaries under ${base}: this test needs initdb and pg_ctl`);
    this.bin = `${base}/${version}/bin`;
    this.dir = mkdtempSync('/tmp/cityops-pg-');
    const { uid, gid } = userIds('postgres');
    chownSync(this.dir, uid, gid);
  }
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/cityops`;
  }
  #run(args: string[]): void {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  }
  async init(): Promise<void> {
    this.#run([
      `${this.bin}/initdb`,
      '-D',
      `${this.dir}/data`,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await this.start();
    const c = new pg.Client({ connectionString: this.url.replace(/\/cityops$/, '/postgres') });
    await c.connect();
    await c.query('create database cityops');
    await c.end();
  }
  start(): Promise<void> {
    this.#run([
      `${this.bin}/pg_ctl`,
      '-D',
      `${this.dir}/data`,
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      `${this.dir}/log`,
      '-w',
      'start',
    ]);
    return Promise.resolve();
  }
  /** Stop as a crash would: no checkpoint, connections cut. */
  stop(): Promise<void> {
    this.#run([`${this.bin}/pg_ctl`, '-D', `${this.dir}/data`, '-m', 'immediate', 'stop']);
    return Promise.resolve();
  }
  destroy(): void {
    spawnSync('runuser', [
      '-u',
      'postgres',
      '--',
      `${this.bin}/pg_ctl`,
      '-D',
      `${this.dir}/data`,
      '-m',
      'immediate',
      'stop',
    ]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} user: this test needs the Postgres server package`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

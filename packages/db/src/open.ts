import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema/index.ts';
import { lockDataDir } from './dir-lock.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where it lives, without credentials (for logs). */
  location: string;
  ping(): Promise<void>;
  /**
   * A handle whose queries never wait behind the main pool's queue: on Postgres a pool of its
   * own with `size` connections (closed with the database), on PGlite the one connection.
   */
  dedicated(size: number): Db;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres URL; unset or 'pglite' for PGlite. 'memory://' gives a throw-away PGlite. */
  url?: string | undefined;
  /** PGlite directory when `url` is unset. */
  dataDir?: string;
  /** Apply migrations (default true). */
  migrate?: boolean;
  /** Postgres pool size (default 10). */
  poolSize?: number;
  /** How long a query may wait for a free pool connection before it fails (default 5 s). */
  connectionTimeoutMs?: number;
}

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));
/** Serialises concurrent migrators across processes. */
const MIGRATION_LOCK = 727_001;

/** Open PGlite (embedded, default) or Postgres (when a postgres:// URL is given), migrated. */
export async function open(options: OpenOptions = {}): Promise<Database> {
  const url = options.url;
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  return openPglite(
    url === 'memory://' ? 'memory://' : resolve(options.dataDir ?? './data'),
    options,
  );
}

async function openPglite(dir: string, options: OpenOptions): Promise<Database> {
  const release = dir === 'memory://' ? () => undefined : lockDataDir(dir);
  let client: PGlite;
  try {
    client = dir === 'memory://' ? new PGlite() : new PGlite(dir);
    await client.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  if (options.migrate !== false) await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
  return {
    db,
    kind: 'pglite',
    location: dir,
    ping: async () => {
      await client.query('select 1');
    },
    dedicated: () => db,
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const pools: pg.Pool[] = [];
  const newPool = (max: number): pg.Pool => {
    const pool = new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    });
    // A client losing its server must not crash the process; its queries report the error. The
    // pool listens on idle clients only, and node-postgres emits 'error' on a client checked out
    // for a transaction too, so each client gets a listener of its own. The pool drops it on
    // release, as it is no longer queryable.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    pools.push(pool);
    return pool;
  };
  const pool = newPool(options.poolSize ?? 10);
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  if (options.migrate !== false) {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }
  const u = new URL(url);
  return {
    db,
    kind: 'postgres',
    location: `${u.host}${u.pathname}`,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    dedicated: (size) => drizzlePg(newPool(size), { schema }) as unknown as Db,
    close: async () => {
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}

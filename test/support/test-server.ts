import { pino } from 'pino';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { open, type Database } from '@cityops/db';
import { buildCity, seedDatabase, type City, type SeedResult } from '@cityops/seed';
import { createApp, hashPassword, loadConfig, type App } from '@cityops/server';

export const PASSWORD = 'test-password';
let hash: Promise<string> | null = null;

export interface TestServer {
  app: App;
  url: string;
  port: number;
  database: Database;
  city: City;
  seeded: SeedResult;
  /** Set the server's clock (tests that drive deadlines); null returns to the wall clock. */
  setNow(d: Date | null): void;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Postgres URL; default a throw-away in-memory PGlite. */
  databaseUrl?: string;
  env?: Record<string, string>;
}

/** A real server on port 0 over a fresh database seeded with the demo city and accounts (no history). */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await open({ url: options.databaseUrl ?? 'memory://' });
  const city = buildCity('demo');
  hash ??= hashPassword(PASSWORD);
  const seeded = await seedDatabase({ db: database.db, city, passwordHash: await hash, demoAccounts: true });
  let fixed: Date | null = null;
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO: '0', ...options.env } as NodeJS.ProcessEnv);
  const app = await createApp({ config, database, log: pino({ level: 'silent' }), now: () => fixed ?? new Date(), webDir: '/nonexistent' });
  const port = await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    database,
    city,
    seeded,
    setNow: (d) => {
      fixed = d;
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

const ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh, uniquely named Postgres database for one test file. Fails loudly when Postgres is
 * not reachable: a test that needs it must never pass by skipping.
 */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cityops_t_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`Postgres is required for this test and is not reachable at ${ADMIN_URL}: ${(err as Error).message}`);
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

import { pino } from 'pino';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  /** Stop the app only (idempotent); the database stays open, e.g. to start a new app over it. */
  closeApp(): Promise<void>;
  /** Stop the app, and the database when this server opened it. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Postgres URL; default a throw-away in-memory PGlite. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /**
   * Start over an already open, already seeded database (a restart: a new app over the same
   * data). The database is borrowed: `close()` leaves it open for its owner to close.
   */
  reuse?: Pick<TestServer, 'database' | 'city' | 'seeded'>;
  /** Serve the built web app (browser tests); default none, API only. */
  serveWeb?: boolean;
}

/** The built web app; `pnpm test` builds it before the browser tests. */
export const WEB_BUILD =
  process.env.WEB_BUILD_DIR ?? fileURLToPath(new URL('../../web/build', import.meta.url));

/** A real server on port 0 over a fresh database seeded with the demo city and accounts (no history). */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const reuse = options.reuse;
  const database = reuse?.database ?? (await open({ url: options.databaseUrl ?? 'memory://' }));
  const city = reuse?.city ?? buildCity('demo');
  hash ??= hashPassword(PASSWORD);
  const seeded =
    reuse?.seeded ??
    (await seedDatabase({ db: database.db, city, passwordHash: await hash, demoAccounts: true }));
  let fixed: Date | null = null;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DEMO: '0',
    ...options.env,
  } as NodeJS.ProcessEnv);
  const app = await createApp({
    config,
    database,
    log: pino({ level: 'silent' }),
    now: () => fixed ?? new Date(),
    webDir: options.serveWeb ? requireWebBuild() : '/nonexistent',
  });
  const port = await app.listen(0, '127.0.0.1');
  let appClosed: Promise<void> | null = null;
  const closeApp = (): Promise<void> => (appClosed ??= app.close());
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
    closeApp,
    close: async () => {
      await closeApp();
      if (!reuse) await database.close();
    },
  };
}

const ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh, uniquely named Postgres database for one test file. Fails loudly when Postgres is
 * not reachable: a test that needs it must never pass by skipping.
 */
export async function createPostgresDatabase(): Promise<{
  url: string;
  drop: () => Promise<void>;
}> {
  const name = `cityops_t_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Postgres is required for this test and is not reachable at ${ADMIN_URL}: ${(err as Error).message}`,
    );
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

function requireWebBuild(): string {
  if (!existsSync(`${WEB_BUILD}/200.html`))
    throw new Error(`no web build at ${WEB_BUILD}: run \`pnpm build\` first (\`pnpm test\` does)`);
  return WEB_BUILD;
}

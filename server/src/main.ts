import { pino } from 'pino';
import { open } from '@cityops/db';
import {
  buildCity,
  isEmpty,
  seedDatabase,
  startSimulator,
  writeHistory,
  type DemoAccount,
} from '@cityops/seed';
import { loadConfig } from './config.ts';
import { createApp } from './app.ts';
import { hashPassword } from './auth/passwords.ts';

const config = loadConfig();
const log = pino({ level: config.LOG_LEVEL, base: { pid: process.pid } });
const started = Date.now();

const database = await open({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  poolSize: config.DATABASE_POOL_SIZE,
  connectionTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS,
});
log.info({ db: database.kind, location: database.location }, 'database open');

let accounts: DemoAccount[] | null = null;
if (await isEmpty(database.db)) {
  const city = buildCity(config.DEMO_SCALE);
  if (config.DEMO) {
    log.info(
      { scale: config.DEMO_SCALE, grids: city.grids.length },
      'empty database: seeding the demo city',
    );
    const seeded = await seedDatabase({
      db: database.db,
      city,
      passwordHash: await hashPassword(config.DEMO_PASSWORD),
      demoAccounts: true,
    });
    accounts = seeded.accounts;
    if (config.DEMO_HISTORY > 0) {
      const t = Date.now();
      const h = await writeHistory({
        db: database.db,
        city,
        now: new Date(),
        incidents: config.DEMO_HISTORY,
        users: {
          dispatchers: seeded.dispatchers,
          departmentHandlers: seeded.departmentHandlers,
          fieldWorkers: seeded.fieldWorkers,
        },
        utcOffsetMinutes: config.UTC_OFFSET_MINUTES,
      });
      log.info({ ...h, ms: Date.now() - t }, 'demo history written');
    }
  } else {
    if (!config.ADMIN_PASSWORD)
      throw new Error('DEMO=0 on an empty database needs ADMIN_PASSWORD for the admin account');
    await seedDatabase({
      db: database.db,
      city,
      passwordHash: '',
      adminPasswordHash: await hashPassword(config.ADMIN_PASSWORD),
      demoAccounts: false,
    });
    log.info('empty database: created the city base data and the admin account');
  }
}

const app = await createApp({ config, database, log, warm: true });
const port = await app.listen(config.PORT, config.HOST).catch(async (err: unknown) => {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  log.fatal(
    `port ${config.PORT} is already in use: stop what holds it, or start with PORT=<another>`,
  );
  await app.close();
  await database.close();
  process.exit(1);
});
const url = `http://localhost:${port}`;

if (config.DEMO) {
  const lines = [
    '',
    `  cityops is live at ${url}   (${database.kind}: ${database.location}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    '',
    `  Demo accounts — password: ${config.DEMO_PASSWORD}`,
    ...(accounts ?? defaultAccountsHint()).map(
      (a) => `    ${a.username.padEnd(12)} ${a.role.padEnd(11)} ${a.displayName}  [${a.scopeName}]`,
    ),
    '    w<grid code> field       a grid worker for every grid',
    '',
    `  Wallboard: ${url}/wallboard    Dispatch: ${url}/dispatch    Field: ${url}/field`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (config.SIMULATOR_RATE > 0)
    startSimulator({
      baseUrl: `http://127.0.0.1:${port}`,
      password: config.DEMO_PASSWORD,
      rate: config.SIMULATOR_RATE,
      log,
    });
} else {
  process.stdout.write(`\n  cityops is live at ${url}\n\n`);
}

function defaultAccountsHint(): DemoAccount[] {
  return ['admin', 'leader', 'operator', 'dispatcher', 'department', 'field'].map((u) => ({
    username: u,
    role: u === 'department' ? 'department' : u === 'field' ? 'field' : (u as DemoAccount['role']),
    displayName: '',
    scopeCode: '',
    scopeName: 'seeded earlier',
  }));
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 8000);
  force.unref();
  await app.close();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

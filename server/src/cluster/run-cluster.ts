/**
 * `pnpm cluster`: N identical server processes on one machine, on Postgres and Redis, behind a
 * small TCP round-robin balancer on PORT (default 3000). For trying scale-out out; production
 * puts nginx (docs/scale-out.md) in front instead.
 *   CLUSTER_SIZE=3 DATABASE_URL=postgres://… REDIS_URL=redis://… pnpm cluster
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const size = Math.max(1, Number(process.env.CLUSTER_SIZE ?? 3));
const port = Number(process.env.PORT ?? 3000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cityops';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

if (!/^postgres(ql)?:\/\//.test(databaseUrl))
  throw new Error('pnpm cluster needs a Postgres DATABASE_URL: PGlite is one process only');
await ensureDatabase(databaseUrl);

const children: ChildProcess[] = [];
let stopping = false;

/** Start one process and resolve with its port once it prints its banner. */
function startOne(i: number): Promise<number> {
  const backendPort = port + 1 + i;
  const child = spawn(tsx, [main], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      PORT: String(backendPort),
      HOST: '127.0.0.1',
      // One simulator is enough for the whole cluster.
      ...(i > 0 ? { SIMULATOR_RATE: '0' } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children[i] = child;
  return new Promise((resolve, reject) => {
    let banner = '';
    child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      process.stdout.write(text.replace(/^(?=.)/gm, `[${i}] `));
      banner += text;
      if (/live at http/.test(banner)) resolve(backendPort);
    });
    child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`[cluster] process ${i} exited (${code ?? signal}); restarting it in 1 s`);
      setTimeout(() => void startOne(i).catch((err: unknown) => console.error(err)), 1000);
      reject(new Error(`process ${i} exited before it was ready`));
    });
  });
}

// The first process seeds an empty database; the others start once it is ready.
const ports = [await startOne(0)];
ports.push(...(await Promise.all(Array.from({ length: size - 1 }, (_, i) => startOne(i + 1)))));

// Connection-level round robin. Browsers use the websocket transport only, so a socket lives on
// one TCP connection and needs no sticky sessions.
let next = 0;
const balancer = createServer((client: Socket) => {
  const tryBackend = (attempt: number): void => {
    const target = ports[next++ % ports.length]!;
    const upstream = connect(target, '127.0.0.1');
    upstream.once('connect', () => {
      client.pipe(upstream).pipe(client);
    });
    upstream.once('error', () => {
      upstream.destroy();
      if (attempt < ports.length) tryBackend(attempt + 1);
      else client.destroy();
    });
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };
  tryBackend(1);
});
balancer.listen(port, () => {
  console.log(
    `\n  cityops cluster: ${size} processes on ports ${ports.join(', ')} behind http://localhost:${port}`,
  );
  console.log(
    `  database ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}, redis ${new URL(redisUrl).host}; kill one (kill -9) to watch another take over\n`,
  );
});

function shutdown(): void {
  if (stopping) return;
  stopping = true;
  balancer.close();
  for (const c of children) c?.kill('SIGTERM');
  setTimeout(() => process.exit(0), 9000).unref();
  let left = children.length;
  for (const c of children)
    c?.once('exit', () => {
      if (--left === 0) process.exit(0);
    });
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  try {
    const r = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await admin.query(`create database "${name.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
}

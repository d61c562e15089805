import { performance } from 'node:perf_hooks';
import { createServer, type Server as HttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import expressStaticGzip from 'express-static-gzip';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Database } from '@cityops/db';
import type { Config } from './config.ts';
import type { Services } from './context.ts';
import { RegionIndex } from './regions/region-index.ts';
import { errorHandler, notFoundHandler } from './http/errors.ts';
import { identify, requireAuth } from './auth/middleware.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { incidentRoutes } from './routes/incident-routes.ts';
import { open311Routes } from './routes/open311-routes.ts';
import { boardRoutes } from './routes/board-routes.ts';
import { statsRoutes } from './routes/stats-routes.ts';
import { photoRoutes } from './routes/photo-routes.ts';
import { accountRoutes } from './routes/account-routes.ts';
import { DiskPhotoStore, photoDirFor, type PhotoStore } from './photos/photo-store.ts';
import { attachLive, createLiveServer, roomOf, type LiveServer } from './live/hub.ts';
import { disconnectDisplay } from './auth/disconnect-display.ts';
import { Relay } from './live/relay.ts';
import { SlowConsumers } from './live/slow-consumers.ts';
import { SlaClock } from './sla/sla-clock.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createCoordination, type Coordination } from './cluster/coordination.ts';
import { openApiDocument } from './openapi.ts';

export interface AppOptions {
  config: Config;
  database: Database;
  log: Logger;
  /** Injected clock (tests drive time); defaults to the wall clock. */
  now?: () => Date;
  /** Directory of the built web app; served with an SPA fallback when present. */
  webDir?: string;
  /** Where photo bytes go; default a disk store under PHOTO_DIR or DATA_DIR/photos. */
  photoStore?: PhotoStore;
  /**
   * Background work the server's entry point wants and tests leave off: the statistics rollup
   * built up to yesterday, and the city's board snapshot read at start and kept current.
   */
  warm?: boolean;
}

export interface App {
  express: Express;
  http: HttpServer;
  io: LiveServer;
  services: Services;
  relay: Relay;
  sla: SlaClock;
  metrics: Metrics;
  coordination: Coordination;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const DEFAULT_WEB_DIR = resolve(import.meta.dirname, '../../web/build');
/** The relay reads one batch at a time; the second connection saves its cursor meanwhile. */
const RELAY_POOL_SIZE = 2;
/** Socket handshakes, subscribe replays and ticks. */
const LIVE_POOL_SIZE = 2;
/** The board snapshot copies' catch-ups: each copy reads one at a time (see BoardSnapshots). */
const BOARD_SNAPSHOT_POOL_SIZE = 2;
/**
 * Every request's session lookup (one short read): behind the intake in the main pool, a board
 * snapshot's waited 0.8 s under the simulator before its handler ran.
 */
const AUTH_POOL_SIZE = 3;

/** Build the whole server from its dependencies; nothing listens until `listen`. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, database, log } = options;
  const metrics = createMetrics();
  const coordination = await createCoordination({
    config,
    databaseKind: database.kind,
    log,
    onLeaderChange: (leader) => metrics.leader.set(leader ? 1 : 0),
  });
  const regions = await RegionIndex.load(database.db);
  let relay: Relay | null = null;
  const services: Services = {
    db: database.db,
    regions,
    now: options.now ?? (() => new Date()),
    signal: { committed: () => coordination.committed() },
    log,
    utcOffsetMinutes: config.UTC_OFFSET_MINUTES,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
    }),
  );
  const styleOrigin = config.MAP_STYLE_URL ? new URL(config.MAP_STYLE_URL).origin : null;
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'", "'unsafe-inline'"],
          'worker-src': ["'self'", 'blob:'],
          'img-src': ["'self'", 'data:', 'blob:', ...(styleOrigin ? [styleOrigin] : [])],
          'style-src': ["'self'", "'unsafe-inline'"],
          'connect-src': ["'self'", 'ws:', 'wss:', ...(styleOrigin ? [styleOrigin] : [])],
          'font-src': ["'self'", 'data:'],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use((req, res, next) => {
    res.locals['arrivedAt'] = performance.now();
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () =>
      end({
        route: (req.route?.path as string | undefined) ?? (req.baseUrl || 'static'),
        status: String(res.statusCode),
      }),
    );
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await database.ping();
      checks.database = 'ok';
    } catch (err) {
      checks.database = `down: ${(err as Error).message}`;
    }
    Object.assign(checks, await coordination.readiness());
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ ok, checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.get('/api/config', (_req, res) => {
    res.json({
      mapStyleUrl: config.MAP_STYLE_URL ?? null,
      gcj02: config.GCJ02,
      utcOffsetMinutes: config.UTC_OFFSET_MINUTES,
    });
  });

  const authServices: Services = { ...services, db: database.dedicated(AUTH_POOL_SIZE) };
  const api = express.Router();
  api.use(express.json({ limit: '256kb' }));
  api.use(identify(authServices));
  api.use(
    '/auth/login',
    rateLimit({
      // Shared across processes in Redis; when Redis is away, logins pass rather than all fail.
      ...(coordination.rateLimitStore
        ? { store: coordination.rateLimitStore, passOnStoreError: true }
        : {}),
      windowMs: 60_000,
      limit: 10,
      // Per account and address: slows password guessing without locking out a whole office.
      // The body is not validated yet here: only a string username is part of the key.
      keyGenerator: (req) => {
        const u = (req.body as { username?: unknown } | undefined)?.username;
        return `${ipKeyGenerator(req.ip ?? '')}|${typeof u === 'string' ? u : ''}`;
      },
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      message: {
        error: { code: 'rate_limited', message: 'too many login attempts, wait a minute' },
      },
    }),
  );
  api.use(
    authRoutes(services, {
      secureCookies: config.SECURE_COOKIES,
      onDisplayTokenRevoked: (id) => disconnectDisplay(live.nsp, id, log),
    }),
  );
  api.use(requireAuth);
  api.use(
    photoRoutes(
      services,
      options.photoStore ??
        new DiskPhotoStore(
          photoDirFor({
            photoDir: config.PHOTO_DIR,
            dataDir: config.DATA_DIR,
            databaseLocation: database.location,
          }),
        ),
    ),
  );
  api.use(incidentRoutes(services));
  api.use(accountRoutes(services));
  /** Aborted by close(): background work started by routes stops with the app. */
  const closing = new AbortController();
  const warm = options.warm === true;
  api.use(
    boardRoutes(services, {
      warm,
      stop: closing.signal,
      metrics,
      snapshotDb: database.dedicated(BOARD_SNAPSHOT_POOL_SIZE),
    }),
  );
  api.use(statsRoutes(services, { warm, stop: closing.signal }));
  app.use('/api', api);
  app.use(
    '/open311/v2',
    express.json({ limit: '64kb' }),
    identify(authServices),
    requireAuth,
    open311Routes(services),
  );

  const webDir = options.webDir ?? config.WEB_DIR ?? DEFAULT_WEB_DIR;
  if (existsSync(join(webDir, '200.html'))) {
    // The build's .br and .gz copies (adapter-static `precompress`) where the browser takes
    // them: the board's 1.9 MB of code is about a fifth of that in brotli.
    app.use(
      expressStaticGzip(webDir, {
        enableBrotli: true,
        orderPreference: ['br', 'gzip'],
        index: false,
        serveStatic: {
          index: false,
          maxAge: '1h',
          setHeaders: (res, path) => {
            if (path.includes('/_app/immutable/'))
              res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          },
        },
      }),
    );
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.sendFile(join(webDir, '200.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res
        .type('text')
        .send('cityops server is running; the web app is not built (run pnpm build).');
    });
  }
  app.use(notFoundHandler);
  app.use(errorHandler);

  const http = createServer(app);
  const io = createLiveServer(http);
  coordination.attach(io);
  // The live hub and the relay read on pools of their own (Postgres): behind an intake backlog
  // in the main pool every relay read waited for the whole queue, and batches grew to hundreds.
  const live = attachLive(io, { ...services, db: database.dedicated(LIVE_POOL_SIZE) });
  live.nsp.on('connection', (s) => {
    metrics.sockets.inc();
    s.on('disconnect', () => metrics.sockets.dec());
  });
  const slowConsumers = new SlowConsumers({
    nsp: live.nsp,
    maxBacklogBytes: config.LIVE_MAX_BACKLOG_BYTES,
    graceMs: config.LIVE_SLOW_CONSUMER_GRACE_MS,
    log,
    onSlow: (action) =>
      (action === 'resync' ? metrics.slowConsumers : metrics.slowConsumerDisconnects).inc(),
    onCheck: (max) => metrics.liveBacklogMax.set(max),
  });
  slowConsumers.start();
  relay = new Relay({
    db: database.dedicated(RELAY_POOL_SIZE),
    log,
    emit: (code, batch) => live.nsp.to(roomOf(code)).emit('events', { events: batch }),
    onBatch: (batch, timing) => metrics.observeRelayBatch(batch.length, timing),
    canEmit: () => coordination.canBroadcast(),
  });
  const sla = new SlaClock(services, config.SLA_INTERVAL_MS);
  coordination.onCommitted(() => relay?.poke());

  return {
    express: app,
    http,
    io,
    services,
    relay,
    sla,
    metrics,
    coordination,
    async listen(port, host) {
      // Only the leader runs the relay and the SLA clock (always this process when embedded).
      await coordination.start({
        start: async () => {
          await relay.start();
          sla.start();
        },
        stop: async () => {
          sla.stop();
          await relay.stop();
        },
      });
      await new Promise<void>((res, rej) => {
        http.once('error', rej);
        http.listen(port, host, () => res());
      });
      const addr = http.address();
      return typeof addr === 'object' && addr ? addr.port : port;
    },
    async close() {
      closing.abort();
      await relay.stop();
      sla.stop();
      live.stop();
      slowConsumers.stop();
      await new Promise<void>((res) => {
        void io.close(() => res());
      });
      http.closeAllConnections();
      await coordination.close();
    },
  };
}

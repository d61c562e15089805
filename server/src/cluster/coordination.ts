import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import {
  createAdapter as createPubSubAdapter,
  createShardedAdapter,
} from '@socket.io/redis-adapter';
import type { Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { Config } from '../config.ts';
import { LIVE_NAMESPACE } from '@cityops/protocol';
import type { LiveServer } from '../live/hub.ts';
import {
  PostgresLock,
  RedisLease,
  SingleLeader,
  withTimeout,
  type LeaderRole,
  type Leadership,
} from './leader.ts';

/** Session advisory lock id of the leader when Postgres is the only shared service. */
const LEADER_LOCK = 727_003;

/**
 * What a server process shares with its peers. Embedded (no REDIS_URL): nothing, and this
 * process is the leader. With REDIS_URL: the Socket.IO adapter, the leader lease, the login
 * rate limit and a commit signal that wakes the leader's relay, all in Redis.
 */
export interface Coordination {
  readonly mode: 'single' | 'redis' | 'postgres';
  readonly instanceId: string;
  readonly leadership: Leadership;
  /** Store for express-rate-limit; undefined: the in-process default. */
  readonly rateLimitStore: Store | undefined;
  /** Set the Socket.IO adapter (before any socket connects). */
  attach(io: LiveServer): void;
  /** False while broadcasts could not reach the other processes (the relay then holds back). */
  canBroadcast(): boolean;
  /** A commit happened here: wake the leader's relay, wherever it runs. */
  committed(): void;
  /** Called on the leader when any process commits. */
  onCommitted(fn: () => void): void;
  /** `{ redis: 'ok' | 'down: …' }` when Redis is configured; empty otherwise. */
  readiness(): Promise<Record<string, string>>;
  start(role: LeaderRole): Promise<void>;
  close(): Promise<void>;
}

export async function createCoordination(opts: {
  config: Config;
  databaseKind: 'pglite' | 'postgres';
  log: Logger;
  onLeaderChange?: (leader: boolean) => void;
}): Promise<Coordination> {
  const { config, log } = opts;
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  if (!config.REDIS_URL) {
    const leadership =
      opts.databaseKind === 'postgres' && config.DATABASE_URL
        ? new PostgresLock(config.DATABASE_URL, LEADER_LOCK, log, opts.onLeaderChange)
        : new SingleLeader(opts.onLeaderChange);
    return local(instanceId, leadership);
  }
  return redisCoordination({
    ...opts,
    url: config.REDIS_URL,
    prefix: config.REDIS_PREFIX,
    adapter: config.SOCKET_ADAPTER,
    instanceId,
  });
}

function local(instanceId: string, leadership: Leadership): Coordination {
  let wake: (() => void) | null = null;
  return {
    mode: leadership.kind === 'postgres-lock' ? 'postgres' : 'single',
    instanceId,
    leadership,
    rateLimitStore: undefined,
    attach: () => undefined,
    canBroadcast: () => true,
    committed: () => wake?.(),
    onCommitted: (fn) => {
      wake = fn;
    },
    readiness: () => Promise.resolve({}),
    start: (role) => leadership.start(role),
    close: () => leadership.stop(),
  };
}

async function redisCoordination(o: {
  url: string;
  prefix: string;
  adapter: Config['SOCKET_ADAPTER'];
  instanceId: string;
  log: Logger;
  onLeaderChange?: (leader: boolean) => void;
}): Promise<Coordination> {
  const { log, prefix } = o;
  const reconnectStrategy = (retries: number): number => Math.min(100 * 2 ** retries, 1000);
  let onFanoutBack: (() => void) | null = null;
  const errorsOf = (name: string) => {
    let down = false;
    return {
      error: (err: Error) => {
        if (!down)
          log.warn({ err: err.message, client: name }, 'redis connection lost; reconnecting');
        down = true;
      },
      ready: () => {
        if (down) {
          log.info({ client: name }, 'redis connection back');
          if (name === 'fanout') onFanoutBack?.();
        }
        down = false;
      },
    };
  };
  // Commands that must fail fast when Redis is away (lease, rate limit, readiness, signals).
  const control = createClient({
    url: o.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy, connectTimeout: 2000 },
  }) as RedisClientType;
  // The adapter's client queues while disconnected; the relay holds back meanwhile anyway.
  const fanout = createClient({
    url: o.url,
    socket: { reconnectStrategy, connectTimeout: 2000 },
  }) as RedisClientType;
  const signals = fanout.duplicate();
  for (const [name, c] of [
    ['control', control],
    ['fanout', fanout],
    ['signals', signals],
  ] as const) {
    const h = errorsOf(name);
    c.on('error', h.error);
    c.on('ready', h.ready);
  }
  // Startup needs Redis once (the adapter subscribes); later outages are survived.
  await Promise.all([control.connect(), fanout.connect(), signals.connect()]);

  const channel = `${prefix}committed`;
  let wake: (() => void) | null = null;
  await signals.subscribe(channel, () => wake?.());

  const leadership = new RedisLease({
    client: control,
    key: `${prefix}leader`,
    id: o.instanceId,
    log,
    ...(o.onLeaderChange ? { onChange: o.onLeaderChange } : {}),
  });
  let publishing = false;
  let again = false;
  const publish = (): void => {
    if (publishing) {
      again = true;
      return;
    }
    publishing = true;
    control
      .sendCommand(['PUBLISH', channel, '1'])
      .catch(() => undefined) // the leader's poll is the backstop
      .finally(() => {
        publishing = false;
        if (again) {
          again = false;
          publish();
        }
      });
  };

  return {
    mode: 'redis',
    instanceId: o.instanceId,
    leadership,
    rateLimitStore: new RedisStore({
      prefix: `${prefix}rl:login:`,
      sendCommand: (...args: string[]) => control.sendCommand(args) as never,
    }),
    attach(io) {
      // A broadcast in flight when Redis went away may be lost for this process's sockets, and
      // a board drops ids below the last it has: have each board reload its snapshot once.
      onFanoutBack = () =>
        io.of(LIVE_NAMESPACE).local.emit('resync', { reason: 'fanout_interrupted' });
      if (o.adapter === 'streams')
        io.adapter(
          createStreamsAdapter(fanout, { streamName: `${prefix}socket.io`, maxLen: 10_000 }),
        );
      else {
        const sub = fanout.duplicate();
        sub.on('error', () => undefined);
        void sub.connect();
        io.adapter(
          o.adapter === 'sharded'
            ? createShardedAdapter(fanout, sub, { channelPrefix: `${prefix}socket.io` })
            : createPubSubAdapter(fanout, sub, { key: `${prefix}socket.io` }),
        );
      }
    },
    canBroadcast: () => fanout.isReady,
    committed: () => {
      if (leadership.isLeader) wake?.();
      else publish();
    },
    onCommitted: (fn) => {
      wake = fn;
    },
    async readiness() {
      try {
        await withTimeout(control.sendCommand(['PING']), 1000);
        return { redis: fanout.isReady ? 'ok' : 'down: socket fan-out reconnecting' };
      } catch (err) {
        return { redis: `down: ${(err as Error).message}` };
      }
    },
    start: (role) => leadership.start(role),
    async close() {
      await leadership.stop();
      await Promise.all([control, signals, fanout].map((c) => c.close().catch(() => undefined)));
    },
  };
}

import { z } from 'zod';

const bool = z
  .string()
  .optional()
  .transform((v) => v === undefined || !['0', 'false', 'no', 'off'].includes(v.toLowerCase()));

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().optional(),
  /** Postgres: connections in the main pool (intake, actions, reports). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).default(10),
  /** Postgres: how long a request waits for a pool connection before it is answered 503. */
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  DATA_DIR: z.string().default('./data'),
  REDIS_URL: z.string().optional(),
  /** Key prefix in Redis, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().default('cityops:'),
  /** Cross-process Socket.IO adapter with REDIS_URL: Redis Streams (default) or pub/sub. */
  SOCKET_ADAPTER: z.enum(['streams', 'sharded', 'pubsub']).default('streams'),
  DEMO: bool,
  DEMO_PASSWORD: z.string().min(4).default('cityops'),
  DEMO_SCALE: z.enum(['demo', 'full']).default('demo'),
  DEMO_HISTORY: z.coerce.number().int().min(0).default(50_000),
  SIMULATOR_RATE: z.coerce.number().min(0).default(0.5),
  ADMIN_PASSWORD: z.string().optional(),
  UTC_OFFSET_MINUTES: z.coerce.number().int().default(480),
  MAP_STYLE_URL: z.string().optional(),
  GCJ02: z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_DIR: z.string().optional(),
  PHOTO_DIR: z.string().optional(),
  SLA_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  /** A /live socket with more unsent bytes than this is cut off and told to resync. */
  LIVE_MAX_BACKLOG_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** How long such a socket may take to drain before it is disconnected. */
  LIVE_SLOW_CONSUMER_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  SECURE_COOKIES: z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'true'),
});

export type Config = z.infer<typeof Env>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Property-based fuzzing (fast-check) of every write endpoint, the main read queries and the
 * socket's client events, over real HTTP and a real socket: never a 5xx, never an unhandled
 * rejection, and nothing written (rows or photo files) for a rejected input. A default run is
 * the 10,000 cases, weighted per property (PLAN); FUZZ_RUNS=n runs n per property.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { CATEGORIES } from '@cityops/domain';
import {
  checkins,
  displayTokens,
  events,
  idempotencyKeys,
  incidents,
  photos,
  sessions,
} from '@cityops/db';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User, type LiveClient, type Reply } from '../support/api-client.ts';
import { account, pointIn, reportOk, storyGrid } from '../support/fixtures.ts';

/** Cases per property in a default run: 10,000 in all, more where the input space is richer. */
const PLAN = {
  incidents: 1200,
  actions: 1200,
  checkins: 900,
  login: 300,
  socket: 700,
  tokenCreate: 700,
  tokenRevoke: 600,
  open311: 1300,
  photos: 1200,
  logout: 400,
  queries: 1500,
} as const;
type Property = keyof typeof PLAN;
const OVERRIDE = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS);
const runs = (p: Property): number => OVERRIDE ?? PLAN[p];
const TOTAL = (Object.keys(PLAN) as Property[]).reduce((n, p) => n + runs(p), 0);
/** Per-property timeout: generous, as the 2-core CI box is shared. */
const TIMEOUT = 150_000;

let server: TestServer;
let photoDir: string;
let field: User;
let dispatcher: User;
let operator: User;
let admin: User;
let streetOperator: User;
/** The logged-in users by name; a counterexample prints a user as its name. */
const users = new Map<string, User>();
/** One of the named logged-in users. */
const as = (...names: string[]): fc.Arbitrary<User> =>
  fc.constantFrom(...names).map((n) => users.get(n)!);
let target: { id: number; version: number };
/** Display tokens made in setup: one inside the street operator's street, one outside. */
const tokenIds: number[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  photoDir = mkdtempSync(join(tmpdir(), 'cityops-fuzz-photos-'));
  server = await startTestServer({ env: { PHOTO_DIR: photoDir } });
  [field, dispatcher, operator, admin, streetOperator] = (await Promise.all(
    ['field', 'dispatcher', 'operator', 'admin', 'huayuanlu'].map((u) => User.login(server.url, u)),
  )) as [User, User, User, User, User];
  for (const u of [field, dispatcher, operator, admin, streetOperator]) {
    users.set(u.username, u);
    Object.defineProperty(u, fc.toStringMethod, { value: () => u.username });
  }
  target = await reportOk(field, {
    category: 'municipal.sewer_blocked',
    ...pointIn(storyGrid(server)),
    description: 'fuzz target',
  });
  for (const scope of [account(server, 'huayuanlu').scopeCode, storyGrid(server).code]) {
    const r = await operator.post('/api/display-tokens', { label: 'fuzz kiosk', scope });
    expect(r.status).toBe(201);
    tokenIds.push(r.body.id as number);
  }
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.close();
  if (photoDir) rmSync(photoDir, { recursive: true, force: true });
});

/** Files under the photo store, temp files included. */
function photoFiles(): number {
  return readdirSync(photoDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .length;
}

/** Files in the photo store after the last upload case (only uploads write there). */
let photoFilesKnown = 0;

/**
 * Every row a rejected request could have written, counted in one statement. The SLA clock's
 * own events (actor `system`, e.g. a fuzzed deadline passing) are not a request's writes.
 */
async function counts(): Promise<string> {
  const r = (await server.database.db.execute(sql`select
    (select count(*) from ${incidents})::int as incidents,
    (select count(*) from ${events} where ${events.actor} is distinct from 'system')::int as events,
    (select count(*) from ${checkins})::int as checkins,
    (select count(*) from ${idempotencyKeys})::int as keys,
    (select count(*) from ${displayTokens})::int as tokens,
    (select count(*) from ${displayTokens} where ${displayTokens.revokedAt} is not null)::int as revoked,
    (select count(*) from ${sessions})::int as sessions,
    (select count(*) from ${photos})::int as photos`)) as unknown as {
    rows: Record<string, number>[];
  };
  return Object.entries(r.rows[0]!)
    .map(([k, v]) => `${k}=${Number(v)}`)
    .join(' ');
}

/** Values a careless or hostile client sends: wrong types, huge, nested, unicode, near-valid. */
const junk = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: false }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    null,
    '',
    ' ',
    'NaN',
    'Infinity',
    -1,
    0,
    1e308,
    -1e308,
    '<script>',
    '../../etc/passwd',
    "'; drop table incidents; --",
    '\u0000',
    '\ud800',
    '中文',
    '410100',
    { toString: 1 },
    JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    [[[]]],
  ),
  fc.double(),
  fc.integer(),
);
const maybe = <T>(
  a: fc.Arbitrary<T>,
): fc.Arbitrary<T | typeof junk extends fc.Arbitrary<infer J> ? J : never> =>
  fc.oneof(a, junk) as never;

/** ISO times near now, anywhere in years 1–9999, and at and beyond those edges. */
const isoTime = fc.oneof(
  fc
    .integer({ min: -10 * 86_400_000, max: 86_400_000 })
    .map((ms) => new Date(Date.now() + ms).toISOString()),
  fc
    .date({ min: new Date(-62198755200000), max: new Date(253402300799999), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59-14:00',
    '9999-12-31T23:59:59Z',
    '2100-01-01T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2030-01-01T00:00:00.123456789Z',
    '+275760-09-13T00:00:00Z',
  ),
);

/** Header values fetch can send: printable ASCII. */
const headerText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength,
  });

/** Mostly JSON, sometimes a charset or type the JSON parser refuses or skips. */
const jsonContentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/merge-patch+json',
    'text/plain',
    'application/x-www-form-urlencoded',
  ),
);

const categoryCode = fc.constantFrom(
  ...CATEGORIES.slice(0, 6).map((c) => c.code),
  'nope',
  'municipal',
  'municipal.',
  '%',
);

const incidentBody = fc.oneof(
  junk,
  fc.record(
    {
      category: maybe(categoryCode),
      lng: maybe(fc.double({ min: 112, max: 115, noNaN: true })),
      lat: maybe(fc.double({ min: 34, max: 35.5, noNaN: true })),
      description: maybe(fc.string({ maxLength: 2100 })),
      priority: maybe(fc.constantFrom('normal', 'urgent', 'high')),
      source: junk,
      address: junk,
      photos: maybe(
        fc.array(fc.constantFrom('a'.repeat(64), 'g'.repeat(64), ''), { maxLength: 4 }),
      ),
      reporterName: junk,
      reporterPhone: junk,
    },
    { requiredKeys: [] },
  ),
);

const actionBody = fc.oneof(
  junk,
  fc.record(
    {
      action: maybe(
        fc.constantFrom(
          'file',
          'reject',
          'dispatch',
          'sign',
          'return',
          'resolve',
          'verify',
          'close',
          'self_resolve',
          'merge',
          'escalate',
          'request_extension',
          'decide_extension',
          'note',
          'explode',
        ),
      ),
      expectedVersion: maybe(fc.integer({ min: -2, max: 5 })),
      department: maybe(fc.constantFrom('water', 'urban', 'mars')),
      reason: junk,
      note: junk,
      text: junk,
      passed: junk,
      into: junk,
      until: maybe(isoTime),
      approved: junk,
      deadline: maybe(isoTime),
    },
    { requiredKeys: [] },
  ),
);

const checkinBody = fc.oneof(
  junk,
  fc.record(
    {
      lng: maybe(fc.double({ min: 112, max: 115 })),
      lat: maybe(fc.double({ min: 34, max: 35.5 })),
      note: junk,
      at: maybe(isoTime),
      kind: maybe(fc.constantFrom('checkin', 'start', 'end', 'nap')),
    },
    { requiredKeys: [] },
  ),
);

interface Sent {
  status: number;
  body: unknown;
}

/** Send raw bytes or text with the user's cookie; headers given here win over the cookie. */
async function send(
  user: User,
  method: string,
  path: string,
  body: string | Uint8Array<ArrayBuffer> | undefined,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { cookie: user.cookie, ...headers },
    body: body === undefined ? null : body,
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: r.status, body: parsed };
}

const API_ERROR = { error: { code: expect.any(String), message: expect.any(String) } };
/** GeoReport v2's error shape (`[{ code, description }]`), or the API's for a body the parser refused. */
function expectOpen311Error(r: Sent): void {
  if (Array.isArray(r.body))
    expect(r.body[0]).toMatchObject({ code: r.status, description: expect.any(String) });
  else expect(r.body).toMatchObject(API_ERROR);
}

const apiError = (r: Sent): void => {
  expect(r.body).toMatchObject(API_ERROR);
};

/**
 * One request: no 5xx, and a rejected one leaves every table (and for an upload, the photo
 * store's files) as they were, with an error body of the expected shape.
 */
async function rejectedWritesNothing(
  label: string,
  send_: () => Promise<Sent>,
  errorShape: (r: Sent) => void = apiError,
  upload = false,
): Promise<Sent> {
  const before = await counts();
  const r = await send_();
  const what = `${label} → ${r.status} ${JSON.stringify(r.body)?.slice(0, 200)}`;
  expect(r.status, what).toBeLessThan(500);
  if (r.status >= 400) {
    expect(await counts(), `${what} wrote something`).toBe(before);
    errorShape(r);
  }
  if (upload) {
    const files = photoFiles();
    if (r.status >= 400) expect(files, `${what} left a file`).toBe(photoFilesKnown);
    photoFilesKnown = files;
  }
  return r;
}

/** A JSON POST (a string body is sent as is, so it may be malformed JSON). */
function postJson(
  user: User,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  return rejectedWritesNothing(`POST ${path} ${raw.slice(0, 200)}`, () =>
    send(user, 'POST', path, raw, { 'content-type': 'application/json', ...headers }),
  );
}

let ran = 0;
/** Run a property for its planned number of cases, counting the cases that really ran. */
async function property<Ts>(p: Property, prop: fc.IAsyncProperty<Ts>): Promise<void> {
  const details = await fc.check(prop, { numRuns: runs(p) });
  if (details.failed)
    throw new Error(`${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`);
  ran += details.numRuns;
  expect(details.numRuns).toBe(runs(p));
}

// ---------------------------------------------------------------------------------------------
// Photos: real PNG, JPEG and WebP headers of any size, broken in every way.

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, sum]);
}
/** A PNG header claiming `width`×`height`; pixel data only when small enough to be real. */
function png(width: number, height: number, shade: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const real = width <= 200 && height <= 200;
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(real ? width * 3 : 0, shade)]);
  const idat = real ? deflateSync(Buffer.concat(Array.from({ length: height }, () => row))) : row;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
/** A baseline JPEG's markers up to the frame header (what the server reads), then noise. */
function jpeg(width: number, height: number, noise: Uint8Array): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03]);
  sof.writeUInt16BE(height & 0xffff, 5);
  sof.writeUInt16BE(width & 0xffff, 7);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'),
    sof,
    Buffer.from(noise),
    Buffer.from([0xff, 0xd9]),
  ]);
}
/** An extended WebP (VP8X) claiming a canvas of `width`×`height`. */
function webp(width: number, height: number, noise: Uint8Array): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE(Math.max(0, width - 1) & 0xffffff, 4, 3);
  vp8x.writeUIntLE(Math.max(0, height - 1) & 0xffffff, 7, 3);
  const chunk = Buffer.concat([Buffer.from('VP8X'), Buffer.from([10, 0, 0, 0]), vp8x]);
  const body = Buffer.concat([Buffer.from('WEBP'), chunk, Buffer.from(noise)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF'), size, body]);
}

const side = fc.oneof(
  fc.integer({ min: 64, max: 200 }),
  fc.constantFrom(0, 1, 63, 64, 9_999, 10_000, 10_001, 65_535, 2 ** 24, 2 ** 31),
);
const noise = fc.uint8Array({ maxLength: 600 });
const MAGIC = [
  [0xff, 0xd8, 0xff],
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')],
  [...Buffer.from('RIFF\0\0\0\0WEBPVP8L')],
  [...Buffer.from('GIF89a')],
  [...Buffer.from('II*\0')],
  [...Buffer.from('PK\x03\x04')],
  [0x1f, 0x8b, 0x08],
  [...Buffer.from('%PDF-1.4')],
  [...Buffer.from('\0\0\0\x18ftypheic')],
  [...Buffer.from('<svg ')],
];
/** Upload bytes: near-valid images, mutated or cut ones, known magic numbers, pure noise. */
const photoBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(side, side, fc.integer({ min: 0, max: 255 })).map(([w, h, s]) => png(w, h, s)),
  fc.tuple(side, side, noise).map(([w, h, n]) => jpeg(w, h, n)),
  fc.tuple(side, side, noise).map(([w, h, n]) => webp(w, h, n)),
  fc
    .tuple(
      fc.constantFrom(
        png(80, 80, 7),
        jpeg(640, 480, new Uint8Array(64)),
        webp(100, 100, new Uint8Array(8)),
      ),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([base, flips, cut]) => {
      const b = Buffer.from(base);
      for (const [at, v] of flips) b[at % b.length] = v;
      return cut === undefined ? b : b.subarray(0, cut % b.length);
    }),
  fc.tuple(fc.constantFrom(...MAGIC), noise).map(([m, n]) => Buffer.concat([Buffer.from(m), n])),
  noise.map((n) => Buffer.from(n)),
  fc.constant(Buffer.alloc(0)),
);
const photoContentType = fc.oneof(
  fc.constantFrom(
    'image/jpeg',
    'image/png',
    'image/webp',
    'application/octet-stream',
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain; charset=utf-16',
    'image/*',
    '',
  ),
  headerText(60),
);

/** A multipart/form-data upload of `bytes` (the API takes raw bytes only, so it is refused). */
function multipart(bytes: Buffer): { body: Buffer; type: string } {
  const boundary = '----cityopsfuzz';
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  };
}

/** How an upload travels: raw, gzip-encoded, in a multipart form, or with a lying encoding. */
const photoUpload = fc
  .tuple(
    photoBytes,
    photoContentType,
    fc.constantFrom('raw', 'raw', 'raw', 'gzip', 'multipart', 'bad-encoding'),
  )
  .map(([bytes, type, how]): { bytes: Buffer; body: Buffer; headers: Record<string, string> } => {
    if (how === 'gzip')
      return {
        bytes,
        body: gzipSync(bytes),
        headers: { 'content-type': type, 'content-encoding': 'gzip' },
      };
    if (how === 'multipart') {
      const m = multipart(bytes);
      return { bytes: m.body, body: m.body, headers: { 'content-type': m.type } };
    }
    if (how === 'bad-encoding')
      return {
        bytes,
        body: bytes,
        headers: { 'content-type': type, 'content-encoding': 'deflate' },
      };
    return { bytes, body: bytes, headers: { 'content-type': type } };
  });

// ---------------------------------------------------------------------------------------------
// Open311 and the read queries.

/** Stands for the story grid's own coordinate, so that accepted reports are fuzzed too. */
const HERE = '@here';
/** Numbers as a form sends them, and as a careless client does. */
const numberish = (min: number, max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.double({ min, max, noNaN: true }),
    fc.double({ min, max, noNaN: true }).map(String),
    fc.constantFrom('', ' ', '0x22', '1e400', '-0', 'north', '34,7', [34.7], [], true),
    fc.constant(HERE),
  );

const open311Fields = fc.record(
  {
    service_code: maybe(categoryCode),
    lat: numberish(34, 35.5),
    long: numberish(112, 115),
    description: maybe(fc.string({ maxLength: 2100 })),
    address_string: maybe(fc.string({ maxLength: 220 })),
    first_name: maybe(fc.string({ maxLength: 40 })),
    last_name: maybe(fc.string({ maxLength: 40 })),
    phone: maybe(fc.string({ maxLength: 40 })),
    email: junk,
    media_url: junk,
  },
  { requiredKeys: [] },
);

/** The body of an Open311 POST: JSON, a form (repeated keys, bad escapes), or neither. */
const open311Post = fc.oneof(
  fc.tuple(fc.oneof(open311Fields, junk), fc.constant('json' as const)),
  fc.tuple(open311Fields, fc.constant('form' as const)),
  fc.tuple(
    fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })), {
      maxLength: 12,
    }),
    fc.constant('pairs' as const),
  ),
  fc.tuple(fc.string({ maxLength: 300 }), fc.constant('raw-form' as const)),
);

function open311Request(
  input: unknown,
  kind: 'json' | 'form' | 'pairs' | 'raw-form',
  point: { lng: number; lat: number },
): { body: string; type: string } {
  const here = (k: string, v: unknown): unknown =>
    v !== HERE ? v : k === 'lat' ? point.lat : k === 'long' ? point.lng : v;
  if (kind === 'json')
    return { body: JSON.stringify(input ?? null, here), type: 'application/json' };
  const form = 'application/x-www-form-urlencoded';
  if (kind === 'raw-form') return { body: input as string, type: form };
  const params = new URLSearchParams();
  if (kind === 'pairs') for (const [k, v] of input as [string, string][]) params.append(k, v);
  else
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      const value = here(k, v);
      for (const one of Array.isArray(value) ? value : [value])
        params.append(k, typeof one === 'string' ? one : (JSON.stringify(one) ?? ''));
    }
  return { body: params.toString(), type: form };
}

const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    'true',
    'false',
    '0',
    '-1',
    '1e400',
    '99999999999999999999',
    '9223372036854775808',
    '113.6,34.7',
    '9'.repeat(400) + ',1',
    '410100',
    'reported',
    'municipal.sewer_blocked',
    'csv',
    'xlsx',
    'zh',
    '%E4',
    '%00',
  ),
  isoTime,
  fc
    .date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
);
const queryFor = (keys: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .array(fc.tuple(fc.constantFrom(...keys, 'x', '__proto__', 'scope[a]'), queryValue), {
        maxLength: 6,
      })
      .map((pairs) => new URLSearchParams(pairs).toString()),
    // Raw: fetch escapes what a URL cannot hold and leaves bad escapes such as `%zz` as sent.
    headerText(120),
  );
/** The main GET endpoints and the query keys each reads. */
const readQuery = fc.oneof(
  fc.tuple(
    fc.constant('/api/incidents'),
    queryFor([
      'scope',
      'state',
      'category',
      'department',
      'source',
      'overdue',
      'open',
      'near',
      'radius',
      'since',
      'cursor',
      'limit',
    ]),
  ),
  fc.tuple(fc.constant('/api/stats/daily'), queryFor(['date', 'scope', 'format', 'table', 'lang'])),
  fc.tuple(fc.constant('/api/snapshot'), queryFor(['scope'])),
  fc.tuple(
    fc.constant('/open311/v2/requests.json'),
    queryFor(['service_request_id', 'service_code', 'start_date', 'status']),
  ),
);

// ---------------------------------------------------------------------------------------------

describe('fuzzing the write endpoints, read queries and socket events', () => {
  it('plans at least the issue’s 10,000 cases for a default run', () => {
    if (OVERRIDE === undefined) expect(TOTAL).toBeGreaterThanOrEqual(10_000);
    else expect(TOTAL).toBe(OVERRIDE * Object.keys(PLAN).length);
  });

  it(
    'POST /api/incidents: no 5xx, nothing written when rejected',
    async () => {
      await property(
        'incidents',
        fc.asyncProperty(
          incidentBody,
          fc.option(
            fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^[\w.:-]{1,130}$/)),
            { nil: undefined },
          ),
          jsonContentType,
          async (body, key, type) => {
            // Header values must be bytes fetch can send; the server sees the rest as they are.
            const header: Record<string, string> = { 'content-type': type };
            if (key !== undefined) header['Idempotency-Key'] = key.replace(/[^\x20-\x7e]/g, '?');
            await postJson(field, '/api/incidents', body, header);
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /api/incidents/:id/actions: no 5xx, nothing written when rejected',
    async () => {
      await property(
        'actions',
        fc.asyncProperty(
          actionBody,
          fc.oneof(
            fc.constant(String(target.id)),
            fc.constantFrom(
              '0',
              '-1',
              'abc',
              '1e99',
              '99999999',
              '99999999999999999999',
              '%00',
              '%E4',
            ),
          ),
          as('dispatcher', 'field', 'operator'),
          async (body, id, user) => {
            await postJson(user, `/api/incidents/${id}/actions`, body);
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /api/checkins: no 5xx, nothing written when rejected',
    async () => {
      await property(
        'checkins',
        fc.asyncProperty(checkinBody, async (body) => {
          await postJson(field, '/api/checkins', body);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /api/auth/login and malformed JSON: no 5xx, no session for a rejected login',
    async () => {
      const anonymous = new User(server.url, 'anonymous');
      await property(
        'login',
        fc.asyncProperty(
          fc.oneof(
            junk,
            fc.record({ username: junk, password: junk }, { requiredKeys: [] }),
            fc.record({
              username: fc.constantFrom('field', 'admin', 'nobody', ' field '),
              password: fc.oneof(fc.string({ maxLength: 300 }), junk),
            }),
            fc.string({ maxLength: 200 }).map((s) => `{${s}`),
          ),
          async (body) => {
            await postJson(anonymous, '/api/auth/login', body);
            await postJson(field, '/api/incidents', body);
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /api/display-tokens: no 5xx, nothing written when rejected',
    async () => {
      const codes = [
        server.city.grids[0]!.code,
        storyGrid(server).code,
        account(server, 'huayuanlu').scopeCode,
        account(server, 'operator').scopeCode,
      ];
      await property(
        'tokenCreate',
        fc.asyncProperty(
          fc.oneof(
            junk,
            fc.record(
              {
                label: maybe(fc.string({ maxLength: 120 })),
                scope: maybe(
                  fc.oneof(fc.constantFrom(...codes, '', 'nope'), fc.string({ maxLength: 40 })),
                ),
                extra: junk,
              },
              { requiredKeys: [] },
            ),
          ),
          as('operator', 'admin', 'huayuanlu', 'field', 'dispatcher'),
          async (body, user) => {
            const r = await postJson(user, '/api/display-tokens', body);
            if (r.status === 201)
              expect(r.body).toMatchObject({ token: expect.stringMatching(/^dt_/) });
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'DELETE /api/display-tokens/:id: no 5xx, nothing revoked when rejected',
    async () => {
      await property(
        'tokenRevoke',
        fc.asyncProperty(
          fc.oneof(
            fc.constantFrom(...tokenIds.map(String)),
            fc.integer({ min: -5, max: 1_000_000 }).map(String),
            fc.constantFrom(
              '0',
              '1e3',
              '0x1',
              '1.5',
              ' 1',
              '9007199254740992',
              '99999999999999999999',
              '%E4',
              '%00',
              '%2e%2e',
              'null',
            ),
            fc.string({ maxLength: 30 }).map(encodeURIComponent),
          ),
          as('operator', 'admin', 'huayuanlu', 'field', 'dispatcher'),
          fc.option(junk, { nil: undefined }),
          async (id, user, body) => {
            await rejectedWritesNothing(`DELETE token ${id}`, () =>
              send(
                user,
                'DELETE',
                `/api/display-tokens/${id}`,
                body === undefined ? undefined : JSON.stringify(body ?? null),
                body === undefined ? {} : { 'content-type': 'application/json' },
              ),
            );
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /open311/v2/requests.json, JSON and form-encoded: no 5xx, nothing written when rejected',
    async () => {
      const point = pointIn(storyGrid(server));
      await property(
        'open311',
        fc.asyncProperty(
          open311Post,
          fc.option(fc.stringMatching(/^[\w.:-]{0,20}$/), { nil: undefined }),
          as('field', 'field', 'dispatcher', 'operator'),
          async ([input, kind], key, user) => {
            const { body, type } = open311Request(input, kind, point);
            const headers: Record<string, string> = { 'content-type': type };
            if (key !== undefined) headers['Idempotency-Key'] = key;
            const r = await rejectedWritesNothing(
              `open311 ${kind} ${body.slice(0, 200)}`,
              () => send(user, 'POST', '/open311/v2/requests.json', body, headers),
              expectOpen311Error,
            );
            if (r.status < 300)
              expect((r.body as { service_request_id: string }[])[0]?.service_request_id).toMatch(
                /^\d+$/,
              );
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /api/photos: no 5xx, no file and no row for a rejected upload',
    async () => {
      await property(
        'photos',
        fc.asyncProperty(
          photoUpload,
          as('field', 'field', 'dispatcher', 'operator'),
          async (upload, user) => {
            const r = await rejectedWritesNothing(
              `photo ${upload.headers['content-type']} ${upload.headers['content-encoding'] ?? ''} ${upload.body.length} B ${upload.body.subarray(0, 24).toString('hex')}`,
              () => send(user, 'POST', '/api/photos', new Uint8Array(upload.body), upload.headers),
              apiError,
              true,
            );
            if (r.status < 300) {
              // Accepted: stored under the hash of the bytes as decoded, file and row both.
              const sha = createHash('sha256').update(upload.bytes).digest('hex');
              expect(r.body).toMatchObject({ sha256: sha });
              expect(existsSync(join(photoDir, sha.slice(0, 2), sha))).toBe(true);
            }
          },
        ),
      );
    },
    TIMEOUT,
  );

  it('POST /api/photos at and past the size limit: 413 or an answer, nothing stored', async () => {
    const max = 8 * 1024 * 1024;
    for (const [bytes, type] of [
      [Buffer.alloc(max + 1, 0x41), 'image/jpeg'],
      [Buffer.concat([png(64, 64, 1), Buffer.alloc(max - 200)]), 'image/png'],
      [
        Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(256 * 1024)]),
        'image/jpeg',
      ],
    ] as const) {
      await rejectedWritesNothing(
        `photo of ${bytes.length} B`,
        () => send(field, 'POST', '/api/photos', new Uint8Array(bytes), { 'content-type': type }),
        apiError,
        true,
      );
    }
  });

  it(
    'POST /api/auth/logout with any cookie, token or body: no 5xx, and no session ended',
    async () => {
      const anonymous = new User(server.url, 'anonymous');
      await property(
        'logout',
        fc.asyncProperty(
          fc.record(
            {
              cookie: fc.oneof(
                headerText(120),
                headerText(60).map((s) => `cityops_session=${s}`),
                headerText(60).map((s) => `cityops_session=${encodeURIComponent(s)}; x=%E4`),
              ),
              authorization: fc.oneof(
                headerText(80),
                headerText(60).map((s) => `Bearer dt_${s}`),
              ),
            },
            { requiredKeys: [] },
          ),
          fc.option(junk, { nil: undefined }),
          async (headers, body) => {
            const before = await counts();
            const r = await send(
              anonymous,
              'POST',
              '/api/auth/logout',
              body === undefined ? undefined : JSON.stringify(body ?? null),
              { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
            );
            expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
            if (r.status >= 400) expect(r.body).toMatchObject(API_ERROR);
            expect(await counts()).toBe(before);
          },
        ),
      );
      // The fuzzed users are still logged in, and a real logout still ends its own session.
      expect((await field.get('/api/auth/me')).status).toBe(200);
      const leader = await User.login(server.url, 'leader');
      expect((await leader.post('/api/auth/logout')).status).toBe(204);
      expect((await leader.get('/api/auth/me')).status).toBe(401);
    },
    TIMEOUT,
  );

  it(
    'GET query strings of the main read endpoints: never a 5xx',
    async () => {
      await property(
        'queries',
        fc.asyncProperty(
          readQuery,
          as('operator', 'huayuanlu', 'field'),
          async ([path, query], user) => {
            const r: Reply = await user.call('GET', `${path}?${query}`);
            expect(
              r.status,
              `${path}?${query} → ${JSON.stringify(r.body)?.slice(0, 200)}`,
            ).toBeLessThan(500);
            if (r.status >= 400) {
              if (path.startsWith('/open311')) expectOpen311Error(r);
              else expect(r.body).toMatchObject(API_ERROR);
            }
          },
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'socket subscribe and unknown events with any payload: an ack or nothing, never a crash',
    async () => {
      const sock: LiveClient = operator.socket();
      await sock.connected();
      try {
        await property(
          'socket',
          fc.asyncProperty(
            fc.oneof(
              junk,
              fc.record(
                { scope: maybe(fc.constantFrom('410100', storyGrid(server).code)), since: junk },
                { requiredKeys: [] },
              ),
            ),
            fc.constantFrom(
              'subscribe',
              'subscribe',
              'unsubscribe',
              'events',
              'constructor',
              '__proto__',
            ),
            async (payload, name) => {
              if (name === 'subscribe') {
                const ack = (await sock.socket
                  .timeout(5000)
                  .emitWithAck('subscribe', payload as never)) as { ok: boolean; error?: string };
                expect(typeof ack.ok).toBe('boolean');
                if (!ack.ok) expect(typeof ack.error).toBe('string');
              } else {
                (sock.socket.emit as (n: string, p: unknown) => void)(name, payload);
              }
              expect(sock.socket.connected).toBe(true);
            },
          ),
        );
        // Still serving: a valid subscribe works after all that.
        expect(await sock.subscribe('410100')).toMatchObject({ ok: true });
      } finally {
        sock.close();
      }
    },
    TIMEOUT,
  );

  it('the 5xx the fuzzer found are 4xx now, and wrote nothing', async () => {
    const point = pointIn(storyGrid(server));
    const found: [User, string, Record<string, unknown>, string][] = [
      [field, '/api/checkins', { ...point, at: '0000-01-01T00:00:00Z' }, 'at'],
      [field, '/api/checkins', { ...point, at: '0001-01-01T00:00:00+01:00' }, 'at'],
      // Accepted, it made year 1 the start of the statistics' history: every daily report 500ed.
      [field, '/api/checkins', { ...point, at: '0001-01-01T00:00:00Z' }, 'at'],
      [
        dispatcher,
        `/api/incidents/${target.id}/actions`,
        { action: 'dispatch', department: 'water', deadline: '9999-12-31T23:59:59-14:00' },
        'deadline',
      ],
      [
        dispatcher,
        `/api/incidents/${target.id}/actions`,
        { action: 'request_extension', until: '9999-12-31T23:59:59-14:00', reason: 'x' },
        'until',
      ],
    ];
    for (const [user, path, body, fieldName] of found) {
      const r = await postJson(user, path, { expectedVersion: target.version, ...body });
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(422);
      expect(Object.keys((r.body as { error: { fields: object } }).error.fields)).toContain(
        fieldName,
      );
    }
    for (const path of [
      '/api/incidents?cursor=99999999999999999999',
      '/api/incidents?cursor=1e21',
      '/api/incidents?since=0000-01-01T00:00:00Z',
      '/api/incidents?since=9999-12-31T23:59:59-14:00',
      '/open311/v2/requests.json?service_request_id=99999999999999999999',
      '/open311/v2/requests.json?start_date=0000-01-01T00:00:00Z',
    ]) {
      expect((await operator.get(path)).status, path).toBe(422);
    }
    expect((await operator.get('/api/stats/daily')).status).toBe(200);
  });

  it('a login whose username cannot be String()ed is refused, not a 500', async () => {
    const r = await postJson(new User(server.url, 'anonymous'), '/api/auth/login', {
      username: { toString: 1 },
      password: 'x',
    });
    // 429 when the login property above used up this address's attempts: both are refusals.
    expect([422, 429]).toContain(r.status);
    expect(r.body).toMatchObject(API_ERROR);
  });

  it('a daily report or a trend before 1970 is a 422 naming the date', async () => {
    const daily = await operator.get('/api/stats/daily?date=0001-01-01');
    expect(daily.status).toBe(422);
    expect(daily.body.error.fields).toHaveProperty('date');
    const range = await operator.get('/api/stats/range?from=0001-01-01&to=0001-01-10');
    expect(range.status).toBe(422);
    expect(range.body.error.fields).toHaveProperty('from');
  });

  it('no unhandled rejection in the whole run, and every planned case ran', () => {
    expect(unhandled).toEqual([]);
    expect(ran).toBe(TOTAL);
  });
});

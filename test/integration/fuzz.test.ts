/**
 * Property-based fuzzing (fast-check) of every write endpoint and the socket's client events,
 * over real HTTP and a real socket: never a 5xx, never an unhandled rejection, and nothing
 * written for a rejected input. FUZZ_RUNS (cases per property, default 250; 2,000 gives the
 * 10,000 cases of the full run) sizes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { checkins, events, incidents, idempotencyKeys } from '@cityops/db';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User, type LiveClient } from '../support/api-client.ts';
import { pointIn, reportOk, storyGrid } from '../support/fixtures.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
let server: TestServer;
let field: User;
let dispatcher: User;
let operator: User;
let target: { id: number; version: number };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startTestServer();
  [field, dispatcher, operator] = (await Promise.all(
    ['field', 'dispatcher', 'operator'].map((u) => User.login(server.url, u)),
  )) as [User, User, User];
  target = await reportOk(field, {
    category: 'municipal.sewer_blocked',
    ...pointIn(storyGrid(server)),
    description: 'fuzz target',
  });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.close();
});

async function counts(): Promise<string> {
  const n = async (
    t: typeof incidents | typeof events | typeof checkins | typeof idempotencyKeys,
  ): Promise<number> => {
    const [r] = await server.database.db.select({ n: sql<number>`count(*)::int` }).from(t);
    return Number(r!.n);
  };
  return [await n(incidents), await n(events), await n(checkins), await n(idempotencyKeys)].join(
    '/',
  );
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
    '中文',
    '410100',
  ),
  fc.double(),
  fc.integer(),
);
const maybe = <T>(
  a: fc.Arbitrary<T>,
): fc.Arbitrary<T | typeof junk extends fc.Arbitrary<infer J> ? J : never> =>
  fc.oneof(a, junk) as never;

const incidentBody = fc.oneof(
  junk,
  fc.record(
    {
      category: maybe(
        fc.constantFrom(
          'municipal.sewer_blocked',
          'safety.ebike_indoor_charging',
          'nope',
          'municipal',
        ),
      ),
      lng: maybe(fc.double({ min: 112, max: 115, noNaN: true })),
      lat: maybe(fc.double({ min: 34, max: 35.5, noNaN: true })),
      description: maybe(fc.string({ maxLength: 2100 })),
      priority: maybe(fc.constantFrom('normal', 'urgent', 'high')),
      source: junk,
      address: junk,
      photos: junk,
      reporterName: junk,
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
      until: junk,
      approved: junk,
      deadline: junk,
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
      at: junk,
      kind: junk,
    },
    { requiredKeys: [] },
  ),
);

/** One HTTP case: no 5xx, and a rejected request leaves every table as it was. */
async function httpCase(
  user: User,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  const before = await counts();
  const raw = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  const r = await user.call('POST', path, raw, { 'content-type': 'application/json', ...headers });
  expect(
    r.status,
    `${path} ${raw.slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`,
  ).toBeLessThan(500);
  if (r.status >= 400) {
    expect(await counts(), `${path} ${raw.slice(0, 200)} → ${r.status} wrote something`).toBe(
      before,
    );
    expect(r.body).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  }
}

describe('fuzzing the write endpoints and socket events', () => {
  it('POST /api/incidents: no 5xx, nothing written when rejected', async () => {
    await fc.assert(
      fc.asyncProperty(
        incidentBody,
        fc.option(fc.string({ maxLength: 140 }), { nil: undefined }),
        async (body, key) => {
          await httpCase(
            field,
            '/api/incidents',
            body,
            key === undefined ? {} : { 'Idempotency-Key': key },
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /api/incidents/:id/actions: no 5xx, nothing written when rejected', async () => {
    await fc.assert(
      fc.asyncProperty(
        actionBody,
        fc.oneof(
          fc.constant(String(target.id)),
          fc.constantFrom('0', '-1', 'abc', '1e99', '99999999', '%00'),
        ),
        async (body, id) => {
          await httpCase(dispatcher, `/api/incidents/${id}/actions`, body);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /api/checkins: no 5xx, nothing written when rejected', async () => {
    await fc.assert(
      fc.asyncProperty(checkinBody, async (body) => {
        await httpCase(field, '/api/checkins', body);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /api/auth/login and malformed JSON: no 5xx', async () => {
    const anonymous = new User(server.url, 'anonymous');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          junk,
          fc.record({ username: junk, password: junk }, { requiredKeys: [] }),
          fc.string({ maxLength: 200 }).map((s) => `{${s}`),
        ),
        async (body) => {
          const raw =
            typeof body === 'string' && body.startsWith('{') ? body : JSON.stringify(body ?? null);
          const r = await anonymous.call('POST', '/api/auth/login', raw, {
            'content-type': 'application/json',
          });
          expect(r.status, `login ${raw.slice(0, 200)} → ${r.status}`).toBeLessThan(500);
          const bad = await field.call('POST', '/api/incidents', raw, {
            'content-type': 'application/json',
          });
          expect(bad.status).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('socket subscribe and unknown events with any payload: an ack or nothing, never a crash', async () => {
    const sock: LiveClient = operator.socket();
    await sock.connected();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(junk, fc.record({ scope: junk, since: junk }, { requiredKeys: [] })),
          fc.constantFrom('subscribe', 'unsubscribe', 'events', 'constructor', '__proto__'),
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
        { numRuns: RUNS },
      );
      // Still serving: a valid subscribe works after all that.
      expect(await sock.subscribe('410100')).toMatchObject({ ok: true });
    } finally {
      sock.close();
    }
    expect(unhandled).toEqual([]);
  });
});

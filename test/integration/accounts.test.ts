/**
 * Accounts, managed by an admin over real HTTP: a new account can log in and sees only its
 * scope; bad input is a 422 naming the field with nothing written; changes are audited as
 * events that no board ever receives; deactivating an account ends its sessions at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { events, users } from '@cityops/db';
import type { AccountDto } from '@cityops/protocol';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import { gridsWithin, pointIn, uniqueText } from '../support/fixtures.ts';

let server: TestServer;
let admin: User;
let street: { code: string; name: string };
let otherStreet: { code: string };

beforeAll(async () => {
  server = await startTestServer();
  admin = await User.login(server.url, 'admin');
  const huayuanlu = server.city.streets.find((s) => s.name === '花园路街道')!;
  street = { code: huayuanlu.code, name: huayuanlu.name };
  otherStreet = server.city.streets.find((s) => s.code !== huayuanlu.code)!;
});
afterAll(async () => {
  await server?.close();
});

async function counts(): Promise<{ users: number; events: number }> {
  const [u] = await server.database.db.select({ n: sql<number>`count(*)::int` }).from(users);
  const [e] = await server.database.db.select({ n: sql<number>`count(*)::int` }).from(events);
  return { users: Number(u!.n), events: Number(e!.n) };
}

const username = (): string => `acct-${Math.random().toString(36).slice(2, 10)}`;

describe('accounts', () => {
  it('an admin creates a street dispatcher, who logs in and sees only that street', async () => {
    const name = username();
    const created = await admin.post<AccountDto>('/api/accounts', {
      username: name,
      displayName: '新派遣员',
      password: 'a-long-password',
      role: 'dispatcher',
      scope: street.code,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: name,
      role: 'dispatcher',
      scope: { code: street.code, name: street.name },
      active: true,
    });
    expect(JSON.stringify(created.body)).not.toContain('passwordHash');

    const dispatcher = await User.login(server.url, name, 'a-long-password');
    const me = await dispatcher.get('/api/auth/me');
    expect(me.body.scope.code).toBe(street.code);
    const inside = await dispatcher.get(`/api/snapshot?scope=${street.code}`);
    expect(inside.status).toBe(200);
    const outside = await dispatcher.get(`/api/snapshot?scope=${otherStreet.code}`);
    expect(outside.status).toBe(403);

    const listed = await admin.get<AccountDto[]>('/api/accounts');
    expect(listed.body.map((a) => a.username)).toContain(name);
  });

  it('writes the audit event with the change, without the password, and no board receives it', async () => {
    const board = admin.socket();
    const city = server.city.city.code;
    await board.subscribe(city);
    const name = username();
    const created = await admin.post<AccountDto>('/api/accounts', {
      username: name,
      displayName: '审计测试',
      password: 'secret-password-1',
      role: 'operator',
      scope: street.code,
    });
    expect(created.status).toBe(201);
    const rows = await server.database.db
      .select()
      .from(events)
      .where(eq(events.type, 'account.created'))
      .orderBy(events.id);
    const mine = rows.filter(
      (r) => (r.data as { after: { username: string } }).after.username === name,
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]!.actor).toBe('admin');
    expect(mine[0]!.path).toBe('');
    expect(JSON.stringify(mine[0]!.data)).not.toContain('secret-password-1');
    expect(JSON.stringify(mine[0]!.data)).not.toMatch(/argon2/);
    // A report after it: once the board has that, it has seen everything committed before.
    const reporter = await User.login(server.url, 'dispatcher');
    const grid = gridsWithin(server, street.code)[0]!;
    const reported = await reporter.post('/api/incidents', {
      category: 'municipal.sewer_blocked',
      ...pointIn(grid),
      description: uniqueText('审计之后'),
    });
    expect(reported.status).toBe(201);
    await board.waitFor((applied) => applied.some((e) => e.incidentId === reported.body.id));
    expect(board.raw.filter((e) => e.type.startsWith('account.'))).toEqual([]);
    board.close();
  });

  it('refuses bad input with a 422 naming the field, and writes nothing', async () => {
    const before = await counts();
    const cases: [Record<string, unknown>, string][] = [
      [{ displayName: 'x', password: 'long-enough', role: 'dispatcher' }, 'username'],
      [
        { username: 'Bad Name', displayName: 'x', password: 'long-enough', role: 'leader' },
        'username',
      ],
      [{ username: username(), displayName: 'x', password: 'short', role: 'leader' }, 'password'],
      [{ username: username(), displayName: 'x', password: 'long-enough', role: 'mayor' }, 'role'],
      [{ username: username(), displayName: 'x', password: 'long-enough', role: 'field' }, 'grid'],
      [
        {
          username: username(),
          displayName: 'x',
          password: 'long-enough',
          role: 'field',
          grid: street.code,
        },
        'grid',
      ],
      [
        { username: username(), displayName: 'x', password: 'long-enough', role: 'department' },
        'department',
      ],
      [
        {
          username: username(),
          displayName: 'x',
          password: 'long-enough',
          role: 'department',
          department: 'no-such-department',
        },
        'department',
      ],
      [
        {
          username: username(),
          displayName: 'x',
          password: 'long-enough',
          role: 'leader',
          scope: '999999',
        },
        'scope',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await admin.post('/api/accounts', body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(r.body.error.fields), JSON.stringify(body)).toContain(field);
    }
    const dup = await admin.post('/api/accounts', {
      username: 'dispatcher',
      displayName: 'x',
      password: 'long-enough',
      role: 'dispatcher',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.fields).toHaveProperty('username');
    expect(await counts()).toEqual(before);
  });

  it('places grid workers in their grid and handlers in their department', async () => {
    const grid = gridsWithin(server, street.code)[1]!;
    const worker = await admin.post<AccountDto>('/api/accounts', {
      username: username(),
      displayName: '新网格员',
      password: 'long-enough',
      role: 'field',
      grid: grid.code,
    });
    expect(worker.status).toBe(201);
    expect(worker.body).toMatchObject({ grid: grid.code, scope: { code: grid.code } });
    const handler = await admin.post<AccountDto>('/api/accounts', {
      username: username(),
      displayName: '新处置员',
      password: 'long-enough',
      role: 'department',
      department: 'water',
    });
    expect(handler.status).toBe(201);
    expect(handler.body).toMatchObject({
      department: 'water',
      scope: { code: server.city.city.code },
    });
  });

  it('only an admin manages accounts', async () => {
    for (const name of ['dispatcher', 'operator', 'leader', 'field']) {
      const u = await User.login(server.url, name);
      expect((await u.get('/api/accounts')).status).toBe(403);
      expect(
        (
          await u.post('/api/accounts', {
            username: username(),
            displayName: 'x',
            password: 'long-enough',
            role: 'admin',
          })
        ).status,
      ).toBe(403);
    }
  });

  it('deactivating an account ends its sessions at once; a reset password replaces the old one', async () => {
    const name = username();
    const created = await admin.post<AccountDto>('/api/accounts', {
      username: name,
      displayName: '临时账号',
      password: 'first-password',
      role: 'leader',
    });
    const leader = await User.login(server.url, name, 'first-password');
    expect((await leader.get('/api/auth/me')).status).toBe(200);

    const reset = await admin.call('PATCH', `/api/accounts/${created.body.id}`, {
      password: 'second-password',
    });
    expect(reset.status).toBe(200);
    expect((await leader.get('/api/auth/me')).status).toBe(401);
    await expect(User.login(server.url, name, 'first-password')).rejects.toThrow(/401/);
    const again = await User.login(server.url, name, 'second-password');

    const off = await admin.call<AccountDto>('PATCH', `/api/accounts/${created.body.id}`, {
      active: false,
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await again.get('/api/auth/me')).status).toBe(401);
    await expect(User.login(server.url, name, 'second-password')).rejects.toThrow(/401/);

    const updates = await server.database.db
      .select()
      .from(events)
      .where(eq(events.type, 'account.updated'));
    const last = updates.at(-1)!.data as {
      before: { active: boolean };
      after: { active: boolean };
    };
    expect(last.before.active).toBe(true);
    expect(last.after.active).toBe(false);
  });

  it('an admin cannot lock themselves out', async () => {
    const me = (await admin.get<AccountDto[]>('/api/accounts')).body.find(
      (a) => a.username === 'admin',
    )!;
    const r = await admin.call('PATCH', `/api/accounts/${me.id}`, { active: false });
    expect(r.status).toBe(422);
    expect(r.body.error.fields).toHaveProperty('active');
    expect((await admin.get('/api/auth/me')).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { encodePath, findCategory } from '@cityops/domain';
import { incidents } from '@cityops/db';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import {
  actOk,
  eventRowsOf,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

const SEWER = 'municipal.sewer_blocked';
const MIN = 60_000;
const HOUR = 60 * MIN;
// The clock only moves when a test calls tick(): its own timer is set far beyond the test.
const ENV = { SLA_INTERVAL_MS: String(24 * HOUR) };

let server: TestServer;
let restarted: TestServer | undefined;
let field: User;
let dispatcher: User;
let operator: User;

beforeAll(async () => {
  server = await startTestServer({ env: ENV });
  [field, dispatcher, operator] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'operator'),
  ]);
});
afterAll(async () => {
  await restarted?.close();
  await server?.close();
});

const at = (base: Date, ms: number): Date => new Date(base.getTime() + ms);

/** Report in the story grid and dispatch it to water at `now`; returns the dispatched incident. */
async function dispatchedAt(now: Date, priority: 'normal' | 'urgent' = 'normal'): Promise<any> {
  server.setNow(now);
  const i = await reportOk(field, {
    category: SEWER,
    ...pointIn(storyGrid(server)),
    description: uniqueText('时限测试'),
    priority,
  });
  await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
  return actOk(dispatcher, i.id, { action: 'dispatch', department: 'water', expectedVersion: 2 });
}

async function typesOf(id: number): Promise<string[]> {
  return (await eventRowsOf(server.database.db, id)).map((e) => e.type);
}

async function rowOf(id: number): Promise<typeof incidents.$inferSelect> {
  const [row] = await server.database.db.select().from(incidents).where(eq(incidents.id, id));
  return row!;
}

const count = (types: string[], type: string): number => types.filter((t) => t === type).length;

describe('the SLA clock', () => {
  it('sends the reminder (催办) once, inside the window deadline − min(2 h, window/4)', async () => {
    const t0 = new Date();
    const i = await dispatchedAt(t0);
    const hours = findCategory(SEWER)!.deadlineHours;
    const deadline = at(t0, hours * HOUR);
    expect(Date.parse(i.deadline)).toBe(deadline.getTime());
    const lead = Math.min(2 * HOUR, (hours * HOUR) / 4);
    const remindAt = at(deadline, -lead);

    server.setNow(at(remindAt, -MIN));
    await server.app.sla.tick();
    expect(count(await typesOf(i.id), 'incident.reminded')).toBe(0);
    expect((await rowOf(i.id)).reminded).toBe(false);

    server.setNow(at(remindAt, MIN));
    await server.app.sla.tick();
    const after = await eventRowsOf(server.database.db, i.id);
    expect(
      count(
        after.map((e) => e.type),
        'incident.reminded',
      ),
    ).toBe(1);
    expect(after.at(-1)).toMatchObject({ type: 'incident.reminded', actor: 'system' });
    const row = await rowOf(i.id);
    expect(row.reminded).toBe(true);
    expect(row.overdue).toBe(false);
    expect(row.version).toBe(4);

    await server.app.sla.tick();
    server.setNow(at(deadline, -MIN));
    await server.app.sla.tick();
    expect(count(await typesOf(i.id), 'incident.reminded')).toBe(1);
    expect((await rowOf(i.id)).version).toBe(4);
  });

  it('a short (urgent) window is reminded a quarter of the window before its deadline, not two hours', async () => {
    const t0 = new Date();
    const i = await dispatchedAt(t0, 'urgent');
    const window = findCategory(SEWER)!.urgentDeadlineHours * HOUR;
    const deadline = at(t0, window);
    expect(Date.parse(i.deadline)).toBe(deadline.getTime());
    const lead = Math.min(2 * HOUR, window / 4);
    expect(lead).toBeLessThan(2 * HOUR); // otherwise this case proves nothing beyond the first

    server.setNow(at(deadline, -2 * HOUR + MIN));
    await server.app.sla.tick();
    server.setNow(at(deadline, -lead - MIN));
    await server.app.sla.tick();
    expect(count(await typesOf(i.id), 'incident.reminded')).toBe(0);

    server.setNow(at(deadline, -lead + MIN));
    await server.app.sla.tick();
    await server.app.sla.tick();
    expect(count(await typesOf(i.id), 'incident.reminded')).toBe(1);
  });

  it('a page of not-yet-due reminders with earlier deadlines does not starve a due one', async () => {
    const t0 = new Date();
    const victim = await dispatchedAt(t0);
    const hours = findCategory(SEWER)!.deadlineHours;
    const deadline = at(t0, hours * HOUR);
    // Half an hour inside the victim's reminder window.
    const now = at(deadline, -Math.min(2 * HOUR, (hours * HOUR) / 4) + 30 * MIN);
    server.setNow(now);
    // Many one-hour jobs dispatched just now: their deadlines come first, their reminders are
    // 15 minutes before them, so none is due yet. (Written directly: only their rows matter.)
    const grid = storyGrid(server);
    const shortDeadline = at(now, HOUR);
    expect(shortDeadline.getTime()).toBeLessThan(deadline.getTime());
    const filler = await server.database.db
      .insert(incidents)
      .values(
        Array.from({ length: 250 }, (_, k) => ({
          state: 'dispatched' as const,
          version: 3,
          categoryCode: SEWER,
          priority: 'urgent' as const,
          source: 'grid' as const,
          description: `一小时时限 ${k}`,
          lng: grid.center[0],
          lat: grid.center[1],
          gridCode: grid.code,
          path: encodePath(grid.path),
          departmentCode: 'water',
          deadline: shortDeadline,
          reportedAt: now,
          filedAt: now,
          dispatchedAt: now,
          updatedAt: now,
        })),
      )
      .returning({ id: incidents.id });
    try {
      await server.app.sla.tick();
      expect(count(await typesOf(victim.id), 'incident.reminded')).toBe(1);
      expect((await rowOf(victim.id)).reminded).toBe(true);
      const early = await server.database.db
        .select({ reminded: incidents.reminded })
        .from(incidents)
        .where(
          inArray(
            incidents.id,
            filler.map((f) => f.id),
          ),
        );
      expect(early.every((r) => !r.reminded)).toBe(true);
    } finally {
      await server.database.db.delete(incidents).where(
        inArray(
          incidents.id,
          filler.map((f) => f.id),
        ),
      );
    }
  });

  it('marks an overdue incident once (overdue + escalated), pushes it to a subscribed socket, and not again after a restart', async () => {
    const t0 = new Date();
    const i = await dispatchedAt(t0);
    const deadline = new Date(i.deadline);
    const street = i.path[2] as string;
    const board = operator.socket();
    try {
      expect((await board.subscribe(street)).ok).toBe(true);

      // A minute before the deadline: inside the reminder window, not yet overdue.
      server.setNow(at(deadline, -MIN));
      await server.app.sla.tick();
      expect(count(await typesOf(i.id), 'incident.overdue')).toBe(0);
      expect(count(await typesOf(i.id), 'incident.reminded')).toBe(1);

      server.setNow(at(deadline, MIN));
      const result = await server.app.sla.tick();
      expect(result.overdue).toBeGreaterThanOrEqual(1);
      const types = await typesOf(i.id);
      expect(count(types, 'incident.overdue')).toBe(1);
      const row = await rowOf(i.id);
      expect(row.overdue).toBe(true);
      expect(row.escalated).toBe(true);
      expect(row.state).toBe('dispatched');
      const overdueVersion = row.version;

      // The board learns of it from the socket alone.
      await board.waitFor(
        (evs) => evs.some((e) => e.incidentId === i.id && e.type === 'incident.overdue'),
        3000,
      );
      const ev = board.applied.find((e) => e.incidentId === i.id && e.type === 'incident.overdue')!;
      expect(ev.actor).toBe('system');
      expect(ev.scope).toEqual(i.path);
      const seen = await field.get(`/api/incidents/${i.id}`);
      expect(seen.body.overdue).toBe(true);
      expect(seen.body.escalated).toBe(true);

      await server.app.sla.tick();
      server.setNow(at(deadline, 2 * HOUR));
      await server.app.sla.tick();
      expect(count(await typesOf(i.id), 'incident.overdue')).toBe(1);
      // The ladder climbed once each: the reminder before the deadline, then overdue, nothing more.
      const ladder = (await typesOf(i.id)).filter(
        (t) => t === 'incident.reminded' || t === 'incident.overdue',
      );
      expect(ladder).toEqual(['incident.reminded', 'incident.overdue']);
      expect((await rowOf(i.id)).version).toBe(overdueVersion);

      // Restart: a new app over the same database, its clock later still.
      await server.closeApp();
      restarted = await startTestServer({ env: ENV, reuse: server });
      restarted.setNow(at(deadline, 3 * HOUR));
      await restarted.app.sla.tick();
      expect(count(await typesOf(i.id), 'incident.overdue')).toBe(1);
      expect((await rowOf(i.id)).version).toBe(overdueVersion);

      // ...and the restarted clock does mark new work that falls due.
      const d2 = await User.login(restarted.url, 'dispatcher');
      const fresh = await reportOk(d2, {
        category: SEWER,
        ...pointIn(storyGrid(server)),
        description: uniqueText('重启后'),
      });
      restarted.setNow(new Date(Date.parse(fresh.deadline) + MIN));
      await restarted.app.sla.tick();
      await restarted.app.sla.tick();
      expect(count(await typesOf(fresh.id), 'incident.overdue')).toBe(1);
      expect(count(await typesOf(i.id), 'incident.overdue')).toBe(1);
    } finally {
      board.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';
import {
  actOk,
  gridsWithin,
  pointIn,
  reportOk,
  storyGrid,
  uniqueText,
} from '../support/fixtures.ts';

const SEWER = 'municipal.sewer_blocked';
const GARBAGE = 'sanitation.exposed_garbage';
const HOUR = 3_600_000;

let server: TestServer;
let field: User;
let dispatcher: User;
let minghu: User;
let leader: User;

beforeAll(async () => {
  server = await startTestServer();
  [field, dispatcher, minghu, leader] = await Promise.all([
    User.login(server.url, 'field'),
    User.login(server.url, 'dispatcher'),
    User.login(server.url, 'minghu'),
    User.login(server.url, 'leader'),
  ]);
});
afterAll(async () => {
  server.setNow(null);
  await server?.close();
});

/** A point `metres` north of the story grid's centre. */
function northOf(metres: number): { lng: number; lat: number } {
  const p = pointIn(storyGrid(server));
  return { lng: p.lng, lat: p.lat + metres / 111_320 };
}

describe('likely duplicates: GET /api/incidents/:id/nearby', () => {
  it('lists open incidents of the same category within 200 m and 72 h, nearest first, and nothing else', async () => {
    const t0 = new Date('2026-03-02T02:00:00Z');
    server.setNow(t0);
    const base = await reportOk(field, {
      category: SEWER,
      ...northOf(0),
      description: uniqueText('下水道堵塞'),
    });
    const near = await reportOk(field, {
      category: SEWER,
      ...northOf(60),
      description: uniqueText('同一处下水道'),
    });
    const nearer = await reportOk(field, {
      category: SEWER,
      ...northOf(20),
      description: uniqueText('又一条'),
    });
    const otherCategory = await reportOk(field, {
      category: GARBAGE,
      ...northOf(10),
      description: uniqueText('垃圾'),
    });
    // Far away: 400 m north, well outside the radius (maybe another grid: report as a dispatcher).
    const far = await reportOk(dispatcher, {
      category: SEWER,
      ...northOf(400),
      description: uniqueText('远处'),
    });
    const closed = await reportOk(field, {
      category: SEWER,
      ...northOf(30),
      description: uniqueText('已自办'),
    });
    await actOk(field, closed.id, { action: 'self_resolve', note: '现场疏通', expectedVersion: 1 });
    // Reported four days later: outside the 72 h window.
    server.setNow(new Date(t0.getTime() + 96 * HOUR));
    const late = await reportOk(field, {
      category: SEWER,
      ...northOf(5),
      description: uniqueText('四天后'),
    });
    server.setNow(t0);

    const r = await dispatcher.get(`/api/incidents/${base.id}/nearby`);
    expect(r.status).toBe(200);
    const ids = r.body.items.map((i: { id: number }) => i.id);
    expect(ids).toEqual([nearer.id, near.id]);
    expect(ids).not.toContain(otherCategory.id);
    expect(ids).not.toContain(far.id);
    expect(ids).not.toContain(closed.id);
    expect(ids).not.toContain(late.id);
    expect(ids).not.toContain(base.id);
    const [first, second] = r.body.items;
    expect(first.distanceMetres).toBeGreaterThanOrEqual(15);
    expect(first.distanceMetres).toBeLessThanOrEqual(25);
    expect(second.distanceMetres).toBeGreaterThanOrEqual(55);
    expect(second.distanceMetres).toBeLessThanOrEqual(65);
    expect(first.version).toBe(1);

    // Merging one of them removes it from the list.
    await actOk(dispatcher, nearer.id, { action: 'merge', into: base.id, expectedVersion: 1 });
    const after = await dispatcher.get(`/api/incidents/${base.id}/nearby`);
    expect(after.body.items.map((i: { id: number }) => i.id)).toEqual([near.id]);
  });

  it('is 404 outside the caller’s region and for unknown ids, 422 for a bad id', async () => {
    const street = storyGrid(server).path[2]!;
    const elsewhere = server.city.grids.find((g) => !g.path.includes(street))!;
    const outside = await reportOk(dispatcher, {
      category: SEWER,
      ...pointIn(elsewhere),
      description: uniqueText('别的街道'),
    });
    expect((await minghu.get(`/api/incidents/${outside.id}/nearby`)).status).toBe(404);
    expect((await dispatcher.get(`/api/incidents/${outside.id}/nearby`)).status).toBe(200);
    expect((await dispatcher.get('/api/incidents/99999999/nearby')).status).toBe(404);
    const bad = await dispatcher.get('/api/incidents/abc/nearby');
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields).toHaveProperty('id');
  });
});

describe("the leaders' overdue list: GET /api/incidents?overdue=true", () => {
  it('lists an incident once the SLA clock has marked it overdue', async () => {
    const t0 = new Date('2026-03-10T02:00:00Z');
    server.setNow(t0);
    const grid = gridsWithin(server, storyGrid(server).path[1]!)[3]!;
    const i = await reportOk(dispatcher, {
      category: SEWER,
      ...pointIn(grid),
      description: uniqueText('超期'),
    });
    await actOk(dispatcher, i.id, { action: 'file', expectedVersion: 1 });
    await actOk(dispatcher, i.id, { action: 'dispatch', department: 'water', expectedVersion: 2 });
    const before = await leader.get('/api/incidents?overdue=true&limit=500');
    expect(before.body.items.map((x: { id: number }) => x.id)).not.toContain(i.id);
    server.setNow(new Date(t0.getTime() + 25 * HOUR));
    await server.app.sla.tick();
    const listed = await leader.get('/api/incidents?overdue=true&limit=500');
    expect(listed.status).toBe(200);
    const row = listed.body.items.find((x: { id: number }) => x.id === i.id);
    expect(row).toMatchObject({ overdue: true, escalated: true, state: 'dispatched' });
  });
});

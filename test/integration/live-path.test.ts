import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { User } from '../support/api-client.ts';

let server: TestServer;
let field: User;

beforeAll(async () => {
  server = await startTestServer();
  field = await User.login(server.url, 'field');
});
afterAll(async () => {
  await server?.close();
});

function storyPoint(): { lng: number; lat: number; grid: string; street: string } {
  const me = server.city.grids.find(
    (g) => g.code === server.seeded.accounts.find((a) => a.username === 'field')!.gridCode,
  )!;
  return { lng: me.center[0], lat: me.center[1], grid: me.code, street: me.path[2]! };
}

describe('live path: a report reaches a subscribed socket', () => {
  it('delivers incident.reported to a socket subscribed to the street, and nothing to another street', async () => {
    const op = await User.login(server.url, 'operator');
    const p = storyPoint();
    const other = server.city.streets.find((s) => s.code !== p.street)!;
    const mine = op.socket();
    const theirs = op.socket();
    try {
      expect((await mine.subscribe(p.street)).ok).toBe(true);
      expect((await theirs.subscribe(other.code)).ok).toBe(true);
      const r = await field.post('/api/incidents', {
        category: 'municipal.sewer_blocked',
        lng: p.lng,
        lat: p.lat,
        description: '十字路口下水道堵塞',
      });
      expect(r.status).toBe(201);
      await mine.waitFor((evs) =>
        evs.some((e) => e.incidentId === r.body.id && e.type === 'incident.reported'),
      );
      const ev = mine.applied.find((e) => e.incidentId === r.body.id)!;
      expect(ev.scope).toEqual(r.body.path);
      expect(ev.scope).toContain(p.street);
      // Give the other socket time to receive anything it should not.
      await new Promise((res) => setTimeout(res, 300));
      expect(theirs.raw.filter((e) => e.incidentId === r.body.id)).toEqual([]);
    } finally {
      mine.close();
      theirs.close();
    }
  });
});

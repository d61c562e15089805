import { eq, sql } from 'drizzle-orm';
import { pointInGeometry } from '@cityops/domain';
import { events, incidents, type Db } from '@cityops/db';
import type { CityRegion, DemoAccount } from '@cityops/seed';
import type { TestServer } from './test-server.ts';
import type { Reply, User } from './api-client.ts';

/** A demo account by username (fails loudly when the seed no longer has it). */
export function account(server: TestServer, username: string): DemoAccount {
  const a = server.seeded.accounts.find((x) => x.username === username);
  if (!a) throw new Error(`demo account ${username} is missing from the seed`);
  return a;
}

export function gridByCode(server: TestServer, code: string): CityRegion {
  const g = server.city.grids.find((x) => x.code === code);
  if (!g) throw new Error(`grid ${code} is not in the city`);
  return g;
}

/** The grid of the `field` account (the story grid). */
export function storyGrid(server: TestServer): CityRegion {
  return gridByCode(server, account(server, 'field').gridCode!);
}

/**
 * The grid that contains a point, found by testing every grid polygon of the generated city:
 * an oracle independent of the server's spatial index.
 */
export function gridContaining(
  server: TestServer,
  lng: number,
  lat: number,
): CityRegion | undefined {
  return server.city.grids.find((g) => pointInGeometry(lng, lat, g.geometry));
}

/** Grids of the city whose path passes through `code` (a district, street, ...), in city order. */
export function gridsWithin(server: TestServer, code: string): CityRegion[] {
  return server.city.grids.filter((g) => g.path.includes(code));
}

/** A point inside a grid (its centre, checked against the polygon). */
export function pointIn(grid: CityRegion): { lng: number; lat: number } {
  const [lng, lat] = grid.center;
  if (!pointInGeometry(lng, lat, grid.geometry))
    throw new Error(`centre of grid ${grid.code} is outside its polygon`);
  return { lng, lat };
}

/** Rows in `incidents` and `events`, counted in the database itself. */
export async function countRows(db: Db): Promise<{ incidents: number; events: number }> {
  const [i] = await db.select({ n: sql<number>`count(*)::int` }).from(incidents);
  const [e] = await db.select({ n: sql<number>`count(*)::int` }).from(events);
  return { incidents: Number(i!.n), events: Number(e!.n) };
}

/** Event rows of one incident, straight from the database, in id order. */
export async function eventRowsOf(
  db: Db,
  incidentId: number,
): Promise<{ id: number; type: string; actor: string | null }[]> {
  return db
    .select({ id: events.id, type: events.type, actor: events.actor })
    .from(events)
    .where(eq(events.incidentId, incidentId))
    .orderBy(events.id);
}

let seq = 0;
/** A description no other test uses, so rows can be found by it. */
export function uniqueText(prefix = '测试事件'): string {
  seq += 1;
  return `${prefix} ${process.pid}-${Date.now()}-${seq}`;
}

/** POST an action on an incident. */
export function act(user: User, id: number, body: Record<string, unknown>): Promise<Reply<any>> {
  return user.post(`/api/incidents/${id}/actions`, body);
}

/** POST an action and insist on 200; returns the new incident. */
export async function actOk(user: User, id: number, body: Record<string, unknown>): Promise<any> {
  const r = await act(user, id, body);
  if (r.status !== 200)
    throw new Error(
      `${user.username} ${String(body.action)} on ${id}: ${r.status} ${JSON.stringify(r.body)}`,
    );
  return r.body;
}

/** Report an incident and insist on 201; returns the incident. */
export async function reportOk(
  user: User,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
): Promise<any> {
  const r = await user.post('/api/incidents', body, headers);
  if (r.status !== 201)
    throw new Error(`${user.username} report: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

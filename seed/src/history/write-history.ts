/**
 * Writes the demo history: incidents (final state), their events and today's check-ins, with
 * ids in time order so that event id order is event time order, as the relay and stats expect.
 */
import { checkins, events, incidents, type Db, type DbOrTx } from '@cityops/db';
import type { City } from '../city/index.ts';
import { bulkInsert, withoutIndexes } from './bulk-insert.ts';
import { generateHistory, type HistoryUsers } from './generate-history.ts';

export interface HistoryOptions {
  /** Drizzle database (PGlite or Postgres). Its events table must hold nothing newer than the history. */
  db: Db;
  city: City;
  /** The history ends here; incidents reported today up to now are included. */
  now: Date;
  /** Whole local days before today (default 30). */
  days?: number;
  /** Incidents over the whole period (default 50,000). */
  incidents?: number;
  /** PRNG seed (default 20260722). */
  seed?: number;
  users: HistoryUsers;
  /** City local time for hour-of-day patterns (default 480, Asia/Shanghai). */
  utcOffsetMinutes?: number;
}

export interface HistoryCounts {
  incidents: number;
  events: number;
  checkins: number;
}

/**
 * Generates the history in memory and writes it in one transaction, the secondary indexes
 * rebuilt once at the end. Meant for a fresh database: ids continue after any existing rows.
 */
export async function writeHistory(opts: HistoryOptions): Promise<HistoryCounts> {
  const { db } = opts;
  const firstIncidentId = (await maxId(db, 'incidents')) + 1;
  const firstEventId = (await maxId(db, 'events')) + 1;
  const firstCheckinId = (await maxId(db, 'checkins')) + 1;
  const history = generateHistory({
    city: opts.city,
    now: opts.now,
    days: opts.days ?? 30,
    incidents: opts.incidents ?? 50_000,
    seed: opts.seed ?? 20260722,
    users: opts.users,
    utcOffsetMinutes: opts.utcOffsetMinutes ?? 480,
    firstIncidentId,
  });

  // Rebuilding an index sorts the whole table: cheaper than row-by-row upkeep only while the
  // table is small next to what goes in (not when a history is added to in chunks).
  const adding = {
    incidents: [firstIncidentId, history.incidents.length],
    events: [firstEventId, history.events.length],
    checkins: [firstCheckinId, history.checkins.length],
  } as const;
  const rebuilt = Object.entries(adding)
    .filter(([, [firstId, n]]) => firstId - 1 < n)
    .map(([table]) => table);
  await db.transaction(async (tx) => {
    await withoutIndexes(tx, rebuilt, async () => {
      await bulkInsert(tx, incidents, history.incidents, (row) => row);
      await bulkInsert(tx, events, history.events, (e, i) => ({
        id: firstEventId + i,
        type: e.type,
        at: new Date(e.t),
        actor: e.actor,
        path: e.path,
        incidentId: e.incidentId,
        data: e.data,
      }));
      await bulkInsert(tx, checkins, history.checkins, (c, i) => ({
        ...c,
        id: firstCheckinId + i,
      }));
    });
    for (const table of ['incidents', 'events', 'checkins']) {
      await tx.execute(
        `select setval(pg_get_serial_sequence('${table}', 'id'), max(id)) from ${table} having count(*) > 0`,
      );
    }
  });
  // Statistics for what was just written, as after any bulk load. Without them Postgres plans
  // "the newest incidents in a state" as a sort of the whole state until autovacuum comes by
  // (19–20 ms at p50 under the wallboard bench's load, against a backward index scan).
  await db.execute('analyze incidents, events, checkins');
  return {
    incidents: history.incidents.length,
    events: history.events.length,
    checkins: history.checkins.length,
  };
}

async function maxId(db: DbOrTx, table: 'incidents' | 'events' | 'checkins'): Promise<number> {
  const result = (await db.execute(
    `select coalesce(max(id), 0)::text as max from ${table}`,
  )) as unknown as {
    rows: { max: string }[];
  };
  return Number(result.rows[0]?.max ?? 0);
}

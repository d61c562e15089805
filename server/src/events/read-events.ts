import { and, asc, gt, like, lte, sql } from 'drizzle-orm';
import { events, type DbOrTx } from '@cityops/db';
import type { Event } from '@cityops/protocol';
import { toWire } from './append-event.ts';

/** The highest committed event id (ids commit in order: see appendEvent). */
export async function maxEventId(db: DbOrTx): Promise<number> {
  const [m] = await db
    .select({ max: sql<number>`coalesce(max(${events.id}), 0)::bigint` })
    .from(events);
  return Number(m?.max ?? 0);
}

/**
 * The events with ids in (after, upTo] under `prefix` (an encoded path with its `%`), in id
 * order: what a reader that has seen `after` missed. At most `limit` of them when given.
 */
export async function eventsBetween(
  db: DbOrTx,
  range: { after: number; upTo: number; prefix: string; limit?: number },
): Promise<Event[]> {
  const q = db
    .select()
    .from(events)
    .where(
      and(gt(events.id, range.after), lte(events.id, range.upTo), like(events.path, range.prefix)),
    )
    .orderBy(asc(events.id));
  const rows = await (range.limit === undefined ? q : q.limit(range.limit));
  return rows.map(toWire);
}

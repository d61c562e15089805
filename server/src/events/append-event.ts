import { sql } from 'drizzle-orm';
import { encodePath } from '@cityops/domain';
import { events, type Tx } from '@cityops/db';
import type { Event, EventType } from '@cityops/protocol';

/**
 * Every event writer takes this transaction-scoped lock, so event ids commit in id order.
 * Not 727_002: the stats builder's lock had that key, so building a day stopped all intake.
 */
const EVENT_ORDER_LOCK = 727_004;

export interface NewEvent {
  type: EventType;
  at: Date;
  actor: string | null;
  scope: readonly string[];
  incidentId: number | null;
  data: Record<string, unknown>;
}

/**
 * Append an event inside the caller's transaction, as its last statement. The advisory lock
 * makes id order equal commit order, so a reader that has seen id N has seen every event
 * below N: the relay and replay can tail by id without gaps. The lock is held until COMMIT,
 * so it is taken in the same statement as the insert: one round trip, then the commit.
 */
export async function appendEvent(tx: Tx, e: NewEvent): Promise<Event> {
  const path = encodePath(e.scope);
  const result = (await tx.execute(sql`
    with ordered as (select pg_advisory_xact_lock(${EVENT_ORDER_LOCK}::bigint))
    insert into ${events} (type, at, actor, path, incident_id, data)
    select ${e.type}::text, ${e.at.toISOString()}::timestamptz, ${e.actor}::text, ${path}::text,
      ${e.incidentId}::bigint, ${JSON.stringify(e.data)}::jsonb
    from ordered
    returning id`)) as unknown as { rows: { id: number | string | bigint }[] };
  return toWire({
    id: Number(result.rows[0]!.id),
    type: e.type,
    at: e.at,
    actor: e.actor,
    path,
    incidentId: e.incidentId,
    data: e.data,
  });
}

export function toWire(row: {
  id: number;
  type: string;
  at: Date;
  actor: string | null;
  path: string;
  incidentId: number | null;
  data: Record<string, unknown>;
}): Event {
  const ev: Event = {
    id: row.id,
    type: row.type as EventType,
    at: row.at.toISOString(),
    scope: row.path.split('/').filter(Boolean),
    data: row.data,
  };
  if (row.actor) ev.actor = row.actor;
  if (row.incidentId !== null) ev.incidentId = row.incidentId;
  return ev;
}

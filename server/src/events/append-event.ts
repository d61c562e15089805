import { sql } from 'drizzle-orm';
import { encodePath } from '@cityops/domain';
import { events, type Tx } from '@cityops/db';
import type { Event, EventType } from '@cityops/protocol';

/** Every event writer takes this transaction-scoped lock, so event ids commit in id order. */
const EVENT_ORDER_LOCK = 727_002;

export interface NewEvent {
  type: EventType;
  at: Date;
  actor: string | null;
  scope: readonly string[];
  incidentId: number | null;
  data: Record<string, unknown>;
}

/**
 * Append an event inside the caller's transaction. The advisory lock makes id order equal
 * commit order, so a reader that has seen id N has seen every event below N: the relay and
 * replay can tail by id without gaps.
 */
export async function appendEvent(tx: Tx, e: NewEvent): Promise<Event> {
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`);
  const [row] = await tx
    .insert(events)
    .values({
      type: e.type,
      at: e.at,
      actor: e.actor,
      path: encodePath(e.scope),
      incidentId: e.incidentId,
      data: e.data,
    })
    .returning({ id: events.id });
  return toWire({
    id: row!.id,
    type: e.type,
    at: e.at,
    actor: e.actor,
    path: encodePath(e.scope),
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

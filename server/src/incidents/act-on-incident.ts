import { and, desc, eq, sql } from 'drizzle-orm';
import {
  findCategory,
  findDepartment,
  isOpen,
  isStreetOfficeCode,
  transition,
  type Actor,
} from '@cityops/domain';
import { ActionRequest, type IncidentDto } from '@cityops/protocol';
import { departments, events, incidents, type Tx } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { HttpError, badRequest, conflict, forbidden, notFound, parse } from '../http/errors.ts';
import { canSee } from '../auth/scope.ts';
import { appendEvent } from '../events/append-event.ts';
import { actorOf, coreToColumns, toCore, toDto, type IncidentRow } from './incident-row.ts';

const ACTION_WORDS: Record<string, string> = {
  'incident.reported': 'reported',
  'incident.filed': 'filed',
  'incident.rejected': 'rejected',
  'incident.dispatched': 'dispatched',
  'incident.signed': 'signed for',
  'incident.returned': 'returned',
  'incident.resolved': 'resolved',
  'incident.verified': 'verified',
  'incident.reworked': 'sent back for rework',
  'incident.closed': 'closed',
  'incident.escalated': 'escalated',
  'incident.overdue': 'marked overdue',
  'incident.merged': 'merged',
  'incident.extension_requested': 'asked to extend',
  'incident.extension_decided': 'decided the extension of',
  'incident.reminded': 'reminded about',
  'incident.noted': 'added a note to',
};

async function lockIncident(tx: Tx, id: number): Promise<IncidentRow | undefined> {
  const rows = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
  return rows[0];
}

async function lastChange(tx: Tx, id: number): Promise<string> {
  const [e] = await tx
    .select({ type: events.type, actor: events.actor, at: events.at })
    .from(events)
    .where(eq(events.incidentId, id))
    .orderBy(desc(events.id))
    .limit(1);
  if (!e) return '';
  return ` ${e.actor ?? 'someone'} ${ACTION_WORDS[e.type] ?? e.type} it at ${e.at.toISOString()}.`;
}

async function departmentExists(tx: Tx, code: string): Promise<boolean> {
  if (!isStreetOfficeCode(code) && findDepartment(code)) return true;
  const rows = await tx
    .select({ code: departments.code })
    .from(departments)
    .where(eq(departments.code, code));
  return rows.length > 0;
}

/**
 * Run one workflow action with optimistic concurrency: the row is locked, its version must
 * equal `expectedVersion`, the domain decides, and the row change and its event commit
 * together. A stale version is a 409 carrying the current incident and who changed it.
 */
export async function actOnIncident({
  ctx,
  id,
  input,
}: {
  ctx: Ctx;
  id: number;
  input: unknown;
}): Promise<IncidentDto> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user') throw forbidden('display tokens are read-only');
  const req = parse(ActionRequest, input, 'action');
  const actor: Actor = actorOf(principal);
  const now = svc.now();

  const result = await svc.db.transaction(async (tx) => {
    const row = await lockIncident(tx, id);
    if (!row || !canSee(svc.regions, principal, toDto(row).path)) throw notFound(`incident ${id}`);
    if (row.version !== req.expectedVersion) {
      throw conflict(
        `incident ${id} has changed since you loaded it (you had version ${req.expectedVersion}, it is now ${row.version}).${await lastChange(tx, id)}`,
        toDto(row),
      );
    }
    const category = findCategory(row.categoryCode);
    if (!category) throw new Error(`incident ${id} has unknown category ${row.categoryCode}`);

    const { expectedVersion: _v, ...action } = req;
    let deptOk = true;
    if (action.action === 'dispatch') deptOk = await departmentExists(tx, action.department);
    if (action.action === 'merge') {
      const [target] = await tx.select().from(incidents).where(eq(incidents.id, action.into));
      if (!target || !canSee(svc.regions, principal, toDto(target).path)) {
        throw badRequest(`incident ${action.into} not found`, { into: 'no such incident' });
      }
      if (!isOpen(target.state) && target.id !== id) {
        throw badRequest(`incident ${action.into} is ${target.state}`, {
          into: 'merge into an open incident',
        });
      }
    }
    const r = transition(toCore(row), action, {
      actor,
      now,
      category,
      departmentExists: () => deptOk,
    });
    if (!r.ok) {
      if (r.code === 'forbidden') throw forbidden(r.message);
      if (r.code === 'invalid') throw badRequest(r.message, { [r.field]: r.message });
      throw new HttpError(409, 'illegal_transition', r.message, undefined, { current: toDto(row) });
    }
    const [updated] = await tx
      .update(incidents)
      .set(coreToColumns(r.incident, now))
      .where(and(eq(incidents.id, id), eq(incidents.version, row.version)))
      .returning();
    if (!updated) throw conflict(`incident ${id} changed concurrently`, toDto(row));
    await appendEvent(tx, {
      type: r.event.type,
      at: now,
      actor: actor.username,
      scope: toDto(updated).path,
      incidentId: id,
      data: r.event.data,
    });
    return toDto(updated);
  });
  svc.signal.committed();
  return result;
}

/** Count of incidents, for tests and health. */
export async function countIncidents(tx: Tx): Promise<number> {
  const [r] = await tx.select({ n: sql<number>`count(*)::int` }).from(incidents);
  return r?.n ?? 0;
}

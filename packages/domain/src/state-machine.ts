/**
 * The one incident state machine (GB/T 30428 workflow). Every transition, human or system,
 * goes through `transition`; it returns the next incident and the event to write with it,
 * or why it cannot happen. Pure: no I/O, the caller passes the clock.
 */
import type { Category } from './categories.ts';
import { deadlineFrom, isOverdueAt, isReminderDue } from './deadlines.ts';
import type { IncidentCore, IncidentState } from './incident.ts';
import { isOpen } from './incident.ts';
import type { Role } from './roles.ts';

export type Action =
  | { action: 'file'; note?: string }
  | { action: 'reject'; reason: string }
  | { action: 'dispatch'; department: string; deadline?: string; note?: string }
  | { action: 'sign' }
  | { action: 'return'; reason: string }
  | { action: 'resolve'; note: string; photos?: string[] }
  | { action: 'verify'; passed: boolean; note: string; photos?: string[] }
  | { action: 'close'; note?: string }
  | { action: 'self_resolve'; note: string }
  | { action: 'merge'; into: number }
  | { action: 'escalate'; note: string }
  | { action: 'request_extension'; until: string; reason: string }
  | { action: 'decide_extension'; approved: boolean; note?: string }
  | { action: 'note'; text: string };

export type ActionName = Action['action'];

/** Transitions only the server's clock makes. */
export type SystemAction = { action: 'mark_overdue' } | { action: 'remind' };

export const ACTION_NAMES = [
  'file',
  'reject',
  'dispatch',
  'sign',
  'return',
  'resolve',
  'verify',
  'close',
  'self_resolve',
  'merge',
  'escalate',
  'request_extension',
  'decide_extension',
  'note',
] as const satisfies readonly ActionName[];

export const INCIDENT_EVENT_TYPES = [
  'incident.reported',
  'incident.filed',
  'incident.rejected',
  'incident.dispatched',
  'incident.signed',
  'incident.returned',
  'incident.resolved',
  'incident.verified',
  'incident.reworked',
  'incident.closed',
  'incident.escalated',
  'incident.overdue',
  'incident.merged',
  'incident.extension_requested',
  'incident.extension_decided',
  'incident.reminded',
  'incident.noted',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

export interface Actor {
  role: Role | 'system';
  username: string;
  department: string | null;
  grid: string | null;
  userId: number | null;
}

export const SYSTEM_ACTOR: Actor = {
  role: 'system',
  username: 'system',
  department: null,
  grid: null,
  userId: null,
};

export interface TransitionContext {
  actor: Actor;
  now: Date;
  category: Category;
  /** Codes of departments that exist; dispatch to anything else is invalid. */
  departmentExists: (code: string) => boolean;
}

export type TransitionFailure =
  | { ok: false; code: 'illegal_transition'; message: string }
  | { ok: false; code: 'forbidden'; message: string }
  | { ok: false; code: 'invalid'; message: string; field: string };

export interface TransitionSuccess {
  ok: true;
  incident: IncidentCore;
  event: { type: IncidentEventType; data: Record<string, unknown> };
}

export type TransitionResult = TransitionSuccess | TransitionFailure;

/** Which roles may take each action (admin may take any). */
export const ACTION_ROLES: Record<ActionName, readonly Role[]> = {
  file: ['dispatcher'],
  reject: ['dispatcher'],
  dispatch: ['dispatcher'],
  merge: ['dispatcher'],
  close: ['dispatcher'],
  decide_extension: ['dispatcher'],
  escalate: ['dispatcher', 'leader'],
  sign: ['department'],
  return: ['department'],
  resolve: ['department'],
  request_extension: ['department'],
  verify: ['field', 'dispatcher'],
  self_resolve: ['field'],
  note: ['dispatcher', 'department', 'field', 'leader'],
};

/** States each action may start from. */
export const ACTION_FROM: Record<ActionName, readonly IncidentState[]> = {
  file: ['reported'],
  reject: ['reported', 'filed'],
  merge: ['reported', 'filed'],
  dispatch: ['filed'],
  sign: ['dispatched'],
  return: ['dispatched', 'in_progress'],
  resolve: ['in_progress'],
  verify: ['resolved'],
  close: ['resolved'],
  self_resolve: ['reported'],
  escalate: ['reported', 'filed', 'dispatched', 'in_progress', 'resolved'],
  request_extension: ['dispatched', 'in_progress'],
  decide_extension: ['dispatched', 'in_progress'],
  note: ['reported', 'filed', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed'],
};

/** The actions a given actor could take on an incident now (for buttons and shortcuts). */
export function availableActions(incident: IncidentCore, actor: Actor): ActionName[] {
  return ACTION_NAMES.filter(
    (name) => blocked(incident, name) === null && authorise(incident, name, actor) === null,
  );
}

/**
 * Why the incident's state rules out the action now, or null. Beyond ACTION_FROM, an extension
 * can be asked for only once at a time and not when overdue, and decided only when pending.
 */
function blocked(incident: IncidentCore, name: ActionName): string | null {
  const cannot = `cannot ${name} an incident that is ${incident.state}`;
  if (!ACTION_FROM[name].includes(incident.state)) return cannot;
  if (name === 'request_extension' && incident.extension) {
    return `${cannot}: an extension request is already pending`;
  }
  if (name === 'request_extension' && incident.overdue) {
    return `${cannot}: an overdue incident cannot ask for an extension`;
  }
  if (name === 'decide_extension' && !incident.extension) {
    return `${cannot}: there is no pending extension request`;
  }
  return null;
}

function fail(code: 'illegal_transition' | 'forbidden', message: string): TransitionFailure {
  return { ok: false, code, message };
}

function invalid(field: string, message: string): TransitionFailure {
  return { ok: false, code: 'invalid', field, message };
}

/** Role and ownership checks; region scope is checked by the caller before this. */
function authorise(incident: IncidentCore, name: ActionName, actor: Actor): string | null {
  if (actor.role === 'system') return null;
  if (actor.role === 'admin') return null;
  if (!ACTION_ROLES[name].includes(actor.role)) return `role ${actor.role} may not ${name}`;
  if (
    actor.role === 'department' &&
    name !== 'note' &&
    (actor.department === null || incident.department !== actor.department)
  ) {
    return `incident is assigned to ${incident.department ?? 'no department'}, not ${actor.department ?? 'you'}`;
  }
  if (
    actor.role === 'field' &&
    (name === 'verify' || name === 'self_resolve') &&
    actor.grid !== incident.gridCode
  ) {
    return `incident is in grid ${incident.gridCode}, not your grid ${actor.grid ?? '(none)'}`;
  }
  return null;
}

type Patch = Partial<IncidentCore>;

/** Record of the fields a transition changed, before and after. */
function diff(before: IncidentCore, patch: Patch): { before: Patch; after: Patch } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    const old = (before as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(old) !== JSON.stringify(v)) {
      b[k] = old;
      a[k] = v;
    }
  }
  return { before: b as Patch, after: a as Patch };
}

function success(
  incident: IncidentCore,
  patch: Patch,
  type: IncidentEventType,
  action: string,
  params: Record<string, unknown> = {},
): TransitionSuccess {
  const next: IncidentCore = { ...incident, ...patch, version: incident.version + 1 };
  const { before, after } = diff(incident, { ...patch, version: next.version });
  return { ok: true, incident: next, event: { type, data: { action, ...params, before, after } } };
}

function validFuture(value: string | undefined, now: Date): Date | null {
  if (value === undefined) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) || d <= now ? null : d;
}

/** Apply a human action. Checks role, state and the action's own rules. */
export function transition(
  incident: IncidentCore,
  input: Action,
  ctx: TransitionContext,
): TransitionResult {
  const { actor, now } = ctx;
  const nowIso = now.toISOString();
  const denied = authorise(incident, input.action, actor);
  if (denied) return fail('forbidden', denied);
  const illegal = blocked(incident, input.action);
  if (illegal) return fail('illegal_transition', illegal);

  switch (input.action) {
    case 'file':
      return success(
        incident,
        { state: 'filed', filedAt: nowIso },
        'incident.filed',
        'file',
        pick(input, 'note'),
      );
    case 'reject':
      if (!input.reason.trim()) return invalid('reason', 'a reason is required');
      return success(
        incident,
        { state: 'rejected', closedAt: nowIso },
        'incident.rejected',
        'reject',
        {
          reason: input.reason,
        },
      );
    case 'merge':
      if (input.into === incident.id)
        return invalid('into', 'an incident cannot be merged into itself');
      return success(
        incident,
        { state: 'rejected', mergedInto: input.into, closedAt: nowIso },
        'incident.merged',
        'merge',
        { into: input.into },
      );
    case 'dispatch': {
      if (!ctx.departmentExists(input.department))
        return invalid('department', `unknown department ${input.department}`);
      let deadline = deadlineFrom(ctx.category, incident.priority, now);
      if (input.deadline !== undefined) {
        const d = validFuture(input.deadline, now);
        if (!d) return invalid('deadline', 'the deadline must be a time in the future');
        deadline = d;
      }
      return success(
        incident,
        {
          state: 'dispatched',
          department: input.department,
          deadline: deadline.toISOString(),
          dispatchedAt: nowIso,
          // A fresh (always future) deadline: an overdue flag left from the old one would block
          // the reminder, the extension request and the new overdue mark.
          reminded: false,
          overdue: false,
          extension: null,
        },
        'incident.dispatched',
        'dispatch',
        { department: input.department, ...pick(input, 'note') },
      );
    }
    case 'sign':
      return success(incident, { state: 'in_progress' }, 'incident.signed', 'sign');
    case 'return':
      if (!input.reason.trim()) return invalid('reason', 'a reason is required');
      return success(
        incident,
        {
          state: 'filed',
          department: null,
          returnCount: incident.returnCount + 1,
          extension: null,
        },
        'incident.returned',
        'return',
        { reason: input.reason, department: incident.department },
      );
    case 'resolve':
      if (!input.note.trim()) return invalid('note', 'say what was done');
      return success(
        incident,
        { state: 'resolved', resolvedAt: nowIso, extension: null },
        'incident.resolved',
        'resolve',
        {
          note: input.note,
          ...pick(input, 'photos'),
        },
      );
    case 'verify':
      if (input.passed) {
        return success(
          incident,
          { state: 'closed', closedAt: nowIso },
          'incident.verified',
          'verify',
          {
            passed: true,
            note: input.note,
            ...pick(input, 'photos'),
          },
        );
      }
      if (!input.note.trim()) return invalid('note', 'say what is still wrong');
      return success(
        incident,
        { state: 'in_progress', resolvedAt: null, reworkCount: incident.reworkCount + 1 },
        'incident.reworked',
        'verify',
        { passed: false, note: input.note, ...pick(input, 'photos') },
      );
    case 'close':
      return success(
        incident,
        { state: 'closed', closedAt: nowIso },
        'incident.closed',
        'close',
        pick(input, 'note'),
      );
    case 'self_resolve':
      if (!input.note.trim()) return invalid('note', 'say what was done');
      return success(
        incident,
        { state: 'closed', resolvedAt: nowIso, closedAt: nowIso },
        'incident.closed',
        'self_resolve',
        { note: input.note, selfResolved: true },
      );
    case 'escalate':
      if (!input.note.trim()) return invalid('note', 'a note is required');
      return success(incident, { escalated: true }, 'incident.escalated', 'escalate', {
        note: input.note,
      });
    case 'request_extension': {
      if (!input.reason.trim()) return invalid('reason', 'a reason is required');
      const until = validFuture(input.until, now);
      if (!until || until <= new Date(incident.deadline)) {
        return invalid('until', 'the new deadline must be later than the current one');
      }
      const extension = {
        until: until.toISOString(),
        reason: input.reason,
        requestedBy: actor.username,
        requestedAt: nowIso,
      };
      return success(incident, { extension }, 'incident.extension_requested', 'request_extension', {
        until: extension.until,
        reason: input.reason,
      });
    }
    case 'decide_extension': {
      const pending = incident.extension;
      if (!pending) return fail('illegal_transition', 'there is no pending extension request');
      // An approved extension is a new deadline: overdue again only once it passes too.
      const patch: Patch = input.approved
        ? {
            extension: null,
            deadline: pending.until,
            reminded: false,
            overdue: incident.overdue && new Date(pending.until) <= now,
          }
        : { extension: null };
      return success(incident, patch, 'incident.extension_decided', 'decide_extension', {
        approved: input.approved,
        until: pending.until,
        ...pick(input, 'note'),
      });
    }
    case 'note':
      if (!input.text.trim()) return invalid('text', 'the note is empty');
      return success(incident, {}, 'incident.noted', 'note', { text: input.text });
  }
}

/** Apply a clock transition; returns null when it is not due (so it happens exactly once). */
export function systemTransition(
  incident: IncidentCore,
  input: SystemAction,
  now: Date,
): TransitionSuccess | null {
  if (!isOpen(incident.state)) return null;
  switch (input.action) {
    case 'mark_overdue':
      // Turning overdue also raises supervision (督办): the second rung of the ladder.
      if (!isOverdueAt(incident, now)) return null;
      return success(
        incident,
        { overdue: true, escalated: true },
        'incident.overdue',
        'mark_overdue',
        {
          deadline: incident.deadline,
        },
      );
    case 'remind':
      if (!isReminderDue(incident, now)) return null;
      return success(incident, { reminded: true }, 'incident.reminded', 'remind', {
        deadline: incident.deadline,
      });
  }
}

function pick<T extends object, K extends keyof T>(obj: T, key: K): Partial<Pick<T, K>> {
  const v = obj[key];
  return v === undefined ? {} : ({ [key]: v } as Partial<Pick<T, K>>);
}

import { describe, expect, it } from 'vitest';
import { findCategory, type Category } from './categories.ts';
import { findDepartment } from './departments.ts';
import {
  INCIDENT_STATES,
  type ExtensionRequest,
  type IncidentCore,
  type IncidentState,
} from './incident.ts';
import type { Role } from './roles.ts';
import {
  ACTION_FROM,
  ACTION_NAMES,
  ACTION_ROLES,
  availableActions,
  systemTransition,
  transition,
  type Action,
  type ActionName,
  type Actor,
  type IncidentEventType,
  type TransitionContext,
  type TransitionFailure,
  type TransitionResult,
  type TransitionSuccess,
} from './state-machine.ts';

const H = 3_600_000;
const MIN = 60_000;
const NOW = new Date('2025-06-02T06:00:00.000Z');
const NOW_ISO = NOW.toISOString();
/** An ISO time `ms` from NOW. */
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

const GRID = '410105001001001';
const OTHER_GRID = '410105001001002';

function category(code: string): Category {
  const c = findCategory(code);
  if (!c) throw new Error(`no category ${code}`);
  return c;
}
/** 下水道堵塞: 24 h normal, 4 h urgent. */
const SEWER = category('municipal.sewer_blocked');

function makeIncident(overrides: Partial<IncidentCore> = {}): IncidentCore {
  return {
    id: 42,
    version: 1,
    state: 'reported',
    category: SEWER.code,
    priority: 'normal',
    gridCode: GRID,
    reporterId: 9,
    department: null,
    deadline: at(24 * H),
    overdue: false,
    escalated: false,
    reminded: false,
    returnCount: 0,
    reworkCount: 0,
    mergedInto: null,
    extension: null,
    reportedAt: at(-60 * MIN),
    filedAt: null,
    dispatchedAt: null,
    resolvedAt: null,
    closedAt: null,
    ...overrides,
  };
}

/** A plausible incident in each state (department `water`, in GRID). */
function inState(state: IncidentState, overrides: Partial<IncidentCore> = {}): IncidentCore {
  const filed = { filedAt: at(-50 * MIN) };
  const dispatched = { ...filed, department: 'water', dispatchedAt: at(-30 * MIN) };
  const byState: Record<IncidentState, Partial<IncidentCore>> = {
    reported: {},
    filed,
    rejected: { closedAt: at(-40 * MIN) },
    dispatched,
    in_progress: dispatched,
    resolved: { ...dispatched, resolvedAt: at(-5 * MIN) },
    closed: { ...dispatched, resolvedAt: at(-5 * MIN), closedAt: at(-1 * MIN) },
  };
  return makeIncident({ ...byState[state], state, ...overrides });
}

const PENDING: ExtensionRequest = {
  until: at(72 * H),
  reason: 'a new pipe section has to be ordered',
  requestedBy: 'water-handler',
  requestedAt: at(-10 * MIN),
};

function actor(role: Role, overrides: Partial<Actor> = {}): Actor {
  return {
    role,
    username: `${role}-user`,
    department: role === 'department' ? 'water' : null,
    grid: role === 'field' ? GRID : null,
    userId: 1,
    ...overrides,
  };
}

function ctx(who: Actor, overrides: Partial<TransitionContext> = {}): TransitionContext {
  return {
    actor: who,
    now: NOW,
    category: SEWER,
    departmentExists: (code) => findDepartment(code) !== undefined,
    ...overrides,
  };
}

type ActionOf<K extends ActionName> = Extract<Action, { action: K }>;

/** One input per action that passes the action's own validation. */
const VALID: { [K in ActionName]: ActionOf<K> } = {
  file: { action: 'file' },
  reject: { action: 'reject', reason: 'duplicate report' },
  dispatch: { action: 'dispatch', department: 'water' },
  sign: { action: 'sign' },
  return: { action: 'return', reason: 'not ours: a private pipe' },
  resolve: { action: 'resolve', note: 'pipe cleared' },
  verify: { action: 'verify', passed: true, note: 'flowing again' },
  close: { action: 'close' },
  self_resolve: { action: 'self_resolve', note: 'cleared the drain cover on the spot' },
  merge: { action: 'merge', into: 7 },
  escalate: { action: 'escalate', note: 'three days and still blocked' },
  request_extension: { action: 'request_extension', until: at(72 * H), reason: 'parts on order' },
  decide_extension: { action: 'decide_extension', approved: true },
  note: { action: 'note', text: 'called the reporter back' },
};

/**
 * The workflow of DESIGN.md §2, written out by hand: for each action, the states it may start
 * from and the state it leads to (verify with passed: true).
 */
const NEXT: Record<ActionName, Partial<Record<IncidentState, IncidentState>>> = {
  file: { reported: 'filed' },
  reject: { reported: 'rejected', filed: 'rejected' },
  dispatch: { filed: 'dispatched' },
  sign: { dispatched: 'in_progress' },
  return: { dispatched: 'filed', in_progress: 'filed' },
  resolve: { in_progress: 'resolved' },
  verify: { resolved: 'closed' },
  close: { resolved: 'closed' },
  self_resolve: { reported: 'closed' },
  merge: { reported: 'rejected', filed: 'rejected' },
  escalate: {
    reported: 'reported',
    filed: 'filed',
    dispatched: 'dispatched',
    in_progress: 'in_progress',
    resolved: 'resolved',
  },
  request_extension: { dispatched: 'dispatched', in_progress: 'in_progress' },
  decide_extension: { dispatched: 'dispatched', in_progress: 'in_progress' },
  note: {
    reported: 'reported',
    filed: 'filed',
    rejected: 'rejected',
    dispatched: 'dispatched',
    in_progress: 'in_progress',
    resolved: 'resolved',
    closed: 'closed',
  },
};

const EVENT: Record<ActionName, IncidentEventType> = {
  file: 'incident.filed',
  reject: 'incident.rejected',
  dispatch: 'incident.dispatched',
  sign: 'incident.signed',
  return: 'incident.returned',
  resolve: 'incident.resolved',
  verify: 'incident.verified',
  close: 'incident.closed',
  self_resolve: 'incident.closed',
  merge: 'incident.merged',
  escalate: 'incident.escalated',
  request_extension: 'incident.extension_requested',
  decide_extension: 'incident.extension_decided',
  note: 'incident.noted',
};

function succeeded(result: TransitionResult | null): TransitionSuccess {
  if (result === null) throw new Error('expected a transition, got null');
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result;
}

function failed(result: TransitionResult): TransitionFailure {
  if (result.ok) throw new Error(`expected a failure, got ${result.event.type}`);
  return result;
}

interface Diff {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

function diffOf(result: TransitionSuccess): Diff {
  const { before, after } = result.event.data as unknown as Diff;
  return { before, after };
}

/** The event's before/after name exactly the fields that differ between the two incidents. */
function expectExactDiff(prev: IncidentCore, result: TransitionSuccess): void {
  const { before, after } = diffOf(result);
  const next = result.incident;
  const changed = (Object.keys(next) as (keyof IncidentCore)[])
    .filter((k) => JSON.stringify(prev[k]) !== JSON.stringify(next[k]))
    .sort();
  expect(Object.keys(before).sort()).toEqual(changed);
  expect(Object.keys(after).sort()).toEqual(changed);
  for (const k of changed) {
    expect(before[k]).toEqual(prev[k]);
    expect(after[k]).toEqual(next[k]);
  }
  expect(Object.keys(next).sort()).toEqual(Object.keys(prev).sort());
}

/** Run one action as a dispatcher-like actor who may take it. */
function run(
  incident: IncidentCore,
  input: Action,
  who: Actor = actor('admin'),
  overrides: Partial<TransitionContext> = {},
): TransitionResult {
  return transition(incident, input, ctx(who, overrides));
}

describe('the transition table', () => {
  it('ACTION_FROM lists exactly the states of the hand-written workflow', () => {
    for (const name of ACTION_NAMES) {
      expect([...ACTION_FROM[name]].sort(), name).toEqual(Object.keys(NEXT[name]).sort());
    }
  });

  it('covers the 7 states and 14 actions', () => {
    expect(INCIDENT_STATES).toHaveLength(7);
    expect(ACTION_NAMES).toHaveLength(14);
    expect(Object.keys(ACTION_ROLES).sort()).toEqual([...ACTION_NAMES].sort());
  });

  for (const name of ACTION_NAMES) {
    const actors = [actor('admin'), ...ACTION_ROLES[name].map((role) => actor(role))];
    for (const who of actors) {
      describe(`${name} by ${who.role}`, () => {
        for (const state of INCIDENT_STATES) {
          const expected = NEXT[name][state];
          const incident = inState(state, {
            department: 'water',
            extension: name === 'decide_extension' ? PENDING : null,
          });
          if (expected === undefined) {
            it(`${state}: illegal, naming the state`, () => {
              const result = failed(transition(incident, VALID[name], ctx(who)));
              expect(result.code).toBe('illegal_transition');
              expect(result.message).toContain(state);
            });
          } else {
            it(`${state} → ${expected}`, () => {
              const result = succeeded(transition(incident, VALID[name], ctx(who)));
              expect(result.incident.state).toBe(expected);
              expect(result.incident.version).toBe(incident.version + 1);
              expect(diffOf(result).after.version).toBe(result.incident.version);
              expect(diffOf(result).before.version).toBe(incident.version);
              expect(result.event.type).toBe(EVENT[name]);
              expect(result.event.data.action).toBe(name);
              expectExactDiff(incident, result);
            });
          }
        }
      });
    }
  }
});

describe('each allowed transition, by hand', () => {
  it('reported --file--> filed', () => {
    const before = inState('reported');
    const r = succeeded(
      run(before, { action: 'file', note: 'confirmed by phone' }, actor('dispatcher')),
    );
    expect(r.incident).toEqual({ ...before, state: 'filed', filedAt: NOW_ISO, version: 2 });
    expect(r.event.type).toBe('incident.filed');
    expect(r.event.data).toEqual({
      action: 'file',
      note: 'confirmed by phone',
      before: { state: 'reported', filedAt: null, version: 1 },
      after: { state: 'filed', filedAt: NOW_ISO, version: 2 },
    });
  });

  it('reported --reject--> rejected, closed now', () => {
    const before = inState('reported');
    const r = succeeded(run(before, VALID.reject, actor('dispatcher')));
    expect(r.incident).toEqual({ ...before, state: 'rejected', closedAt: NOW_ISO, version: 2 });
    expect(r.event.type).toBe('incident.rejected');
    expect(r.event.data.reason).toBe('duplicate report');
  });

  it('filed --reject--> rejected', () => {
    const before = inState('filed');
    const r = succeeded(run(before, VALID.reject, actor('dispatcher')));
    expect(r.incident).toEqual({ ...before, state: 'rejected', closedAt: NOW_ISO, version: 2 });
  });

  it('reported --merge--> rejected with mergedInto', () => {
    const before = inState('reported');
    const r = succeeded(run(before, { action: 'merge', into: 7 }, actor('dispatcher')));
    expect(r.incident).toEqual({
      ...before,
      state: 'rejected',
      mergedInto: 7,
      closedAt: NOW_ISO,
      version: 2,
    });
    expect(r.event.type).toBe('incident.merged');
    expect(r.event.data.into).toBe(7);
  });

  it('filed --merge--> rejected with mergedInto', () => {
    const before = inState('filed');
    const r = succeeded(run(before, { action: 'merge', into: 8 }, actor('dispatcher')));
    expect(r.incident.state).toBe('rejected');
    expect(r.incident.mergedInto).toBe(8);
  });

  it('filed --dispatch--> dispatched to the department with the category deadline', () => {
    const before = inState('filed', { reminded: true });
    const r = succeeded(run(before, { action: 'dispatch', department: 'water', note: 'today' }));
    expect(r.incident).toEqual({
      ...before,
      state: 'dispatched',
      department: 'water',
      deadline: at(24 * H),
      dispatchedAt: NOW_ISO,
      reminded: false,
      version: 2,
    });
    expect(r.event.type).toBe('incident.dispatched');
    expect(r.event.data).toMatchObject({ action: 'dispatch', department: 'water', note: 'today' });
  });

  it('dispatched --sign--> in_progress', () => {
    const before = inState('dispatched');
    const r = succeeded(run(before, VALID.sign, actor('department')));
    expect(r.incident).toEqual({ ...before, state: 'in_progress', version: 2 });
    expect(r.event.type).toBe('incident.signed');
  });

  it('dispatched --return--> filed, returnCount+1, department null', () => {
    const before = inState('dispatched', { returnCount: 1 });
    const r = succeeded(run(before, VALID.return, actor('department')));
    expect(r.incident).toEqual({
      ...before,
      state: 'filed',
      department: null,
      returnCount: 2,
      version: 2,
    });
    expect(r.event.type).toBe('incident.returned');
    expect(r.event.data).toMatchObject({ reason: VALID.return.reason, department: 'water' });
  });

  it('in_progress --return--> filed, clearing a pending extension', () => {
    const before = inState('in_progress', { extension: PENDING });
    const r = succeeded(run(before, VALID.return, actor('department')));
    expect(r.incident).toEqual({
      ...before,
      state: 'filed',
      department: null,
      returnCount: 1,
      extension: null,
      version: 2,
    });
  });

  it('in_progress --resolve--> resolved now', () => {
    const before = inState('in_progress', { extension: PENDING });
    const r = succeeded(run(before, { action: 'resolve', note: 'done', photos: ['a'.repeat(64)] }));
    expect(r.incident).toEqual({
      ...before,
      state: 'resolved',
      resolvedAt: NOW_ISO,
      extension: null,
      version: 2,
    });
    expect(r.event.type).toBe('incident.resolved');
    expect(r.event.data).toMatchObject({ note: 'done', photos: ['a'.repeat(64)] });
  });

  it('resolved --verify passed--> closed', () => {
    const before = inState('resolved');
    const r = succeeded(run(before, { action: 'verify', passed: true, note: '' }, actor('field')));
    expect(r.incident).toEqual({ ...before, state: 'closed', closedAt: NOW_ISO, version: 2 });
    expect(r.event.type).toBe('incident.verified');
    expect(r.event.data.passed).toBe(true);
  });

  it('resolved --verify failed--> in_progress, reworkCount+1, resolvedAt null', () => {
    const before = inState('resolved', { reworkCount: 2 });
    const input = { action: 'verify', passed: false, note: 'still smells' } as const;
    const r = succeeded(run(before, input, actor('field')));
    expect(r.incident).toEqual({
      ...before,
      state: 'in_progress',
      resolvedAt: null,
      reworkCount: 3,
      version: 2,
    });
    expect(r.event.type).toBe('incident.reworked');
    expect(r.event.data).toMatchObject({ passed: false, note: 'still smells' });
  });

  it('resolved --close--> closed', () => {
    const before = inState('resolved');
    const r = succeeded(run(before, { action: 'close', note: 'phoned' }, actor('dispatcher')));
    expect(r.incident).toEqual({ ...before, state: 'closed', closedAt: NOW_ISO, version: 2 });
    expect(r.event.type).toBe('incident.closed');
    expect(r.event.data.selfResolved).toBeUndefined();
  });

  it('reported --self_resolve--> closed, resolved and closed now', () => {
    const before = inState('reported');
    const r = succeeded(run(before, VALID.self_resolve, actor('field')));
    expect(r.incident).toEqual({
      ...before,
      state: 'closed',
      resolvedAt: NOW_ISO,
      closedAt: NOW_ISO,
      version: 2,
    });
    expect(r.event.type).toBe('incident.closed');
    expect(r.event.data.selfResolved).toBe(true);
  });

  for (const state of ['reported', 'filed', 'dispatched', 'in_progress', 'resolved'] as const) {
    it(`${state} --escalate--> ${state}, escalated`, () => {
      const before = inState(state);
      const r = succeeded(run(before, VALID.escalate, actor('leader')));
      expect(r.incident).toEqual({ ...before, escalated: true, version: 2 });
      expect(r.event.type).toBe('incident.escalated');
      expect(r.event.data).toEqual({
        action: 'escalate',
        note: VALID.escalate.note,
        before: { escalated: false, version: 1 },
        after: { escalated: true, version: 2 },
      });
    });
  }

  for (const state of ['dispatched', 'in_progress'] as const) {
    it(`${state} --request_extension--> ${state}, with the request pending`, () => {
      const before = inState(state);
      const who = actor('department', { username: 'water-handler' });
      const r = succeeded(run(before, VALID.request_extension, who));
      const extension = {
        until: at(72 * H),
        reason: 'parts on order',
        requestedBy: 'water-handler',
        requestedAt: NOW_ISO,
      };
      expect(r.incident).toEqual({ ...before, extension, version: 2 });
      expect(r.event.type).toBe('incident.extension_requested');
      expect(r.event.data).toMatchObject({ until: at(72 * H), reason: 'parts on order' });
    });

    it(`${state} --decide_extension approved--> ${state}, deadline moved`, () => {
      const before = inState(state, { extension: PENDING, reminded: true });
      const r = succeeded(run(before, { action: 'decide_extension', approved: true }));
      expect(r.incident).toEqual({
        ...before,
        extension: null,
        deadline: PENDING.until,
        reminded: false,
        version: 2,
      });
      expect(r.event.type).toBe('incident.extension_decided');
      expect(r.event.data).toMatchObject({ approved: true, until: PENDING.until });
    });

    it(`${state} --decide_extension refused--> ${state}, deadline kept`, () => {
      const before = inState(state, { extension: PENDING, reminded: true });
      const r = succeeded(run(before, { action: 'decide_extension', approved: false, note: 'no' }));
      expect(r.incident).toEqual({ ...before, extension: null, version: 2 });
      expect(r.event.data).toMatchObject({ approved: false, until: PENDING.until, note: 'no' });
    });
  }

  for (const state of INCIDENT_STATES) {
    it(`${state} --note--> ${state}, only the version changes`, () => {
      const before = inState(state);
      const r = succeeded(run(before, { action: 'note', text: 'hello' }, actor('field')));
      expect(r.incident).toEqual({ ...before, version: 2 });
      expect(r.event.type).toBe('incident.noted');
      expect(r.event.data).toEqual({
        action: 'note',
        text: 'hello',
        before: { version: 1 },
        after: { version: 2 },
      });
    });
  }

  it('walks the seed story: report, file, dispatch, sign, resolve, verify', () => {
    let incident = inState('reported');
    const steps: [Action, Actor, IncidentState][] = [
      [VALID.file, actor('dispatcher'), 'filed'],
      [VALID.dispatch, actor('dispatcher'), 'dispatched'],
      [VALID.sign, actor('department'), 'in_progress'],
      [VALID.resolve, actor('department'), 'resolved'],
      [VALID.verify, actor('field'), 'closed'],
    ];
    for (const [input, who, state] of steps) {
      const r = succeeded(transition(incident, input, ctx(who)));
      expect(r.incident.state).toBe(state);
      incident = r.incident;
    }
    expect(incident.version).toBe(6);
  });

  it('never mutates the incident it is given', () => {
    for (const state of INCIDENT_STATES) {
      for (const name of ACTION_NAMES) {
        const incident = inState(state, {
          extension: name === 'decide_extension' ? PENDING : null,
        });
        const copy = structuredClone(incident);
        transition(Object.freeze(incident), VALID[name], ctx(actor('admin')));
        expect(incident).toEqual(copy);
      }
    }
  });
});

describe('forbidden', () => {
  it('an operator can do nothing, in any state', () => {
    for (const state of INCIDENT_STATES) {
      for (const name of ACTION_NAMES) {
        const incident = inState(state, {
          extension: name === 'decide_extension' ? PENDING : null,
        });
        const r = failed(run(incident, VALID[name], actor('operator')));
        expect(r.code, `${name} on ${state}`).toBe('forbidden');
      }
    }
  });

  it("a department may not act on another department's incident, but may add a note", () => {
    const power = actor('department', { department: 'power' });
    const cases: [IncidentState, Action][] = [
      ['dispatched', VALID.sign],
      ['dispatched', VALID.return],
      ['in_progress', VALID.return],
      ['in_progress', VALID.resolve],
      ['in_progress', VALID.request_extension],
    ];
    for (const [state, input] of cases) {
      const r = failed(run(inState(state), input, power));
      expect(r.code).toBe('forbidden');
      expect(r.message).toContain('water');
    }
    expect(run(inState('dispatched'), VALID.note, power).ok).toBe(true);
  });

  it('a department user without a department may not act on an unassigned incident', () => {
    const nobody = actor('department', { department: null });
    const r = failed(run(inState('dispatched', { department: null }), VALID.sign, nobody));
    expect(r.code).toBe('forbidden');
  });

  it('a field worker may verify and self-resolve only in their own grid', () => {
    const elsewhere = actor('field', { grid: OTHER_GRID });
    const verify = failed(run(inState('resolved'), VALID.verify, elsewhere));
    expect(verify.code).toBe('forbidden');
    expect(verify.message).toContain(GRID);
    expect(failed(run(inState('reported'), VALID.self_resolve, elsewhere)).code).toBe('forbidden');
    const gridless = actor('field', { grid: null });
    expect(failed(run(inState('resolved'), VALID.verify, gridless)).code).toBe('forbidden');
    expect(run(inState('resolved'), VALID.verify, actor('field')).ok).toBe(true);
    expect(run(inState('reported'), VALID.note, elsewhere).ok).toBe(true);
  });

  it('a dispatcher may verify anywhere', () => {
    expect(run(inState('resolved'), VALID.verify, actor('dispatcher')).ok).toBe(true);
  });

  it('a leader can escalate but not dispatch or file', () => {
    const leader = actor('leader');
    expect(run(inState('dispatched'), VALID.escalate, leader).ok).toBe(true);
    expect(failed(run(inState('filed'), VALID.dispatch, leader)).code).toBe('forbidden');
    expect(failed(run(inState('reported'), VALID.file, leader)).code).toBe('forbidden');
  });

  it('roles outside ACTION_ROLES are refused each action', () => {
    const roles: Role[] = ['leader', 'operator', 'dispatcher', 'department', 'field'];
    for (const name of ACTION_NAMES) {
      for (const role of roles.filter((r) => !ACTION_ROLES[name].includes(r))) {
        const state = Object.keys(NEXT[name])[0] as IncidentState;
        const incident = inState(state, {
          department: 'water',
          extension: name === 'decide_extension' ? PENDING : null,
        });
        const r = failed(run(incident, VALID[name], actor(role)));
        expect(r.code, `${role} ${name}`).toBe('forbidden');
        expect(r.message).toContain(role);
      }
    }
  });
});

describe('validation names the field', () => {
  function invalidField(result: TransitionResult): string {
    const r = failed(result);
    expect(r.code).toBe('invalid');
    return r.code === 'invalid' ? r.field : '';
  }

  it('dispatch to an unknown department → department', () => {
    const r = run(inState('filed'), { action: 'dispatch', department: 'nope' });
    expect(invalidField(r)).toBe('department');
  });

  it('dispatch uses departmentExists, so street offices can be allowed', () => {
    const r = run(
      inState('filed'),
      { action: 'dispatch', department: 'street-410105001' },
      actor('dispatcher'),
      { departmentExists: (code) => code === 'street-410105001' },
    );
    expect(succeeded(r).incident.department).toBe('street-410105001');
  });

  it('dispatch with a deadline in the past, now, or not a time → deadline', () => {
    for (const deadline of [at(-1), NOW_ISO, 'tomorrow']) {
      const r = run(inState('filed'), { action: 'dispatch', department: 'water', deadline });
      expect(invalidField(r)).toBe('deadline');
    }
  });

  it('dispatch with an explicit future deadline keeps it', () => {
    const r = run(inState('filed'), {
      action: 'dispatch',
      department: 'water',
      deadline: at(3 * H),
    });
    expect(succeeded(r).incident.deadline).toBe(at(3 * H));
  });

  it('request_extension until not later than the current deadline → until', () => {
    const incident = inState('in_progress', { deadline: at(24 * H) });
    for (const until of [at(12 * H), at(24 * H), at(-H), 'later']) {
      const input = { action: 'request_extension', until, reason: 'parts' } as const;
      expect(invalidField(run(incident, input, actor('department')))).toBe('until');
    }
  });

  it('request_extension stores the until normalised to ISO', () => {
    const until = '2025-06-06T14:00:00+08:00';
    const input = { action: 'request_extension', until, reason: 'parts' } as const;
    const r = succeeded(run(inState('dispatched'), input, actor('department')));
    expect(r.incident.extension?.until).toBe('2025-06-06T06:00:00.000Z');
  });

  it('merge into itself → into', () => {
    const incident = inState('reported', { id: 5 });
    expect(invalidField(run(incident, { action: 'merge', into: 5 }))).toBe('into');
  });

  it('an empty or blank reason → reason', () => {
    expect(invalidField(run(inState('reported'), { action: 'reject', reason: '' }))).toBe('reason');
    expect(invalidField(run(inState('dispatched'), { action: 'return', reason: '  ' }))).toBe(
      'reason',
    );
    const ext = { action: 'request_extension', until: at(72 * H), reason: ' ' } as const;
    expect(invalidField(run(inState('dispatched'), ext))).toBe('reason');
  });

  it('empty notes and texts name their field', () => {
    expect(invalidField(run(inState('in_progress'), { action: 'resolve', note: ' ' }))).toBe(
      'note',
    );
    const failedVerify = { action: 'verify', passed: false, note: '' } as const;
    expect(invalidField(run(inState('resolved'), failedVerify))).toBe('note');
    expect(invalidField(run(inState('reported'), { action: 'self_resolve', note: '' }))).toBe(
      'note',
    );
    expect(invalidField(run(inState('filed'), { action: 'escalate', note: '' }))).toBe('note');
    expect(invalidField(run(inState('filed'), { action: 'note', text: '\n' }))).toBe('text');
  });
});

describe('extensions (延期)', () => {
  const handler = actor('department', { username: 'water-handler' });

  it('request then approve moves the deadline and clears the request and the reminder', () => {
    const start = inState('in_progress', { reminded: true });
    const requested = succeeded(run(start, VALID.request_extension, handler)).incident;
    expect(requested.extension?.until).toBe(at(72 * H));
    expect(requested.deadline).toBe(at(24 * H));
    const approved = succeeded(
      run(requested, { action: 'decide_extension', approved: true }, actor('dispatcher')),
    ).incident;
    expect(approved.deadline).toBe(at(72 * H));
    expect(approved.extension).toBeNull();
    expect(approved.reminded).toBe(false);
    expect(approved.version).toBe(start.version + 2);
  });

  it('refuse keeps the deadline and clears the request', () => {
    const requested = succeeded(
      run(inState('dispatched'), VALID.request_extension, handler),
    ).incident;
    const refused = succeeded(
      run(requested, { action: 'decide_extension', approved: false }, actor('dispatcher')),
    ).incident;
    expect(refused.deadline).toBe(at(24 * H));
    expect(refused.extension).toBeNull();
  });

  it('a second request while one is pending is illegal', () => {
    const requested = succeeded(
      run(inState('dispatched'), VALID.request_extension, handler),
    ).incident;
    const r = failed(run(requested, VALID.request_extension, handler));
    expect(r.code).toBe('illegal_transition');
    expect(r.message).toContain('pending');
    expect(r.message).toContain('dispatched');
  });

  it('a request while overdue is illegal', () => {
    const r = failed(
      run(inState('in_progress', { overdue: true }), VALID.request_extension, handler),
    );
    expect(r.code).toBe('illegal_transition');
    expect(r.message).toContain('overdue');
  });

  it('deciding with nothing pending is illegal', () => {
    const r = failed(run(inState('dispatched'), { action: 'decide_extension', approved: true }));
    expect(r.code).toBe('illegal_transition');
    expect(r.message).toContain('dispatched');
  });

  it('approving after the old deadline passed lifts overdue; the new deadline is watched anew', () => {
    const requested = succeeded(
      run(inState('in_progress'), VALID.request_extension, handler),
    ).incident;
    // The dispatcher is slow: the old deadline passes while the request is pending.
    const overdue = succeeded(
      systemTransition(requested, { action: 'mark_overdue' }, new Date(Date.parse(at(25 * H)))),
    ).incident;
    expect(overdue.overdue).toBe(true);
    const approved = succeeded(
      run(overdue, { action: 'decide_extension', approved: true }, actor('dispatcher'), {
        now: new Date(Date.parse(at(26 * H))),
      }),
    ).incident;
    expect(approved.deadline).toBe(at(72 * H));
    expect(approved.overdue).toBe(false);
    expect(approved.escalated).toBe(true);
    const later = new Date(Date.parse(at(72 * H)));
    expect(
      succeeded(systemTransition(approved, { action: 'mark_overdue' }, later)).incident.overdue,
    ).toBe(true);
  });

  it('approving an extension whose date has already passed leaves overdue set', () => {
    const incident = inState('in_progress', {
      overdue: true,
      extension: { ...PENDING, until: at(-H) },
      deadline: at(-2 * H),
    });
    const r = succeeded(run(incident, { action: 'decide_extension', approved: true }));
    expect(r.incident.overdue).toBe(true);
    expect(r.incident.deadline).toBe(at(-H));
  });
});

describe('dispatch deadlines (处置时限)', () => {
  it('uses the category hours by priority when no deadline is given; urgent is shorter', () => {
    const normal = succeeded(
      run(inState('filed', { priority: 'normal' }), VALID.dispatch),
    ).incident;
    const urgent = succeeded(
      run(inState('filed', { priority: 'urgent' }), VALID.dispatch),
    ).incident;
    expect(normal.deadline).toBe(at(SEWER.deadlineHours * H));
    expect(urgent.deadline).toBe(at(SEWER.urgentDeadlineHours * H));
    expect(Date.parse(urgent.deadline)).toBeLessThan(Date.parse(normal.deadline));
  });

  it("uses the context's category", () => {
    const parking = category('parking.illegal');
    const r = succeeded(
      run(inState('filed'), VALID.dispatch, actor('dispatcher'), { category: parking }),
    );
    expect(r.incident.deadline).toBe(at(parking.deadlineHours * H));
  });

  it('a re-dispatch after the old deadline passed starts clean: not overdue, still escalated', () => {
    const late = inState('filed', {
      overdue: true,
      escalated: true,
      deadline: at(-H),
      returnCount: 1,
    });
    const r = succeeded(run(late, VALID.dispatch, actor('dispatcher')));
    expect(r.incident.overdue).toBe(false);
    expect(r.incident.escalated).toBe(true);
    expect(r.incident.deadline).toBe(at(24 * H));
    // ...so the new department can be reminded and can ask for more time.
    const inWindow = new Date(Date.parse(at(23 * H)));
    expect(systemTransition(r.incident, { action: 'remind' }, inWindow)?.incident.reminded).toBe(
      true,
    );
    expect(run(r.incident, VALID.request_extension, actor('department')).ok).toBe(true);
  });
});

describe('systemTransition', () => {
  describe('mark_overdue', () => {
    const deadline = new Date(Date.parse(at(24 * H)));

    it('fires exactly once, at the deadline, setting overdue and escalated', () => {
      const incident = inState('in_progress');
      const first = succeeded(systemTransition(incident, { action: 'mark_overdue' }, deadline));
      expect(first.incident).toEqual({ ...incident, overdue: true, escalated: true, version: 2 });
      expect(first.event.type).toBe('incident.overdue');
      expect(first.event.data).toEqual({
        action: 'mark_overdue',
        deadline: incident.deadline,
        before: { overdue: false, escalated: false, version: 1 },
        after: { overdue: true, escalated: true, version: 2 },
      });
      const later = new Date(deadline.getTime() + H);
      expect(systemTransition(first.incident, { action: 'mark_overdue' }, later)).toBeNull();
    });

    it('does not fire before the deadline', () => {
      const incident = inState('dispatched');
      const justBefore = new Date(deadline.getTime() - 1);
      expect(systemTransition(incident, { action: 'mark_overdue' }, justBefore)).toBeNull();
    });

    it('fires in every state where the clock runs', () => {
      for (const state of ['reported', 'filed', 'dispatched', 'in_progress'] as const) {
        const r = succeeded(systemTransition(inState(state), { action: 'mark_overdue' }, deadline));
        expect(r.incident.state).toBe(state);
        expect(r.incident.overdue).toBe(true);
      }
    });

    it('never fires for resolved, closed or rejected', () => {
      const muchLater = new Date(deadline.getTime() + 100 * H);
      for (const state of ['resolved', 'closed', 'rejected'] as const) {
        expect(systemTransition(inState(state), { action: 'mark_overdue' }, muchLater)).toBeNull();
      }
    });

    it('records only what changed when already escalated', () => {
      const r = succeeded(
        systemTransition(
          inState('filed', { escalated: true }),
          { action: 'mark_overdue' },
          deadline,
        ),
      );
      expect(diffOf(r)).toEqual({
        before: { overdue: false, version: 1 },
        after: { overdue: true, version: 2 },
      });
    });
  });

  describe('remind', () => {
    // Dispatched 30 min before NOW with a 24 h deadline: the reminder is due 2 h before it.
    const reminderAt = new Date(Date.parse(at(22 * H)));

    it('fires inside the reminder window, exactly once', () => {
      for (const state of ['dispatched', 'in_progress'] as const) {
        const incident = inState(state);
        const first = succeeded(systemTransition(incident, { action: 'remind' }, reminderAt));
        expect(first.incident).toEqual({ ...incident, reminded: true, version: 2 });
        expect(first.event.type).toBe('incident.reminded');
        expect(first.event.data.deadline).toBe(incident.deadline);
        const later = new Date(reminderAt.getTime() + H);
        expect(systemTransition(first.incident, { action: 'remind' }, later)).toBeNull();
      }
    });

    it('does not fire before the window or from the deadline on', () => {
      const incident = inState('dispatched');
      const early = new Date(reminderAt.getTime() - 1);
      expect(systemTransition(incident, { action: 'remind' }, early)).toBeNull();
      const atDeadline = new Date(Date.parse(incident.deadline));
      expect(systemTransition(incident, { action: 'remind' }, atDeadline)).toBeNull();
    });

    it('fires only for dispatched or in-progress work that is not overdue', () => {
      for (const state of ['reported', 'filed', 'resolved', 'closed', 'rejected'] as const) {
        expect(systemTransition(inState(state), { action: 'remind' }, reminderAt)).toBeNull();
      }
      const overdue = inState('dispatched', { overdue: true });
      expect(systemTransition(overdue, { action: 'remind' }, reminderAt)).toBeNull();
    });

    it('uses a quarter of a short window', () => {
      // Dispatched at NOW with a 4 h deadline: reminded from 1 h before it.
      const incident = inState('dispatched', { dispatchedAt: NOW_ISO, deadline: at(4 * H) });
      const before = new Date(Date.parse(at(3 * H)) - 1);
      expect(systemTransition(incident, { action: 'remind' }, before)).toBeNull();
      expect(
        systemTransition(incident, { action: 'remind' }, new Date(Date.parse(at(3 * H)))),
      ).not.toBeNull();
    });
  });
});

describe('availableActions', () => {
  it('offers a dispatcher file, reject, merge, escalate and note on a reported incident', () => {
    expect(availableActions(inState('reported'), actor('dispatcher'))).toEqual([
      'file',
      'reject',
      'merge',
      'escalate',
      'note',
    ]);
  });

  it('offers a department handler sign, return, request_extension and note on its dispatched incident', () => {
    expect(availableActions(inState('dispatched'), actor('department'))).toEqual([
      'sign',
      'return',
      'request_extension',
      'note',
    ]);
  });

  it('offers only note to a handler of another department, and nothing to an operator', () => {
    const power = actor('department', { department: 'power' });
    expect(availableActions(inState('dispatched'), power)).toEqual(['note']);
    for (const state of INCIDENT_STATES) {
      expect(availableActions(inState(state), actor('operator'))).toEqual([]);
    }
  });

  it('offers extension actions only when they can succeed', () => {
    expect(availableActions(inState('in_progress'), actor('dispatcher'))).toEqual([
      'escalate',
      'note',
    ]);
    const pending = inState('in_progress', { extension: PENDING });
    expect(availableActions(pending, actor('dispatcher'))).toEqual([
      'escalate',
      'decide_extension',
      'note',
    ]);
    expect(availableActions(pending, actor('department'))).toEqual(['return', 'resolve', 'note']);
    const overdue = inState('in_progress', { overdue: true });
    expect(availableActions(overdue, actor('department'))).toEqual(['return', 'resolve', 'note']);
  });

  it('offers a field worker self_resolve and verify in their own grid only', () => {
    expect(availableActions(inState('reported'), actor('field'))).toEqual(['self_resolve', 'note']);
    expect(availableActions(inState('resolved'), actor('field'))).toEqual(['verify', 'note']);
    const elsewhere = actor('field', { grid: OTHER_GRID });
    expect(availableActions(inState('resolved'), elsewhere)).toEqual(['note']);
  });

  it('offers only note on terminal incidents, even to an admin', () => {
    expect(availableActions(inState('closed'), actor('admin'))).toEqual(['note']);
    expect(availableActions(inState('rejected'), actor('admin'))).toEqual(['note']);
  });

  it('agrees with transition for every state, role and extension situation', () => {
    const roles: Role[] = ['admin', 'leader', 'operator', 'dispatcher', 'department', 'field'];
    const situations: Partial<IncidentCore>[] = [{}, { extension: PENDING }, { overdue: true }];
    for (const state of INCIDENT_STATES) {
      for (const situation of situations) {
        const incident = inState(state, { department: 'water', ...situation });
        for (const role of roles) {
          const who = actor(role);
          const offered = availableActions(incident, who);
          for (const name of ACTION_NAMES) {
            const ok = transition(incident, VALID[name], ctx(who)).ok;
            expect(ok, `${role} ${name} on ${state} ${JSON.stringify(situation)}`).toBe(
              offered.includes(name),
            );
          }
        }
      }
    }
  });
});

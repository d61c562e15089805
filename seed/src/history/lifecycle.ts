/**
 * One incident's life, stepped through the domain state machine. Every change is a `transition`
 * or `systemTransition` (the SLA clock's reminders and overdue marks, fired at the moment they
 * fall due); nothing past `now` happens, so recent incidents are left open where they stand.
 */
import {
  clockRuns,
  isOpen,
  reminderAt,
  systemTransition,
  transition,
  type Action,
  type Actor,
  type Category,
  type IncidentCore,
  type TransitionSuccess,
} from '@cityops/domain';

export interface GeneratedEvent {
  /** Event time, epoch ms. */
  t: number;
  type: string;
  actor: string | null;
  path: string;
  incidentId: number | null;
  data: Record<string, unknown>;
}

export interface LifecycleEnv {
  nowMs: number;
  path: string;
  category: Category;
  departmentExists: (code: string) => boolean;
  rand: () => number;
}

/** Successive events of one incident are at least this far apart. */
const STEP_MS = 1_000;
/** The SLA clock ticks about this often, so its marks land a little after they fall due. */
const CLOCK_TICK_MS = 30_000;

export class Lifecycle {
  core: IncidentCore;
  readonly events: GeneratedEvent[] = [];
  /** Time of the latest event. */
  last: number;
  /** True once an action fell after `now`: the rest of the life has not happened yet. */
  stopped = false;

  constructor(
    core: IncidentCore,
    reported: GeneratedEvent,
    private readonly env: LifecycleEnv,
  ) {
    this.core = core;
    this.events.push(reported);
    this.last = reported.t;
  }

  /** Take `action` at time `t` (or just after the previous event); false if that is after now. */
  act(t: number, action: Action, actor: Actor): boolean {
    if (this.stopped) return false;
    let at = Math.max(t, this.last + STEP_MS);
    if (at <= this.env.nowMs) {
      this.runClock(at);
      at = Math.max(at, this.last + STEP_MS);
    }
    if (at > this.env.nowMs) {
      this.stopped = true;
      this.runClock(this.env.nowMs);
      return false;
    }
    const result = transition(this.core, action, {
      actor,
      now: new Date(at),
      category: this.env.category,
      departmentExists: this.env.departmentExists,
    });
    if (!result.ok) {
      throw new Error(
        `history: ${action.action} on incident ${this.core.id} failed: ${result.message}`,
      );
    }
    this.record(at, result, actor.username);
    return true;
  }

  /** Bring the SLA clock up to now (for incidents still open at the end of the history). */
  finish(): void {
    this.runClock(this.env.nowMs);
  }

  /** Fire every reminder and overdue mark due up to `until`, each when it fell due. */
  private runClock(until: number): void {
    for (let guard = 0; guard < 8; guard++) {
      const core = this.core;
      if (!isOpen(core.state)) return;
      const deadline = Date.parse(core.deadline);
      let fired = false;
      if (
        !core.reminded &&
        !core.overdue &&
        core.dispatchedAt !== null &&
        (core.state === 'dispatched' || core.state === 'in_progress')
      ) {
        const due = reminderAt(new Date(core.dispatchedAt), new Date(deadline)).getTime();
        const at = Math.max(due, this.last + STEP_MS) + Math.floor(this.env.rand() * CLOCK_TICK_MS);
        if (at <= until && at < deadline) fired = this.system(at, 'remind');
      }
      if (!fired && !core.overdue && clockRuns(core.state)) {
        const at =
          Math.max(deadline, this.last + STEP_MS) + Math.floor(this.env.rand() * CLOCK_TICK_MS);
        if (at <= until) fired = this.system(at, 'mark_overdue');
      }
      if (!fired) return;
    }
  }

  private system(at: number, action: 'remind' | 'mark_overdue'): boolean {
    const result = systemTransition(this.core, { action }, new Date(at));
    if (!result) return false;
    this.record(at, result, 'system');
    return true;
  }

  private record(at: number, result: TransitionSuccess, actor: string): void {
    this.core = result.incident;
    this.last = at;
    this.events.push({
      t: at,
      type: result.event.type,
      actor,
      path: this.env.path,
      incidentId: this.core.id,
      data: result.event.data,
    });
  }
}

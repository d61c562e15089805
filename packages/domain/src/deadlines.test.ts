import { describe, expect, it } from 'vitest';
import { findCategory, type Category } from './categories.ts';
import { deadlineFrom, isOverdueAt, isReminderDue, reminderAt } from './deadlines.ts';
import { INCIDENT_STATES, type IncidentCore } from './incident.ts';

const H = 3_600_000;
const START = new Date('2025-06-02T06:00:00.000Z');
const after = (ms: number): Date => new Date(START.getTime() + ms);

function category(code: string): Category {
  const c = findCategory(code);
  if (!c) throw new Error(`no category ${code}`);
  return c;
}

describe('deadlineFrom', () => {
  const sewer = category('municipal.sewer_blocked');

  it('adds the category hours for the priority', () => {
    expect(deadlineFrom(sewer, 'normal', START)).toEqual(after(sewer.deadlineHours * H));
    expect(deadlineFrom(sewer, 'urgent', START)).toEqual(after(sewer.urgentDeadlineHours * H));
    expect(deadlineFrom(sewer, 'normal', START)).toEqual(after(24 * H));
    expect(deadlineFrom(sewer, 'urgent', START)).toEqual(after(4 * H));
  });

  it('does not modify the start', () => {
    const start = new Date(START);
    deadlineFrom(sewer, 'normal', start);
    expect(start).toEqual(START);
  });
});

describe('reminderAt', () => {
  it('is a quarter of the window before the deadline for short windows', () => {
    expect(reminderAt(START, after(4 * H))).toEqual(after(3 * H));
    expect(reminderAt(START, after(H))).toEqual(after(45 * 60_000));
  });

  it('is capped at two hours before the deadline', () => {
    expect(reminderAt(START, after(24 * H))).toEqual(after(22 * H));
    expect(reminderAt(START, after(120 * H))).toEqual(after(118 * H));
  });

  it('switches at an 8 h window, where a quarter is exactly two hours', () => {
    expect(reminderAt(START, after(8 * H))).toEqual(after(6 * H));
  });
});

type OverdueFields = Pick<IncidentCore, 'state' | 'deadline' | 'overdue'>;

describe('isOverdueAt', () => {
  const deadline = after(24 * H);
  const incident: OverdueFields = {
    state: 'in_progress',
    deadline: deadline.toISOString(),
    overdue: false,
  };

  it('counts exactly at the deadline as overdue', () => {
    expect(isOverdueAt(incident, deadline)).toBe(true);
  });

  it('is false a millisecond before, true after', () => {
    expect(isOverdueAt(incident, new Date(deadline.getTime() - 1))).toBe(false);
    expect(isOverdueAt(incident, new Date(deadline.getTime() + 1))).toBe(true);
  });

  it('is false once flagged (it happens once)', () => {
    expect(isOverdueAt({ ...incident, overdue: true }, after(100 * H))).toBe(false);
  });

  it('applies only while the clock runs', () => {
    const late = after(100 * H);
    const running = INCIDENT_STATES.filter((state) => isOverdueAt({ ...incident, state }, late));
    expect(running).toEqual(['reported', 'filed', 'dispatched', 'in_progress']);
  });

  it('is false for a deadline that is not a time', () => {
    expect(isOverdueAt({ ...incident, deadline: 'never' }, after(100 * H))).toBe(false);
  });
});

type ReminderFields = Pick<
  IncidentCore,
  'state' | 'deadline' | 'overdue' | 'reminded' | 'dispatchedAt'
>;

describe('isReminderDue', () => {
  const incident: ReminderFields = {
    state: 'dispatched',
    dispatchedAt: START.toISOString(),
    deadline: after(24 * H).toISOString(),
    overdue: false,
    reminded: false,
  };

  it('is due from the reminder time up to (not including) the deadline', () => {
    expect(isReminderDue(incident, after(22 * H - 1))).toBe(false);
    expect(isReminderDue(incident, after(22 * H))).toBe(true);
    expect(isReminderDue(incident, after(24 * H - 1))).toBe(true);
    expect(isReminderDue(incident, after(24 * H))).toBe(false);
  });

  it('is due for in-progress work too, and for no other state', () => {
    const due = INCIDENT_STATES.filter((state) =>
      isReminderDue({ ...incident, state }, after(23 * H)),
    );
    expect(due).toEqual(['dispatched', 'in_progress']);
  });

  it('is not due once reminded, when overdue, or without a dispatch time', () => {
    expect(isReminderDue({ ...incident, reminded: true }, after(23 * H))).toBe(false);
    expect(isReminderDue({ ...incident, overdue: true }, after(23 * H))).toBe(false);
    expect(isReminderDue({ ...incident, dispatchedAt: null }, after(23 * H))).toBe(false);
  });

  it('uses a quarter of a short window', () => {
    const short = { ...incident, deadline: after(4 * H).toISOString() };
    expect(isReminderDue(short, after(3 * H - 1))).toBe(false);
    expect(isReminderDue(short, after(3 * H))).toBe(true);
  });
});

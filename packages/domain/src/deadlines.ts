import type { Category } from './categories.ts';
import type { IncidentCore, Priority } from './incident.ts';
import { clockRuns } from './incident.ts';

const HOUR = 3_600_000;

/** 处置时限: the deadline a category gives from a start time. */
export function deadlineFrom(category: Category, priority: Priority, start: Date): Date {
  const hours = priority === 'urgent' ? category.urgentDeadlineHours : category.deadlineHours;
  return new Date(start.getTime() + hours * HOUR);
}

/** The reminder (催办) goes out when less than a quarter of the window, or two hours, is left. */
export function reminderAt(windowStart: Date, deadline: Date): Date {
  const window = deadline.getTime() - windowStart.getTime();
  const lead = Math.min(2 * HOUR, window / 4);
  return new Date(deadline.getTime() - lead);
}

/** True when the SLA clock should mark this incident overdue at `now` (once: the flag sticks). */
export function isOverdueAt(
  incident: Pick<IncidentCore, 'state' | 'deadline' | 'overdue'>,
  now: Date,
): boolean {
  return !incident.overdue && clockRuns(incident.state) && new Date(incident.deadline) <= now;
}

/** True when a reminder is due at `now`: dispatched work, not yet reminded, not yet overdue. */
export function isReminderDue(
  incident: Pick<IncidentCore, 'state' | 'deadline' | 'overdue' | 'reminded' | 'dispatchedAt'>,
  now: Date,
): boolean {
  if (incident.reminded || incident.overdue) return false;
  if (incident.state !== 'dispatched' && incident.state !== 'in_progress') return false;
  if (!incident.dispatchedAt) return false;
  const deadline = new Date(incident.deadline);
  return now >= reminderAt(new Date(incident.dispatchedAt), deadline) && now < deadline;
}

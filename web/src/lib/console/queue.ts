import { findCategory, isOpen, type IncidentState, type Source } from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';

/** What a dispatcher must act on, by kind of work. */
export const DISPATCH_VIEWS = [
  'todo',
  'new',
  'toDispatch',
  'returned',
  'overdue',
  'extension',
  'toClose',
  'open',
] as const;
export type DispatchView = (typeof DISPATCH_VIEWS)[number];

export interface QueueFilter {
  view: DispatchView;
  /** Category group code, or a full category code. */
  category: string;
  /** District (or any region) code on the incident's path. */
  region: string;
  source: Source | '';
  state: IncidentState | '';
  text: string;
}

export const EMPTY_FILTER: QueueFilter = {
  view: 'todo',
  category: '',
  region: '',
  source: '',
  state: '',
  text: '',
};

/** Is the incident in a dispatcher's view? */
export function inDispatchView(i: IncidentDto, view: DispatchView): boolean {
  if (!isOpen(i.state)) return false;
  switch (view) {
    case 'new':
      return i.state === 'reported';
    case 'toDispatch':
      return i.state === 'filed';
    case 'returned':
      return i.state === 'filed' && i.returnCount > 0;
    case 'overdue':
      return i.overdue && i.state !== 'resolved';
    case 'extension':
      return i.extension !== null;
    case 'toClose':
      return i.state === 'resolved';
    case 'open':
      return true;
    case 'todo':
      return (
        i.state === 'reported' ||
        i.state === 'filed' ||
        i.state === 'resolved' ||
        i.extension !== null ||
        i.overdue
      );
  }
}

function matches(i: IncidentDto, f: Omit<QueueFilter, 'view'>): boolean {
  if (f.category) {
    if (
      f.category.includes('.')
        ? i.category !== f.category
        : findCategory(i.category)?.group !== f.category
    )
      return false;
  }
  if (f.region && !i.path.includes(f.region)) return false;
  if (f.source && i.source !== f.source) return false;
  if (f.state && i.state !== f.state) return false;
  if (f.text) {
    const q = f.text.trim().toLowerCase();
    if (
      q &&
      !`#${i.id} ${i.description} ${i.address ?? ''} ${i.reporter ?? ''}`.toLowerCase().includes(q)
    )
      return false;
  }
  return true;
}

/**
 * Urgency rank, lower first: overdue, urgent, escalated, returned or waiting on a decision,
 * then the rest. Within a rank the oldest report comes first, as in a dispatch queue.
 */
export function urgencyRank(i: IncidentDto): number {
  if (i.overdue && i.state !== 'resolved') return 0;
  if (i.priority === 'urgent') return 1;
  if (i.escalated) return 2;
  if (i.extension !== null || (i.state === 'filed' && i.returnCount > 0)) return 3;
  return 4;
}

export function byUrgencyThenAge(a: IncidentDto, b: IncidentDto): number {
  return (
    urgencyRank(a) - urgencyRank(b) ||
    Date.parse(a.reportedAt) - Date.parse(b.reportedAt) ||
    a.id - b.id
  );
}

/** The dispatcher's queue: the view, the filters, sorted by urgency and age. */
export function dispatchQueue(all: Iterable<IncidentDto>, f: QueueFilter): IncidentDto[] {
  const out: IncidentDto[] = [];
  for (const i of all) if (inDispatchView(i, f.view) && matches(i, f)) out.push(i);
  return out.sort(byUrgencyThenAge);
}

/** How many incidents each view holds (with the other filters applied). */
export function viewCounts(
  all: Iterable<IncidentDto>,
  f: QueueFilter,
): Record<DispatchView, number> {
  const counts = Object.fromEntries(DISPATCH_VIEWS.map((v) => [v, 0])) as Record<
    DispatchView,
    number
  >;
  for (const i of all) {
    if (!matches(i, f)) continue;
    for (const v of DISPATCH_VIEWS) if (inDispatchView(i, v)) counts[v]++;
  }
  return counts;
}

/**
 * A department's own work: dispatched to it and not yet resolved, overdue on top, then the
 * nearest deadline; resolved work waiting for verification comes last.
 */
export function departmentQueue(
  all: Iterable<IncidentDto>,
  department: string | null,
): IncidentDto[] {
  if (!department) return [];
  const rank = (i: IncidentDto): number => (i.state === 'resolved' ? 2 : i.overdue ? 0 : 1);
  const out: IncidentDto[] = [];
  for (const i of all) {
    if (i.department !== department) continue;
    if (i.state !== 'dispatched' && i.state !== 'in_progress' && i.state !== 'resolved') continue;
    out.push(i);
  }
  return out.sort(
    (a, b) => rank(a) - rank(b) || Date.parse(a.deadline) - Date.parse(b.deadline) || a.id - b.id,
  );
}

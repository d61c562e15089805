/** Incident (事件/案件) fields the domain reasons about. */
export const INCIDENT_STATES = [
  'reported',
  'filed',
  'rejected',
  'dispatched',
  'in_progress',
  'resolved',
  'closed',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** Terminal states: nothing more happens to the incident. */
export const TERMINAL_STATES: readonly IncidentState[] = ['rejected', 'closed'];
/** States in which the deadline clock runs (resolution stops it). */
export const CLOCK_STATES: readonly IncidentState[] = [
  'reported',
  'filed',
  'dispatched',
  'in_progress',
];

export const PRIORITIES = ['normal', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Where a report came from. */
export const SOURCES = ['grid', 'hotline', 'app', 'open311', 'camera', 'patrol'] as const;
export type Source = (typeof SOURCES)[number];

export interface ExtensionRequest {
  until: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
}

export interface IncidentCore {
  id: number;
  version: number;
  state: IncidentState;
  category: string;
  priority: Priority;
  gridCode: string;
  reporterId: number | null;
  department: string | null;
  deadline: string;
  overdue: boolean;
  escalated: boolean;
  reminded: boolean;
  returnCount: number;
  reworkCount: number;
  mergedInto: number | null;
  extension: ExtensionRequest | null;
  reportedAt: string;
  filedAt: string | null;
  dispatchedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
}

export function isOpen(state: IncidentState): boolean {
  return !TERMINAL_STATES.includes(state);
}

export function clockRuns(state: IncidentState): boolean {
  return CLOCK_STATES.includes(state);
}

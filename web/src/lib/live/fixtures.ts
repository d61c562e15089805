import type { Event, IncidentDto } from '@cityops/protocol';

/** Test fixtures for the live store. */
export function incident(over: Partial<IncidentDto> = {}): IncidentDto {
  return {
    id: 1,
    version: 1,
    state: 'reported',
    category: 'municipal.sewer_blocked',
    priority: 'normal',
    source: 'grid',
    description: 'x',
    address: null,
    lng: 113.6,
    lat: 34.7,
    gridCode: '410105001001001',
    path: ['410100', '410105', '410105001', '410105001001', '410105001001001'],
    department: null,
    deadline: '2026-01-02T00:00:00.000Z',
    overdue: false,
    escalated: false,
    reminded: false,
    returnCount: 0,
    reworkCount: 0,
    mergedInto: null,
    extension: null,
    photos: [],
    reporter: null,
    reportedAt: '2026-01-01T02:00:00.000Z',
    filedAt: null,
    dispatchedAt: null,
    resolvedAt: null,
    closedAt: null,
    updatedAt: '2026-01-01T02:00:00.000Z',
    ...over,
  };
}

export function reported(id: number, inc: IncidentDto): Event {
  return {
    id,
    type: 'incident.reported',
    at: inc.reportedAt,
    scope: inc.path,
    incidentId: inc.id,
    data: { incident: inc },
  };
}

export function changed(
  id: number,
  incidentId: number,
  type: Event['type'],
  after: Partial<IncidentDto>,
): Event {
  return {
    id,
    type,
    at: '2026-01-01T03:00:00.000Z',
    scope: ['410100'],
    incidentId,
    data: { before: {}, after },
  };
}

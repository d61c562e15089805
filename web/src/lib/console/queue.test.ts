import { describe, expect, it } from 'vitest';
import type { IncidentDto } from '@cityops/protocol';
import {
  departmentQueue,
  dispatchQueue,
  EMPTY_FILTER,
  inDispatchView,
  viewCounts,
} from './queue.ts';

let seq = 0;
function inc(p: Partial<IncidentDto>): IncidentDto {
  seq += 1;
  return {
    id: seq,
    version: 1,
    state: 'reported',
    category: 'municipal.sewer_blocked',
    priority: 'normal',
    source: 'grid',
    description: `d${seq}`,
    address: null,
    lng: 113.6,
    lat: 34.7,
    gridCode: 'g1',
    path: ['c', 'd1', 's1', 'm1', 'g1'],
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
    reportedAt: '2026-01-01T00:00:00.000Z',
    filedAt: null,
    dispatchedAt: null,
    resolvedAt: null,
    closedAt: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...p,
  };
}

describe('dispatch queue', () => {
  it('holds new, to-dispatch, returned, overdue, extension and to-close work, not work in hand or finished', () => {
    const reported = inc({});
    const filed = inc({ state: 'filed' });
    const returned = inc({ state: 'filed', returnCount: 1 });
    const working = inc({ state: 'in_progress', department: 'water' });
    const lateWork = inc({ state: 'in_progress', department: 'water', overdue: true });
    const extension = inc({
      state: 'dispatched',
      extension: { until: 'x', reason: 'r', requestedBy: 'u', requestedAt: 'a' },
    });
    const resolved = inc({ state: 'resolved' });
    const closed = inc({ state: 'closed' });
    const all = [reported, filed, returned, working, lateWork, extension, resolved, closed];
    const todo = dispatchQueue(all, EMPTY_FILTER).map((i) => i.id);
    expect(new Set(todo)).toEqual(
      new Set([reported.id, filed.id, returned.id, lateWork.id, extension.id, resolved.id]),
    );
    expect(inDispatchView(returned, 'returned')).toBe(true);
    expect(inDispatchView(filed, 'returned')).toBe(false);
    expect(inDispatchView(closed, 'open')).toBe(false);
    const counts = viewCounts(all, EMPTY_FILTER);
    expect(counts).toMatchObject({
      todo: 6,
      new: 1,
      toDispatch: 2,
      returned: 1,
      overdue: 1,
      extension: 1,
      toClose: 1,
      open: 7,
    });
  });

  it('sorts overdue, then urgent, then escalated, then returned, then the rest; oldest first within each', () => {
    const old = inc({ reportedAt: '2026-01-01T00:00:00Z' });
    const young = inc({ reportedAt: '2026-01-01T05:00:00Z' });
    const urgent = inc({ priority: 'urgent', reportedAt: '2026-01-01T06:00:00Z' });
    const overdue = inc({ state: 'filed', overdue: true, reportedAt: '2026-01-01T07:00:00Z' });
    const escalated = inc({ escalated: true, reportedAt: '2026-01-01T08:00:00Z' });
    const returned = inc({ state: 'filed', returnCount: 2, reportedAt: '2026-01-01T09:00:00Z' });
    const order = dispatchQueue(
      [young, returned, old, escalated, urgent, overdue],
      EMPTY_FILTER,
    ).map((i) => i.id);
    expect(order).toEqual([overdue.id, urgent.id, escalated.id, returned.id, old.id, young.id]);
  });

  it('filters by category group or code, region, source, state and text', () => {
    const a = inc({
      category: 'sanitation.exposed_garbage',
      source: 'hotline',
      path: ['c', 'd2', 's9'],
      description: '东门垃圾',
    });
    const b = inc({});
    const f = { ...EMPTY_FILTER };
    expect(dispatchQueue([a, b], { ...f, category: 'sanitation' }).map((i) => i.id)).toEqual([
      a.id,
    ]);
    expect(
      dispatchQueue([a, b], { ...f, category: 'municipal.sewer_blocked' }).map((i) => i.id),
    ).toEqual([b.id]);
    expect(dispatchQueue([a, b], { ...f, region: 'd2' }).map((i) => i.id)).toEqual([a.id]);
    expect(dispatchQueue([a, b], { ...f, source: 'hotline' }).map((i) => i.id)).toEqual([a.id]);
    expect(dispatchQueue([a, b], { ...f, state: 'filed' })).toEqual([]);
    expect(dispatchQueue([a, b], { ...f, text: '东门' }).map((i) => i.id)).toEqual([a.id]);
  });
});

describe('department queue', () => {
  it('shows only the department’s work, overdue on top, then by deadline, resolved last', () => {
    const soon = inc({
      state: 'in_progress',
      department: 'water',
      deadline: '2026-01-01T10:00:00Z',
    });
    const later = inc({
      state: 'dispatched',
      department: 'water',
      deadline: '2026-01-01T12:00:00Z',
    });
    const late = inc({
      state: 'in_progress',
      department: 'water',
      overdue: true,
      deadline: '2026-01-01T20:00:00Z',
    });
    const done = inc({ state: 'resolved', department: 'water', deadline: '2026-01-01T01:00:00Z' });
    const others = inc({ state: 'dispatched', department: 'fire' });
    const closed = inc({ state: 'closed', department: 'water' });
    expect(
      departmentQueue([soon, later, late, done, others, closed], 'water').map((i) => i.id),
    ).toEqual([late.id, soon.id, later.id, done.id]);
    expect(departmentQueue([soon], null)).toEqual([]);
  });
});

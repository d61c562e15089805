import { describe, expect, it, vi } from 'vitest';
import type { Event, IncidentDto, Snapshot, SubscribeAck } from '@cityops/protocol';
import { changed, incident, reported } from './fixtures.ts';
import { LiveSync, type FlushChange, type LiveSocketLike } from './live-sync.ts';

class FakeSocket implements LiveSocketLike {
  connected = true;
  subscribes: { request: { scope: string; since?: number }; ack: (r: SubscribeAck) => void }[] = [];
  emit(
    _e: 'subscribe',
    request: { scope: string; since?: number },
    ack: (r: SubscribeAck) => void,
  ): void {
    this.subscribes.push({ request, ack });
  }
  get last(): { request: { scope: string; since?: number }; ack: (r: SubscribeAck) => void } {
    const s = this.subscribes.at(-1);
    if (!s) throw new Error('no subscribe');
    return s;
  }
}

function snapshot(lastEventId: number, incidents: IncidentDto[]): Snapshot {
  const region = {
    code: '410100',
    name: '郑州市',
    level: 'city' as const,
    parentCode: null,
    path: ['410100'],
    center: [113, 34] as [number, number],
  };
  const zero = {
    reportedToday: 0,
    filedToday: 0,
    resolvedToday: 0,
    open: 0,
    overdue: 0,
    onTimeRate: null,
    medianResolutionMinutes: null,
    workersOnDuty: 0,
    patrolCoverage: null,
  };
  return {
    scope: region,
    children: [],
    lastEventId,
    serverTime: new Date().toISOString(),
    incidents,
    workers: [],
    kpis: zero,
    gridVisits: {},
    gridCount: 10,
    yesterday: zero,
    recent: [],
    hourly: { today: [], avg7: [] },
    departmentReturns: {},
  };
}

function setup(
  snap: Snapshot,
  fetchIncident: (id: number) => Promise<IncidentDto | null> = () => Promise.resolve(null),
) {
  const socket = new FakeSocket();
  const flushes: FlushChange[] = [];
  const timers: (() => void)[] = [];
  let now = 1000;
  const sync = new LiveSync({
    socket,
    loadSnapshot: vi.fn(() => Promise.resolve(snap)),
    fetchIncident: vi.fn(fetchIncident),
    scheduleFlush: (run) => {
      timers.push(run);
      return () => timers.splice(timers.indexOf(run), 1);
    },
    now: () => now,
    onFlush: (c) => flushes.push(c),
    onSnapshot: () => undefined,
  });
  const runTimers = (): void => {
    now += 300;
    for (const t of timers.splice(0)) t();
  };
  return { socket, sync, flushes, runTimers };
}

describe('LiveSync', () => {
  it('subscribes from the snapshot lastEventId', async () => {
    const { socket, sync } = setup(snapshot(10, []));
    await sync.load(undefined);
    expect(socket.last.request).toEqual({ scope: '410100', since: 10 });
    expect(sync.phase).toBe('subscribing');
  });

  it('buffers events until the ack, then applies replay + live once, dropping duplicates', async () => {
    const { socket, sync, flushes } = setup(snapshot(10, [incident({ id: 1 })]));
    await sync.load(undefined);
    const replay: Event[] = [changed(11, 1, 'incident.filed', { state: 'filed', version: 2 })];
    const live: Event[] = [
      changed(11, 1, 'incident.filed', { state: 'filed', version: 2 }),
      changed(12, 1, 'incident.dispatched', { state: 'dispatched', version: 3 }),
    ];
    sync.receive(replay);
    sync.receive(live);
    expect(sync.data.incidents.get(1)?.version).toBe(1); // nothing applied before the ack
    socket.last.ack({ ok: true, lastEventId: 12, replayed: 1 });
    expect(sync.phase).toBe('live');
    expect(sync.data.incidents.get(1)).toMatchObject({ version: 3, state: 'dispatched' });
    expect(flushes).toHaveLength(1);
    expect(flushes[0]?.applied.map((e) => e.id)).toEqual([11, 12]);
    expect(sync.lastEventId).toBe(12);
  });

  it('drops live events at or below the acked lastEventId', async () => {
    const { socket, sync, runTimers } = setup(snapshot(10, [incident({ id: 1 })]));
    await sync.load(undefined);
    socket.last.ack({ ok: true, lastEventId: 20, replayed: 0 });
    sync.receive([changed(15, 1, 'incident.filed', { state: 'filed', version: 2 })]);
    runTimers();
    expect(sync.data.incidents.get(1)?.version).toBe(1);
  });

  it('batches live events into one flush', async () => {
    const { socket, sync, flushes, runTimers } = setup(snapshot(0, []));
    await sync.load(undefined);
    socket.last.ack({ ok: true, lastEventId: 0, replayed: 0 });
    for (let i = 1; i <= 50; i++) sync.receive([reported(i, incident({ id: i }))]);
    expect(flushes).toHaveLength(0);
    runTimers();
    expect(flushes).toHaveLength(1);
    expect(sync.data.incidents.size).toBe(50);
  });

  it('fetches an incident on a version gap and replaces it', async () => {
    const fetched = incident({ id: 1, version: 4, state: 'in_progress' });
    const { socket, sync, runTimers } = setup(snapshot(0, [incident({ id: 1 })]), () =>
      Promise.resolve(fetched),
    );
    await sync.load(undefined);
    socket.last.ack({ ok: true, lastEventId: 0, replayed: 0 });
    sync.receive([changed(5, 1, 'incident.signed', { state: 'in_progress', version: 4 })]);
    runTimers();
    await Promise.resolve();
    await Promise.resolve();
    runTimers();
    expect(sync.data.incidents.get(1)).toMatchObject({ version: 4, state: 'in_progress' });
    // A late copy of version 3 is now a duplicate.
    sync.receive([changed(6, 1, 'incident.dispatched', { state: 'dispatched', version: 3 })]);
    runTimers();
    expect(sync.data.incidents.get(1)?.state).toBe('in_progress');
  });

  it('hands each flush the old and new copy of every incident it replaced, fetched ones too', async () => {
    const first = incident({ id: 1 });
    const fetched = incident({ id: 1, version: 4, state: 'in_progress' });
    const { socket, sync, flushes, runTimers } = setup(snapshot(0, [first]), () =>
      Promise.resolve(fetched),
    );
    await sync.load(undefined);
    socket.last.ack({ ok: true, lastEventId: 0, replayed: 0 });
    const second = incident({ id: 2 });
    sync.receive([
      reported(1, second),
      changed(2, 2, 'incident.filed', { state: 'filed', version: 2 }),
      changed(3, 1, 'incident.signed', { state: 'in_progress', version: 4 }), // a gap: fetched
    ]);
    runTimers();
    const filed = sync.data.incidents.get(2);
    expect(flushes.at(-1)?.incidentChanges).toEqual([
      { before: undefined, after: second },
      { before: second, after: filed },
    ]);
    await Promise.resolve();
    await Promise.resolve();
    runTimers();
    expect(flushes.at(-1)?.incidentChanges).toEqual([{ before: first, after: fetched }]);
  });

  it('re-subscribes from lastEventId after a reconnect and ignores the stale ack', async () => {
    const { socket, sync } = setup(snapshot(10, []));
    await sync.load(undefined);
    const first = socket.last;
    first.ack({ ok: true, lastEventId: 10, replayed: 0 });
    sync.receive([reported(11, incident({ id: 1 }))]);
    sync.disconnected();
    sync.receive([reported(12, incident({ id: 2 }))]); // dropped: not subscribed
    sync.subscribe();
    expect(socket.last.request.since).toBe(11);
    first.ack({ ok: true, lastEventId: 99, replayed: 0 }); // stale
    expect(sync.phase).toBe('subscribing');
  });

  it('reloads the snapshot on resync', async () => {
    const { socket, sync } = setup(snapshot(10, []));
    await sync.load(undefined);
    socket.last.ack({ ok: true, lastEventId: 10, replayed: 0 });
    await sync.resync();
    expect(socket.subscribes).toHaveLength(2);
    expect(socket.last.request.since).toBe(10);
  });
});

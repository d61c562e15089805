import type { Event } from '@cityops/protocol';

/** At most one `patrol.checkin` position per worker per this many milliseconds reaches boards. */
export const CHECKIN_RELAY_INTERVAL_MS = 5_000;

/**
 * Thin a relay batch so thousands of workers never flood a board: per worker, keep at most
 * one check-in per `intervalMs` (the newest in the batch), but always keep patrol start/end.
 * `lastSent` (worker → time of the last relayed position) is updated in place; pure otherwise.
 * The full history stays in the events table, the snapshot and replays.
 */
export function thinCheckins(
  batch: readonly Event[],
  lastSent: Map<number, number>,
  now: number,
  intervalMs = CHECKIN_RELAY_INTERVAL_MS,
): Event[] {
  // The newest plain check-in of each worker in this batch: older ones are superseded anyway.
  const newest = new Map<number, number>();
  for (const e of batch) {
    const worker = workerOf(e);
    if (worker !== null && e.data['kind'] !== 'start' && e.data['kind'] !== 'end')
      newest.set(worker, e.id);
  }
  const out: Event[] = [];
  for (const e of batch) {
    const worker = workerOf(e);
    if (worker === null) {
      out.push(e);
      continue;
    }
    const edge = e.data['kind'] === 'start' || e.data['kind'] === 'end';
    if (!edge) {
      if (newest.get(worker) !== e.id) continue;
      const last = lastSent.get(worker);
      if (last !== undefined && now - last < intervalMs) continue;
      lastSent.set(worker, now);
    }
    out.push(e);
  }
  // Forget workers idle for a while, so the map stays as small as the active workforce.
  if (lastSent.size > 10_000)
    for (const [w, t] of lastSent) if (now - t >= intervalMs) lastSent.delete(w);
  return out;
}

function workerOf(e: Event): number | null {
  if (e.type !== 'patrol.checkin') return null;
  const id = e.data['userId'];
  return typeof id === 'number' ? id : null;
}

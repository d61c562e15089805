import { z } from 'zod';
import type { Event } from './events.ts';

export const SubscribeRequest = z.object({
  scope: z.string().min(1).max(32),
  since: z.number().int().min(0).optional(),
});
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

export type SubscribeAck =
  { ok: true; lastEventId: number; replayed: number } | { ok: false; error: string };

/**
 * Why a client must reload its snapshot: it asked from the future, is beyond replay, a
 * cross-process broadcast may have been lost, or it reads too slowly to be fed live.
 */
export type ResyncReason =
  'ahead_of_server' | 'too_far_behind' | 'fanout_interrupted' | 'slow_consumer';

/** Server → client on namespace `/live`. */
export interface ServerToClient {
  events: (payload: { events: Event[] }) => void;
  resync: (payload: { reason: ResyncReason }) => void;
  tick: (payload: { lastEventId: number; serverTime: string }) => void;
}

/** Client → server on namespace `/live`. */
export interface ClientToServer {
  subscribe: (request: SubscribeRequest, ack: (reply: SubscribeAck) => void) => void;
}

export const LIVE_NAMESPACE = '/live';
/** At most one `events` batch per socket per this many milliseconds. */
export const BATCH_INTERVAL_MS = 50;
/** A client further behind than this many events is told to resync instead of replayed. */
export const MAX_REPLAY = 5000;
export const TICK_INTERVAL_MS = 5000;

import { z } from 'zod';
import { INCIDENT_EVENT_TYPES } from '@cityops/domain';

/**
 * `account.*` events are the audit trail of the admin's changes: written with an empty region
 * path, so no room and no replay ever carries them to a board.
 */
export const ACCOUNT_EVENT_TYPES = ['account.created', 'account.updated'] as const;
export const EVENT_TYPES = [
  ...INCIDENT_EVENT_TYPES,
  'patrol.checkin',
  ...ACCOUNT_EVENT_TYPES,
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** The event envelope: one row of the events table, as it travels. */
export const Event = z.object({
  id: z.number().int().positive(),
  type: EventType,
  at: z.string(),
  /** Region path of where it happened, root first. */
  scope: z.array(z.string()),
  actor: z.string().optional(),
  incidentId: z.number().int().positive().optional(),
  data: z.record(z.string(), z.unknown()),
});
export type Event = z.infer<typeof Event>;

import { z } from 'zod';
import { INCIDENT_EVENT_TYPES } from '@cityops/domain';

export const EVENT_TYPES = [...INCIDENT_EVENT_TYPES, 'patrol.checkin'] as const;
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

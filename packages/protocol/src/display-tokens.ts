import { z } from 'zod';

/** `POST /api/display-tokens`: a kiosk token for one wallboard, limited to `scope`. */
export const CreateDisplayToken = z.object({
  label: z.string().trim().min(1).max(100),
  scope: z.string().min(1).max(32),
});
export type CreateDisplayToken = z.infer<typeof CreateDisplayToken>;

/** A display token as listed (the raw token is never stored, so never listed). */
export const DisplayTokenDto = z.object({
  id: z.number().int(),
  label: z.string(),
  scope: z.object({ code: z.string(), name: z.string() }),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type DisplayTokenDto = z.infer<typeof DisplayTokenDto>;

/** The reply to a create: the only time the raw token and its kiosk URL are shown. */
export const CreatedDisplayToken = DisplayTokenDto.extend({
  token: z.string(),
  /** Relative kiosk URL: `/wallboard?token=dt_…`. */
  url: z.string(),
});
export type CreatedDisplayToken = z.infer<typeof CreatedDisplayToken>;

import { z } from 'zod';
import { ROLES } from '@cityops/domain';

const username = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash or underscore');
const password = z.string().min(8, 'at least 8 characters').max(256);
const code = z.string().trim().min(1).max(64);

/**
 * `POST /api/accounts` (admin): a new account. `scope` is the region it sees; a `department`
 * account names its department, a `field` account its grid (which is then its scope).
 */
export const CreateAccount = z.object({
  username,
  displayName: z.string().trim().min(1).max(60),
  password,
  role: z.enum(ROLES),
  scope: code.optional(),
  department: code.optional(),
  grid: code.optional(),
});
export type CreateAccount = z.infer<typeof CreateAccount>;

/** `PATCH /api/accounts/:id` (admin): any subset; `active: false` also ends its sessions. */
export const UpdateAccount = z
  .object({
    displayName: z.string().trim().min(1).max(60),
    password,
    role: z.enum(ROLES),
    scope: code,
    department: code.nullable(),
    grid: code.nullable(),
    active: z.boolean(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateAccount = z.infer<typeof UpdateAccount>;

/** An account as the admin page lists it (never its password hash). */
export const AccountDto = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  scope: z.object({ code: z.string(), name: z.string() }),
  department: z.string().nullable(),
  grid: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
});
export type AccountDto = z.infer<typeof AccountDto>;

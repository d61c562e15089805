import { asc } from 'drizzle-orm';
import type { AccountDto } from '@cityops/protocol';
import { users } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { assertAdmin, manages, toAccountDto } from './account-rules.ts';

/** Every account whose scope lies within the admin's, by username. */
export async function listAccounts({ ctx }: { ctx: Ctx }): Promise<AccountDto[]> {
  assertAdmin(ctx);
  const rows = await ctx.svc.db.select().from(users).orderBy(asc(users.username));
  return rows.filter((r) => manages(ctx, r.scopeCode)).map((r) => toAccountDto(ctx, r));
}

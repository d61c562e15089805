import { eq } from 'drizzle-orm';
import { CreateAccount, type AccountDto } from '@cityops/protocol';
import { users } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { HttpError, parse } from '../http/errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import { appendEvent } from '../events/append-event.ts';
import { assertAdmin, auditOf, placeAccount, toAccountDto } from './account-rules.ts';

/** Create an account inside the admin's scope; the row and its `account.created` event commit together. */
export async function createAccount({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: unknown;
}): Promise<AccountDto> {
  assertAdmin(ctx);
  const body = parse(CreateAccount, input, 'account');
  const place = await placeAccount(ctx, ctx.svc.db, body.role, body);
  const passwordHash = await hashPassword(body.password);
  const actor = ctx.principal.kind === 'user' ? ctx.principal.username : null;
  const row = await ctx.svc.db.transaction(async (tx) => {
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.username, body.username));
    if (taken) throw usernameTaken(body.username);
    const [created] = await tx
      .insert(users)
      .values({
        username: body.username,
        displayName: body.displayName,
        passwordHash,
        role: body.role,
        ...place,
      })
      .onConflictDoNothing({ target: users.username })
      .returning();
    if (!created) throw usernameTaken(body.username);
    await appendEvent(tx, {
      type: 'account.created',
      at: ctx.svc.now(),
      actor,
      scope: [],
      incidentId: null,
      data: { after: auditOf(created) },
    });
    return created;
  });
  return toAccountDto(ctx, row);
}

function usernameTaken(username: string): HttpError {
  return new HttpError(409, 'conflict', `username ${username} is taken`, {
    username: 'already taken',
  });
}

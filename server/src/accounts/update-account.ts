import { eq } from 'drizzle-orm';
import { UpdateAccount, type AccountDto } from '@cityops/protocol';
import { sessions, users } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { badRequest, notFound, parse } from '../http/errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import { appendEvent } from '../events/append-event.ts';
import { assertAdmin, auditOf, manages, placeAccount, toAccountDto } from './account-rules.ts';

/**
 * Change an account inside the admin's scope. A new password or `active: false` also ends its
 * sessions. The change and its `account.updated` event (before/after) commit together.
 */
export async function updateAccount({
  ctx,
  id,
  input,
}: {
  ctx: Ctx;
  id: number;
  input: unknown;
}): Promise<AccountDto> {
  const adminId = assertAdmin(ctx);
  const body = parse(UpdateAccount, input, 'account');
  if (id === adminId && (body.active === false || (body.role && body.role !== 'admin')))
    throw badRequest('invalid account: you cannot lock yourself out', {
      [body.active === false ? 'active' : 'role']: 'not on your own account',
    });
  const passwordHash = body.password ? await hashPassword(body.password) : undefined;
  const actor = ctx.principal.kind === 'user' ? ctx.principal.username : null;
  const row = await ctx.svc.db.transaction(async (tx) => {
    const [before] = await tx.select().from(users).where(eq(users.id, id)).for('update');
    if (!before || !manages(ctx, before.scopeCode)) throw notFound(`account ${id}`);
    const role = body.role ?? before.role;
    const placementChanged =
      body.role !== undefined ||
      body.scope !== undefined ||
      body.department !== undefined ||
      body.grid !== undefined;
    const place = placementChanged
      ? await placeAccount(ctx, tx, role, {
          scope: body.scope ?? (body.role === undefined ? before.scopeCode : undefined),
          department: body.department === undefined ? before.departmentCode : body.department,
          grid: body.grid === undefined ? before.gridCode : body.grid,
        })
      : {};
    const [after] = await tx
      .update(users)
      .set({
        ...place,
        ...(body.role ? { role } : {}),
        ...(body.displayName ? { displayName: body.displayName } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        ...(passwordHash ? { passwordHash } : {}),
      })
      .where(eq(users.id, id))
      .returning();
    if (body.active === false || passwordHash)
      await tx.delete(sessions).where(eq(sessions.userId, id));
    await appendEvent(tx, {
      type: 'account.updated',
      at: ctx.svc.now(),
      actor,
      scope: [],
      incidentId: null,
      data: {
        before: auditOf(before),
        after: auditOf(after!),
        ...(passwordHash ? { passwordReset: true } : {}),
      },
    });
    return after!;
  });
  return toAccountDto(ctx, row);
}

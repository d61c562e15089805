import { eq } from 'drizzle-orm';
import { isWithin, type Role } from '@cityops/domain';
import type { AccountDto } from '@cityops/protocol';
import { departments, users, type DbOrTx } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { badRequest, forbidden } from '../http/errors.ts';
import { principalScope } from '../auth/scope.ts';

export type AccountRow = typeof users.$inferSelect;

/** Only admins manage accounts; returns the admin's user id. */
export function assertAdmin(ctx: Ctx): number {
  const p = ctx.principal;
  if (p.kind !== 'user' || p.role !== 'admin') throw forbidden('requires role admin');
  return p.userId;
}

/** An account the caller may see and change: its scope lies within the caller's. */
export function manages(ctx: Ctx, scopeCode: string): boolean {
  const node = ctx.svc.regions.get(scopeCode);
  return !!node && isWithin(node.path, principalScope(ctx.svc.regions, ctx.principal).path);
}

export interface Placement {
  scopeCode: string;
  departmentCode: string | null;
  gridCode: string | null;
}

/**
 * Where an account of `role` sits, checked: a field worker's scope is their grid, a department
 * handler names a department (its region is the default scope), everyone else a region. Every
 * region must lie within the admin's own. Throws a 422 naming the field.
 */
export async function placeAccount(
  ctx: Ctx,
  db: DbOrTx,
  role: Role,
  want: { scope?: string | undefined; department?: string | null; grid?: string | null },
): Promise<Placement> {
  const region = (code: string, field: string): string => {
    const node = ctx.svc.regions.get(code);
    if (!node) throw badRequest(`invalid account: ${field}`, { [field]: `no region ${code}` });
    if (!manages(ctx, code))
      throw badRequest(`invalid account: ${field}`, { [field]: `${code} is outside your scope` });
    return node.code;
  };
  if (role === 'field') {
    if (!want.grid)
      throw badRequest('invalid account: grid', { grid: 'a grid worker needs a grid' });
    const code = region(want.grid, 'grid');
    if (ctx.svc.regions.get(code)!.level !== 'grid')
      throw badRequest('invalid account: grid', { grid: `${code} is not a grid` });
    return { scopeCode: code, departmentCode: null, gridCode: code };
  }
  if (want.grid)
    throw badRequest('invalid account: grid', { grid: 'only a grid worker has a grid' });
  if (role === 'department') {
    if (!want.department)
      throw badRequest('invalid account: department', {
        department: 'a department handler needs a department',
      });
    const [d] = await db.select().from(departments).where(eq(departments.code, want.department));
    if (!d)
      throw badRequest('invalid account: department', {
        department: `no department ${want.department}`,
      });
    return {
      scopeCode: region(want.scope ?? d.regionCode, 'scope'),
      departmentCode: d.code,
      gridCode: null,
    };
  }
  if (want.department)
    throw badRequest('invalid account: department', {
      department: 'only a department handler has a department',
    });
  const scope = want.scope ?? principalScope(ctx.svc.regions, ctx.principal).code;
  return { scopeCode: region(scope, 'scope'), departmentCode: null, gridCode: null };
}

export function toAccountDto(ctx: Ctx, r: AccountRow): AccountDto {
  return {
    id: r.id,
    username: r.username,
    displayName: r.displayName,
    role: r.role,
    scope: { code: r.scopeCode, name: ctx.svc.regions.get(r.scopeCode)?.name ?? r.scopeCode },
    department: r.departmentCode,
    grid: r.gridCode,
    active: r.active,
    createdAt: r.createdAt.toISOString(),
  };
}

/** What the audit event keeps of an account: everything but its password hash. */
export function auditOf(r: AccountRow): Record<string, unknown> {
  return {
    id: r.id,
    username: r.username,
    displayName: r.displayName,
    role: r.role,
    scope: r.scopeCode,
    department: r.departmentCode,
    grid: r.gridCode,
    active: r.active,
  };
}

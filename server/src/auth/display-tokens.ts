import { desc, eq } from 'drizzle-orm';
import { isWithin } from '@cityops/domain';
import {
  CreateDisplayToken,
  type CreatedDisplayToken,
  type DisplayTokenDto,
} from '@cityops/protocol';
import { displayTokens, users } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { forbidden, notFound, parse } from '../http/errors.ts';
import { principalScope, resolveScope } from './scope.ts';
import { createDisplayToken, revokeDisplayToken } from './sessions.ts';

type Row = typeof displayTokens.$inferSelect & { createdByName: string | null };

function toDto(ctx: Ctx, r: Row): DisplayTokenDto {
  return {
    id: r.id,
    label: r.label,
    scope: { code: r.scopeCode, name: ctx.svc.regions.get(r.scopeCode)?.name ?? r.scopeCode },
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdByName,
    revokedAt: r.revokedAt ? r.revokedAt.toISOString() : null,
  };
}

function assertIssuer(ctx: Ctx): number {
  const p = ctx.principal;
  if (p.kind !== 'user' || (p.role !== 'admin' && p.role !== 'operator'))
    throw forbidden('requires role admin or operator');
  return p.userId;
}

/** The caller's view of one token: it exists and its scope lies within the caller's. */
function visible(ctx: Ctx, scopeCode: string): boolean {
  const node = ctx.svc.regions.get(scopeCode);
  return !!node && isWithin(node.path, principalScope(ctx.svc.regions, ctx.principal).path);
}

async function listRows(ctx: Ctx, id?: number): Promise<Row[]> {
  const q = ctx.svc.db
    .select({
      id: displayTokens.id,
      tokenHash: displayTokens.tokenHash,
      label: displayTokens.label,
      scopeCode: displayTokens.scopeCode,
      createdBy: displayTokens.createdBy,
      createdAt: displayTokens.createdAt,
      revokedAt: displayTokens.revokedAt,
      createdByName: users.username,
    })
    .from(displayTokens)
    .leftJoin(users, eq(users.id, displayTokens.createdBy));
  const rows =
    id === undefined
      ? await q.orderBy(desc(displayTokens.id))
      : await q.where(eq(displayTokens.id, id));
  return rows.filter((r) => visible(ctx, r.scopeCode));
}

/** Display tokens whose scope lies within the caller's, newest first (revoked ones too). */
export async function listDisplayTokens({ ctx }: { ctx: Ctx }): Promise<DisplayTokenDto[]> {
  assertIssuer(ctx);
  return (await listRows(ctx)).map((r) => toDto(ctx, r));
}

/** Issue a read-only kiosk token for one scope inside the caller's own. */
export async function issueDisplayToken({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: unknown;
}): Promise<CreatedDisplayToken> {
  const userId = assertIssuer(ctx);
  const body = parse(CreateDisplayToken, input, 'display token');
  const scope = resolveScope(ctx.svc.regions, ctx.principal, body.scope);
  const t = await createDisplayToken(
    ctx.svc.db,
    { label: body.label, scopeCode: scope.code, createdBy: userId },
    ctx.svc.now(),
  );
  const [row] = await listRows(ctx, t.id);
  return { ...toDto(ctx, row!), token: t.token, url: `/wallboard?token=${t.token}` };
}

/** Revoke a token (idempotent for an already revoked one); 404 when the caller cannot see it. */
export async function revokeToken({ ctx, id }: { ctx: Ctx; id: number }): Promise<DisplayTokenDto> {
  assertIssuer(ctx);
  const [row] = await listRows(ctx, id);
  if (!row) throw notFound(`display token ${id}`);
  if (!row.revokedAt) await revokeDisplayToken(ctx.svc.db, id, ctx.svc.now());
  const [after] = await listRows(ctx, id);
  return toDto(ctx, after!);
}

import type { PhotoDto } from '@cityops/protocol';
import { and, eq, like, sql } from 'drizzle-orm';
import { encodePath } from '@cityops/domain';
import { events, incidents, photos } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { forbidden, notFound } from '../http/errors.ts';
import { principalScope } from '../auth/scope.ts';
import { checkPhoto, type CheckedPhoto } from './check-photo.ts';
import type { PhotoStore } from './photo-store.ts';

/**
 * POST /api/photos: check the bytes, then store them by content hash and record the photo.
 * A rejected upload writes nothing; the same photo twice is one photo.
 */
export async function uploadPhoto({
  ctx,
  store,
  bytes,
}: {
  ctx: Ctx;
  store: PhotoStore;
  bytes: Buffer;
}): Promise<{ created: boolean; photo: PhotoDto }> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user') throw forbidden('display tokens are read-only');
  const checked: CheckedPhoto = await checkPhoto(bytes);
  // Bytes first, then the row: a row always has its bytes; an orphaned file is harmless.
  await store.put(checked.sha256, bytes);
  const inserted = await svc.db
    .insert(photos)
    .values({ ...checked, uploadedBy: principal.userId, createdAt: svc.now() })
    .onConflictDoNothing()
    .returning({ sha256: photos.sha256 });
  return { created: inserted.length > 0, photo: checked };
}

/**
 * GET /api/photos/:sha256 for its uploader, or for anyone who can see an incident it belongs
 * to (as a report photo, or in the timeline of a resolve or verification).
 */
export async function readPhoto({
  ctx,
  store,
  sha256,
}: {
  ctx: Ctx;
  store: PhotoStore;
  sha256: string;
}): Promise<{ mime: string; bytes: Buffer }> {
  const { svc, principal } = ctx;
  const [row] = await svc.db.select().from(photos).where(eq(photos.sha256, sha256));
  if (!row) throw notFound(`photo ${sha256}`);
  const mine = principal.kind === 'user' && principal.userId === row.uploadedBy;
  if (!mine && !(await visibleInScope(ctx, sha256))) throw notFound(`photo ${sha256}`);
  const bytes = await store.get(sha256);
  if (!bytes) throw notFound(`photo ${sha256}`);
  return { mime: row.mime, bytes };
}

async function visibleInScope(ctx: Ctx, sha256: string): Promise<boolean> {
  const prefix = `${encodePath(principalScope(ctx.svc.regions, ctx.principal).path)}%`;
  const [inc] = await ctx.svc.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(like(incidents.path, prefix), sql`jsonb_exists(${incidents.photos}, ${sha256})`))
    .limit(1);
  if (inc) return true;
  const [ev] = await ctx.svc.db
    .select({ id: events.id })
    .from(events)
    .where(
      and(
        like(events.path, prefix),
        sql`${events.incidentId} is not null`,
        sql`jsonb_exists(${events.data} -> 'photos', ${sha256})`,
      ),
    )
    .limit(1);
  return ev !== undefined;
}

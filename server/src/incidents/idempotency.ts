import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { idempotencyKeys, type Db, type Tx } from '@cityops/db';
import { HttpError } from '../http/errors.ts';

/** A pending key older than this is taken to belong to a request that died. */
const ABANDONED_MS = 60_000;

export type IdempotencyClaim =
  { kind: 'new'; storageKey: string } | { kind: 'replay'; status: number; body: unknown };

export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * Claim an Idempotency-Key before doing the work. The claim is its own committed row, so a
 * concurrent request with the same key (on any process) sees it: same body → 409 while in
 * flight, the stored reply once done; another body → 422.
 */
export async function claimKey(
  db: Db,
  userId: number,
  key: string,
  hash: string,
  now: Date,
): Promise<IdempotencyClaim> {
  const storageKey = `${userId}:${key}`;
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ key: storageKey, requestHash: hash, status: 'pending', createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { kind: 'new', storageKey };

  const [row] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, storageKey));
  if (!row) return claimKey(db, userId, key, hash, now); // deleted between the two statements
  if (row.requestHash !== hash) {
    throw new HttpError(
      422,
      'idempotency_mismatch',
      'this Idempotency-Key was used with a different request body',
      {
        'Idempotency-Key': 'reused with a different body',
      },
    );
  }
  if (row.status === 'done')
    return { kind: 'replay', status: row.responseStatus ?? 200, body: row.responseBody };
  if (now.getTime() - row.createdAt.getTime() > ABANDONED_MS) {
    const taken = await db
      .update(idempotencyKeys)
      .set({ createdAt: now })
      .where(
        and(
          eq(idempotencyKeys.key, storageKey),
          eq(idempotencyKeys.status, 'pending'),
          lt(idempotencyKeys.createdAt, new Date(now.getTime() - ABANDONED_MS)),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    if (taken.length > 0) return { kind: 'new', storageKey };
  }
  throw new HttpError(
    409,
    'in_flight',
    'a request with this Idempotency-Key is still being processed',
    undefined,
    {
      headers: { 'Retry-After': '1' },
    },
  );
}

/** Store the reply in the same transaction as the work it describes. */
export async function completeKey(
  tx: Tx,
  storageKey: string,
  status: number,
  body: unknown,
): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ status: 'done', responseStatus: status, responseBody: body })
    .where(eq(idempotencyKeys.key, storageKey));
}

/** Give the key back when the work failed, so a corrected retry can use it. */
export async function releaseKey(db: Db, storageKey: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.key, storageKey), eq(idempotencyKeys.status, 'pending')));
}

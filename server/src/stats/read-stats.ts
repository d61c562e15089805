import { sql } from 'drizzle-orm';
import type { Db, Tx } from '@cityops/db';

/**
 * Run the reads of one report in a transaction with JIT off (Postgres costs these plans high,
 * then spends longer compiling than running them; PGlite has no JIT) and room to hash each
 * breakdown of a long range in memory rather than sort it on disk.
 */
export function readStats<T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    await tx.execute(sql`set local work_mem = '64MB'`);
    return read(tx);
  });
}

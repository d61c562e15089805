/**
 * A Postgres connection that dies while a transaction holds it (the server restarted, a backend
 * terminated) fails that transaction and nothing else: the process stays up and the next query
 * gets a fresh connection. node-postgres emits 'error' on the checked-out client, and an 'error'
 * with no listener is an uncaught exception: the whole server went down with it (CI, stop 16).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { open } from '@cityops/db';
import { createPostgresDatabase } from '../support/test-server.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('a Postgres connection lost inside a transaction', () => {
  it('fails the transaction, not the process, and the pool carries on', async () => {
    const { url, drop } = await createPostgresDatabase();
    cleanups.push(drop);
    const database = await open({ url, poolSize: 2 });
    cleanups.push(() => database.close());
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());

    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await database.db
        .transaction(async (tx) => {
          const r = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as {
            rows: { pid: number }[];
          };
          // Between two statements, with no query in flight: the backend goes away.
          await admin.query('select pg_terminate_backend($1)', [r.rows[0]!.pid]);
          await new Promise((res) => setTimeout(res, 300));
          await tx.execute(sql`select 1`);
        })
        .then(
          () => 'committed',
          (err: Error) => err.message,
        );
      expect(outcome).not.toBe('committed');
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    // Both pool connections serve again (the dead one is not handed out).
    const answers = await Promise.all(
      [1, 2].map(async (n) => {
        const r = (await database.db.execute(sql`select ${n}::int as n`)) as unknown as {
          rows: { n: number }[];
        };
        return r.rows[0]!.n;
      }),
    );
    expect(answers).toEqual([1, 2]);
  });
});

/**
 * Fast bulk loading for Postgres and PGlite alike. A batch of rows travels as one JSON parameter
 * and is unpacked by `json_to_recordset`: on PGlite (wasm) this is about twice as fast as a
 * multi-row VALUES with one bind parameter per cell, and it has no 65,535-parameter limit.
 */
import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '@cityops/db';

/**
 * Insert `items` in batches of `batchSize`, each turned into a drizzle insert object (every
 * column present) by `toRow` only when its batch is sent, so no second copy of all rows is held.
 */
export async function bulkInsert<T extends PgTable, I>(
  db: DbOrTx,
  table: T,
  items: readonly I[],
  toRow: (item: I, index: number) => T['$inferInsert'],
  batchSize = 5_000,
): Promise<void> {
  if (items.length === 0) return;
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({
    key,
    name: column.name,
    type: recordType(column.getSQLType()),
  }));
  const list = sql.raw(columns.map((c) => `"${c.name}"`).join(', '));
  const types = sql.raw(columns.map((c) => `"${c.name}" ${c.type}`).join(', '));
  const into = sql.raw(`"${getTableName(table)}"`);
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize).map((item, j) => {
      const out: Record<string, unknown> = {};
      const r = toRow(item, i + j) as Record<string, unknown>;
      for (const c of columns) out[c.name] = r[c.key] ?? null;
      return out;
    });
    const query: SQL = sql`insert into ${into} (${list}) select ${list} from json_to_recordset(${JSON.stringify(batch)}::json) as x(${types})`;
    await db.execute(query);
  }
}

/** Serial types are not types in a record definition. */
function recordType(sqlType: string): string {
  if (sqlType === 'bigserial') return 'bigint';
  if (sqlType === 'serial') return 'integer';
  if (sqlType === 'smallserial') return 'smallint';
  return sqlType;
}

interface IndexDef {
  name: string;
  def: string;
}

/**
 * Run `load` with the table's secondary indexes dropped, then rebuild them: building an index
 * once is much cheaper than maintaining it row by row. Call inside a transaction.
 */
export async function withoutIndexes<R>(
  db: DbOrTx,
  tables: string[],
  load: () => Promise<R>,
): Promise<R> {
  if (tables.length === 0) return load();
  const result = (await db.execute(sql`
    select i.indexname as name, i.indexdef as def
    from pg_indexes i
    join pg_class c on c.relname = i.indexname
    join pg_index x on x.indexrelid = c.oid
    where i.schemaname = current_schema()
      and i.tablename in (${sql.join(
        tables.map((t) => sql`${t}`),
        sql`, `,
      )})
      and not x.indisprimary and not x.indisunique
    order by i.indexname`)) as unknown as { rows: IndexDef[] };
  const indexes = result.rows;
  for (const index of indexes) await db.execute(sql.raw(`drop index "${index.name}"`));
  const value = await load();
  for (const index of indexes) await db.execute(sql.raw(index.def));
  return value;
}

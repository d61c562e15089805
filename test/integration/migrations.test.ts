import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eq, getTableColumns, getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { events, incidents, open, schema, type Database } from '@cityops/db';
import { createPostgresDatabase } from '../support/test-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CHILD = join(ROOT, 'test/support/open-data-dir.ts');
const JOURNAL = JSON.parse(
  readFileSync(join(ROOT, 'packages/db/migrations/meta/_journal.json'), 'utf8'),
) as { entries: unknown[] };

/** Every table the drizzle schema declares, with its columns: what the migrations must create. */
const DECLARED = new Map(
  (Object.values(schema) as unknown[])
    .filter((v): v is PgTable => is(v, PgTable))
    .map(
      (t) =>
        [
          getTableName(t),
          Object.values(getTableColumns(t))
            .map((c) => c.name)
            .sort(),
        ] as const,
    ),
);

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function rows<T>(database: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  const r = (await database.db.execute(query)) as unknown as { rows: T[] };
  return r.rows;
}

async function tablesOf(database: Database): Promise<string[]> {
  const r = await rows<{ table_name: string }>(
    database,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  return r.map((x) => x.table_name);
}

async function columnsOf(database: Database, table: string): Promise<string[]> {
  const r = await rows<{ column_name: string }>(
    database,
    sql`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table}`,
  );
  return r.map((x) => x.column_name).sort();
}

async function migrationsApplied(database: Database): Promise<number> {
  const [r] = await rows<{ n: number | string }>(
    database,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return Number(r!.n);
}

async function expectMigrated(database: Database): Promise<void> {
  const tables = await tablesOf(database);
  expect(tables).toHaveLength(16); // 13 + the statistics rollup (stats_daily, stats_days, stats_overdue)
  expect(tables).toEqual([...DECLARED.keys()].sort());
  for (const [table, columns] of DECLARED)
    expect(await columnsOf(database, table), table).toEqual(columns);
  expect(await migrationsApplied(database)).toBe(JOURNAL.entries.length);
}

/** Insert an incident and its event, read them back, return the incident id. */
async function insertAndSelect(database: Database, description: string): Promise<number> {
  const now = new Date('2025-06-01T08:30:00.123Z');
  const [inc] = await database.db
    .insert(incidents)
    .values({
      state: 'reported',
      categoryCode: 'municipal.sewer_blocked',
      priority: 'normal',
      source: 'grid',
      description,
      lng: 113.7,
      lat: 34.75,
      gridCode: '410171001001001',
      path: '410100/410171/410171001/410171001001/410171001001001/',
      deadline: new Date(now.getTime() + 24 * 3_600_000),
      photos: [],
      reportedAt: now,
      updatedAt: now,
    })
    .returning();
  expect(inc!.id).toBeGreaterThan(0);
  expect(inc!.version).toBe(1);
  const [ev] = await database.db
    .insert(events)
    .values({
      type: 'incident.reported',
      at: now,
      actor: 'field',
      path: inc!.path,
      incidentId: inc!.id,
      data: { action: 'report', nested: { ok: true, list: [1, 2] } },
    })
    .returning();
  const [back] = await database.db
    .select({
      description: incidents.description,
      reportedAt: incidents.reportedAt,
      type: events.type,
      data: events.data,
      eventId: events.id,
    })
    .from(incidents)
    .innerJoin(events, eq(events.incidentId, incidents.id))
    .where(eq(incidents.id, inc!.id));
  expect(back).toEqual({
    description,
    reportedAt: now,
    type: 'incident.reported',
    data: { action: 'report', nested: { ok: true, list: [1, 2] } },
    eventId: ev!.id,
  });
  return inc!.id;
}

function runChild(dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(TSX, [CHILD, dir], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('migrations', () => {
  it('PGlite in memory: migrated to the declared schema, and incidents and events work', async () => {
    const database = await open({ url: 'memory://' });
    cleanups.push(() => database.close());
    expect(database.kind).toBe('pglite');
    await expectMigrated(database);
    await insertAndSelect(database, 'pglite 内存');
  });

  it('Postgres: migrated to the same schema; opening again is idempotent and keeps the data', async () => {
    const pg = await createPostgresDatabase();
    cleanups.push(() => pg.drop());
    const first = await open({ url: pg.url, poolSize: 2 });
    cleanups.push(() => first.close());
    expect(first.kind).toBe('postgres');
    await expectMigrated(first);
    const id = await insertAndSelect(first, 'postgres 第一次');

    const second = await open({ url: pg.url, poolSize: 2 });
    cleanups.push(() => second.close());
    await expectMigrated(second);
    const kept = await second.db.select({ id: incidents.id }).from(incidents);
    expect(kept.map((r) => r.id)).toEqual([id]);
    await insertAndSelect(second, 'postgres 第二次');
  });

  it('Postgres: two processes migrating a fresh database at once both succeed, once', async () => {
    const pg = await createPostgresDatabase();
    cleanups.push(() => pg.drop());
    const both = await Promise.all([
      open({ url: pg.url, poolSize: 2 }),
      open({ url: pg.url, poolSize: 2 }),
    ]);
    for (const d of both) cleanups.push(() => d.close());
    for (const d of both) await expectMigrated(d);
  });
});

describe('the PGlite data directory belongs to one process', () => {
  it('a second process is refused while the first holds it; after close the data is there for the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityops-lock-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pidFile = join(dir, 'cityops.pid');

    const first = await open({ dataDir: dir });
    let firstOpen = true;
    cleanups.push(() => (firstOpen ? first.close() : undefined));
    await expectMigrated(first);
    await insertAndSelect(first, '写在关闭之前');
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(process.pid));

    const refused = await runChild(dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('in use by another cityops process');
    expect(refused.stderr).toContain(`pid ${process.pid}`);
    expect(refused.stdout).not.toContain('descriptions');
    // The refused process touched nothing: the holder still works and still holds the lock.
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(process.pid));
    expect((await first.db.select().from(incidents)).map((r) => r.description)).toEqual([
      '写在关闭之前',
    ]);

    await first.close();
    firstOpen = false;
    expect(existsSync(pidFile)).toBe(false);

    const next = await runChild(dir);
    expect(next.stderr).not.toContain('in use');
    expect(next.code).toBe(0);
    const report = JSON.parse(next.stdout.trim().split('\n').at(-1)!) as { descriptions: string[] };
    expect(report.descriptions).toEqual(['写在关闭之前']);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('a pid file left by a dead process does not block opening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityops-stale-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((res) => dead.on('close', res));
    expect(() => process.kill(deadPid, 0)).toThrow();
    writeFileSync(join(dir, 'cityops.pid'), String(deadPid));

    const database = await open({ dataDir: dir });
    try {
      await expectMigrated(database);
      expect(readFileSync(join(dir, 'cityops.pid'), 'utf8').trim()).toBe(String(process.pid));
      await insertAndSelect(database, '陈旧的锁文件');
    } finally {
      await database.close();
    }
    expect(existsSync(join(dir, 'cityops.pid'))).toBe(false);
  });

  it('a pid file of a killed process that is still a zombie does not block opening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityops-zombie-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // `sleep 0` exits and stays a zombie: its parent became `sleep 30`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 30']);
    cleanups.push(() => parent.kill('SIGKILL'));
    let zombie = 0;
    for (let i = 0; i < 50 && !zombie; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim();
      const pid = Number(kids.split(/\s+/)[0]);
      if (pid && readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) zombie = pid;
    }
    expect(zombie, 'could not make a zombie process').toBeGreaterThan(0);
    expect(() => process.kill(zombie, 0)).not.toThrow();
    writeFileSync(join(dir, 'cityops.pid'), String(zombie));

    const database = await open({ dataDir: dir });
    try {
      expect(readFileSync(join(dir, 'cityops.pid'), 'utf8').trim()).toBe(String(process.pid));
    } finally {
      await database.close();
    }
  });
});

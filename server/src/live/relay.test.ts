import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { eq } from 'drizzle-orm';
import { open, systemState, type Database } from '@cityops/db';
import type { Event } from '@cityops/protocol';
import { appendEvent } from '../events/append-event.ts';
import { Relay } from './relay.ts';

const HOUR = 3_600_000;
let database: Database;
// Migrating a fresh PGlite takes seconds on a busy 2-core machine; one database serves both tests.
beforeAll(async () => {
  database = await open({ url: 'memory://' });
}, 120_000);
afterAll(async () => {
  await database?.close();
});

async function append(n: string): Promise<number> {
  const e = await database.db.transaction((tx) =>
    appendEvent(tx, {
      type: 'incident.reported',
      at: new Date(),
      actor: null,
      scope: ['410100', '410105'],
      incidentId: null,
      data: { n },
    }),
  );
  return e.id;
}

function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (!cond() && Date.now() <= deadline) return;
      clearInterval(t);
      if (cond()) resolve();
      else reject(new Error(`not within ${ms} ms`));
    }, 5);
  });
}

describe('relay', () => {
  it('does not lose a wake-up for a commit made while it is flushing (the poll is an hour away)', async () => {
    const seen: Event[] = [];
    let committedDuringFlush: Promise<void> | null = null;
    const relay: Relay = new Relay({
      db: database.db,
      log: pino({ level: 'silent' }),
      pollMs: HOUR,
      batchMs: 10,
      emit: (code, batch) => {
        if (code !== '410100') return;
        seen.push(...batch);
        // A commit lands while this flush is still running, and signals the relay.
        committedDuringFlush ??= append('second').then(() => relay.poke());
      },
    });
    await relay.start();
    try {
      await append('first');
      relay.poke();
      await until(() => seen.length >= 2);
      expect(seen.map((e) => e.data.n)).toEqual(['first', 'second']);
    } finally {
      await relay.stop();
    }
  });

  it('persists its cursor on stop, so a successor resumes after what was emitted and repeats nothing', async () => {
    const first: Event[] = [];
    const a = new Relay({
      db: database.db,
      log: pino({ level: 'silent' }),
      pollMs: HOUR,
      batchMs: 0,
      saveMs: HOUR,
      emit: (c, b) => c === '410100' && first.push(...b),
    });
    await a.start();
    const id = await append('one');
    a.poke();
    await until(() => first.length === 1);
    await a.stop();
    const [saved] = await database.db
      .select()
      .from(systemState)
      .where(eq(systemState.key, 'relay.cursor'));
    expect(Number(saved!.value)).toBe(id);

    const second: Event[] = [];
    const b = new Relay({
      db: database.db,
      log: pino({ level: 'silent' }),
      pollMs: 20,
      batchMs: 0,
      emit: (c, batch) => c === '410100' && second.push(...batch),
    });
    await b.start();
    try {
      const next = await append('two');
      await until(() => second.length >= 1);
      expect(second.map((e) => e.id)).toEqual([next]);
    } finally {
      await b.stop();
    }
  });
});

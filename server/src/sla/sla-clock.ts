import { and, asc, eq, gt, inArray, lte, or } from 'drizzle-orm';
import { CLOCK_STATES, reminderAt, systemTransition, type SystemAction } from '@cityops/domain';
import { incidents } from '@cityops/db';
import type { Services } from '../context.ts';
import { appendEvent } from '../events/append-event.ts';
import { coreToColumns, toCore, toDto } from '../incidents/incident-row.ts';

const BATCH = 200;

/**
 * The SLA clock: marks incidents overdue when their deadline passes (once: the flag sticks,
 * and the row is re-checked under lock) and sends the reminder (催办) before it. Only the
 * leader runs it; `now` is injected so tests drive time.
 */
export class SlaClock {
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(
    private readonly svc: Services,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () =>
        void this.tick().catch((err: unknown) =>
          this.svc.log.warn({ err }, 'SLA clock tick failed'),
        ),
      this.intervalMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One pass; returns how many incidents it changed. */
  async tick(): Promise<{ overdue: number; reminded: number }> {
    if (this.#running) return { overdue: 0, reminded: 0 };
    this.#running = true;
    try {
      const now = this.svc.now();
      const overdue = await this.#run('mark_overdue', now);
      const reminded = await this.#run('remind', now);
      return { overdue, reminded };
    } finally {
      this.#running = false;
    }
  }

  async #run(action: SystemAction['action'], now: Date): Promise<number> {
    const { db } = this.svc;
    // Reminders are due at most 2 h before the deadline, so look that far ahead.
    const horizon = action === 'mark_overdue' ? now : new Date(now.getTime() + 2 * 3_600_000);
    const flag = action === 'mark_overdue' ? incidents.overdue : incidents.reminded;
    const states =
      action === 'mark_overdue'
        ? [...CLOCK_STATES]
        : ['dispatched' as const, 'in_progress' as const];
    let changed = 0;
    // Keyset paging over (deadline, id): a page of candidates that are not due yet (a short
    // window's reminder comes after a longer one's) must not hide the due ones behind it.
    let after: { deadline: Date; id: number } | null = null;
    for (;;) {
      const page = after
        ? or(
            gt(incidents.deadline, after.deadline),
            and(eq(incidents.deadline, after.deadline), gt(incidents.id, after.id)),
          )
        : undefined;
      const due: { id: number; deadline: Date; dispatchedAt: Date | null }[] = await db
        .select({
          id: incidents.id,
          deadline: incidents.deadline,
          dispatchedAt: incidents.dispatchedAt,
        })
        .from(incidents)
        .where(
          and(
            inArray(incidents.state, states),
            eq(flag, false),
            eq(incidents.overdue, false),
            lte(incidents.deadline, horizon),
            page,
          ),
        )
        .orderBy(asc(incidents.deadline), asc(incidents.id))
        .limit(BATCH);
      const ids = due
        .filter(
          (d) =>
            action === 'mark_overdue' ||
            (d.dispatchedAt !== null && reminderAt(d.dispatchedAt, d.deadline) <= now),
        )
        .map((d) => d.id);
      for (const id of ids) if (await this.#apply(id, action, now)) changed++;
      const last = due[due.length - 1];
      if (due.length < BATCH || !last) break;
      after = { deadline: last.deadline, id: last.id };
    }
    if (changed > 0) this.svc.signal.committed();
    return changed;
  }

  async #apply(id: number, action: SystemAction['action'], now: Date): Promise<boolean> {
    return this.svc.db.transaction(async (tx) => {
      const [row] = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
      if (!row) return false;
      const r = systemTransition(toCore(row), { action }, now);
      if (!r) return false;
      const [updated] = await tx
        .update(incidents)
        .set(coreToColumns(r.incident, now))
        .where(and(eq(incidents.id, id), eq(incidents.version, row.version)))
        .returning();
      if (!updated) return false;
      await appendEvent(tx, {
        type: r.event.type,
        at: now,
        actor: 'system',
        scope: toDto(updated).path,
        incidentId: id,
        data: r.event.data,
      });
      return true;
    });
  }
}

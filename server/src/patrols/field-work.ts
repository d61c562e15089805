import { and, desc, eq, gte, like } from 'drizzle-orm';
import { encodePath } from '@cityops/domain';
import type { FieldWork } from '@cityops/protocol';
import { incidents } from '@cityops/db';
import type { Ctx } from '../context.ts';
import { forbidden } from '../http/errors.ts';
import { principalScope } from '../auth/scope.ts';
import { toDto } from '../incidents/incident-row.ts';

/** A resolved incident should be verified on site within this many hours (核查时限). */
export const VERIFY_WITHIN_HOURS = 24;
const REPORT_DAYS = 30;

/** GET /api/field/work: the grid worker's own reports and the verifications waiting in their grid. */
export async function fieldWork({ ctx }: { ctx: Ctx }): Promise<FieldWork> {
  const { svc, principal } = ctx;
  if (principal.kind !== 'user') throw forbidden('display tokens have no work');
  const now = svc.now();
  const prefix = `${encodePath(principalScope(svc.regions, principal).path)}%`;
  const reportRows = await svc.db
    .select()
    .from(incidents)
    .where(
      and(
        eq(incidents.reporterId, principal.userId),
        gte(incidents.reportedAt, new Date(now.getTime() - REPORT_DAYS * 86_400_000)),
      ),
    )
    .orderBy(desc(incidents.id))
    .limit(100);
  const resolvedRows = await svc.db
    .select()
    .from(incidents)
    .where(and(like(incidents.path, prefix), eq(incidents.state, 'resolved')))
    .orderBy(incidents.resolvedAt)
    .limit(200);
  const verifications = resolvedRows.map((row) => {
    const resolvedAt = row.resolvedAt ?? row.updatedAt;
    const due = new Date(resolvedAt.getTime() + VERIFY_WITHIN_HOURS * 3_600_000);
    return { incident: toDto(row), dueAt: due.toISOString(), overdue: due <= now };
  });
  return {
    reports: reportRows.map(toDto),
    verifications,
    overdueVerifications: verifications.filter((v) => v.overdue).length,
    verifyWithinHours: VERIFY_WITHIN_HOURS,
    serverTime: now.toISOString(),
  };
}

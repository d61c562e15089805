import { decodePath, type Actor, type IncidentCore, type Principal } from '@cityops/domain';
import type { BoardIncident, IncidentDto } from '@cityops/protocol';
import { incidents } from '@cityops/db';

export type IncidentRow = typeof incidents.$inferSelect;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The columns an incident's board fields come from (no free text or JSON to read). */
export const BOARD_COLUMNS = {
  id: incidents.id,
  version: incidents.version,
  state: incidents.state,
  categoryCode: incidents.categoryCode,
  priority: incidents.priority,
  source: incidents.source,
  lng: incidents.lng,
  lat: incidents.lat,
  gridCode: incidents.gridCode,
  path: incidents.path,
  departmentCode: incidents.departmentCode,
  deadline: incidents.deadline,
  overdue: incidents.overdue,
  escalated: incidents.escalated,
  reminded: incidents.reminded,
  returnCount: incidents.returnCount,
  reworkCount: incidents.reworkCount,
  mergedInto: incidents.mergedInto,
  reportedAt: incidents.reportedAt,
  filedAt: incidents.filedAt,
  dispatchedAt: incidents.dispatchedAt,
  resolvedAt: incidents.resolvedAt,
  closedAt: incidents.closedAt,
  updatedAt: incidents.updatedAt,
};

export type BoardRow = Pick<IncidentRow, keyof typeof BOARD_COLUMNS>;

/** The fields a wallboard keeps (BOARD_FIELDS), from the columns BOARD_COLUMNS selects. */
export function toBoardDto(row: BoardRow): BoardIncident {
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    category: row.categoryCode,
    priority: row.priority,
    source: row.source,
    lng: row.lng,
    lat: row.lat,
    gridCode: row.gridCode,
    path: decodePath(row.path),
    department: row.departmentCode,
    deadline: row.deadline.toISOString(),
    overdue: row.overdue,
    escalated: row.escalated,
    reminded: row.reminded,
    returnCount: row.returnCount,
    reworkCount: row.reworkCount,
    mergedInto: row.mergedInto,
    reportedAt: row.reportedAt.toISOString(),
    filedAt: iso(row.filedAt),
    dispatchedAt: iso(row.dispatchedAt),
    resolvedAt: iso(row.resolvedAt),
    closedAt: iso(row.closedAt),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDto(row: IncidentRow): IncidentDto {
  return {
    ...toBoardDto(row),
    description: row.description,
    address: row.address,
    extension: row.extension ?? null,
    photos: row.photos,
    reporter: row.reporterName,
  };
}

export function toCore(row: IncidentRow): IncidentCore {
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    category: row.categoryCode,
    priority: row.priority,
    gridCode: row.gridCode,
    reporterId: row.reporterId,
    department: row.departmentCode,
    deadline: row.deadline.toISOString(),
    overdue: row.overdue,
    escalated: row.escalated,
    reminded: row.reminded,
    returnCount: row.returnCount,
    reworkCount: row.reworkCount,
    mergedInto: row.mergedInto,
    extension: row.extension ?? null,
    reportedAt: row.reportedAt.toISOString(),
    filedAt: row.filedAt?.toISOString() ?? null,
    dispatchedAt: row.dispatchedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

const date = (s: string | null): Date | null => (s ? new Date(s) : null);

/** The columns a transition may change, from the next IncidentCore. */
export function coreToColumns(core: IncidentCore, now: Date): Partial<IncidentRow> {
  return {
    version: core.version,
    state: core.state,
    departmentCode: core.department,
    deadline: new Date(core.deadline),
    overdue: core.overdue,
    escalated: core.escalated,
    reminded: core.reminded,
    returnCount: core.returnCount,
    reworkCount: core.reworkCount,
    mergedInto: core.mergedInto,
    extension: core.extension,
    filedAt: date(core.filedAt),
    dispatchedAt: date(core.dispatchedAt),
    resolvedAt: date(core.resolvedAt),
    closedAt: date(core.closedAt),
    updatedAt: now,
  };
}

export function actorOf(principal: Principal): Actor {
  if (principal.kind === 'display') {
    return {
      role: 'operator',
      username: `display:${principal.tokenId}`,
      department: null,
      grid: null,
      userId: null,
    };
  }
  return {
    role: principal.role,
    username: principal.username,
    department: principal.departmentCode,
    grid: principal.gridCode,
    userId: principal.userId,
  };
}

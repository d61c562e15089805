import type { IncidentDto } from './incidents.ts';
import type { Snapshot } from './rest.ts';

/**
 * The incident fields a wallboard keeps, in the order of a board row. Left out: the free text
 * and attachments (description, address, photos, reporter, extension), which the incident card
 * fetches with the incident itself.
 */
export const BOARD_FIELDS = [
  'id',
  'version',
  'state',
  'category',
  'priority',
  'source',
  'lng',
  'lat',
  'gridCode',
  'path',
  'department',
  'deadline',
  'overdue',
  'escalated',
  'reminded',
  'returnCount',
  'reworkCount',
  'mergedInto',
  'reportedAt',
  'filedAt',
  'dispatchedAt',
  'resolvedAt',
  'closedAt',
  'updatedAt',
] as const satisfies readonly (keyof IncidentDto)[];

export type BoardField = (typeof BOARD_FIELDS)[number];
export type BoardIncident = Pick<IncidentDto, BoardField>;

/**
 * GET /api/snapshot?view=board: the snapshot with its incidents as rows of `fields` rather than
 * objects (no field names repeated 50,000 times, no free text): under half the bytes to send,
 * parse and keep. A row's `path` is an index into `paths`, the region paths its incidents lie
 * in (one per grid, not one per incident). `incidents` is empty; `expandBoardSnapshot` gives
 * the usual shape back.
 */
export interface BoardSnapshot extends Omit<Snapshot, 'incidents'> {
  incidents: [];
  board: { fields: readonly BoardField[]; rows: unknown[][]; paths: string[][] };
}

/** One board row: `i`'s values in BOARD_FIELDS order, its path as `pathIndex` gives it. */
export function boardRow(i: BoardIncident, pathIndex: number): unknown[] {
  return BOARD_FIELDS.map((f) => (f === 'path' ? pathIndex : i[f]));
}

const NO_PHOTOS: string[] = [];

/**
 * The snapshot a board view stands for, with each incident an IncidentDto whose left-out
 * fields are empty (description '', address, reporter and extension null, no photos). The
 * row order is read from `fields`, so a server that sends them in another order is understood.
 * Each incident is one object literal, so all 50,000 share one compact shape in the engine.
 */
export function expandBoardSnapshot(s: BoardSnapshot): Snapshot {
  const { board, ...rest } = s;
  return { ...rest, incidents: expandBoardRows(board) };
}

/** Board rows as IncidentDtos (see expandBoardSnapshot); incidents of a grid share its path. */
export function expandBoardRows({ fields, rows, paths }: BoardSnapshot['board']): IncidentDto[] {
  const at = {} as Record<BoardField, number>;
  for (const f of BOARD_FIELDS) at[f] = fields.indexOf(f);
  return rows.map((r): IncidentDto => {
    const v = (k: number): never => r[k] as never;
    return {
      id: v(at.id),
      version: v(at.version),
      state: v(at.state),
      category: v(at.category),
      priority: v(at.priority),
      source: v(at.source),
      description: '',
      address: null,
      lng: v(at.lng),
      lat: v(at.lat),
      gridCode: v(at.gridCode),
      path: paths[r[at.path] as number] as never,
      department: v(at.department),
      deadline: v(at.deadline),
      overdue: v(at.overdue),
      escalated: v(at.escalated),
      reminded: v(at.reminded),
      returnCount: v(at.returnCount),
      reworkCount: v(at.reworkCount),
      mergedInto: v(at.mergedInto),
      extension: null,
      photos: NO_PHOTOS,
      reporter: null,
      reportedAt: v(at.reportedAt),
      filedAt: v(at.filedAt),
      dispatchedAt: v(at.dispatchedAt),
      resolvedAt: v(at.resolvedAt),
      closedAt: v(at.closedAt),
      updatedAt: v(at.updatedAt),
    };
  });
}

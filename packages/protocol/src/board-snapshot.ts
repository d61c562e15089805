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
 * objects (no field names repeated 50,000 times, no free text): about half the bytes to send,
 * parse and keep. `incidents` is empty; `expandBoardSnapshot` gives the usual shape back.
 */
export interface BoardSnapshot extends Omit<Snapshot, 'incidents'> {
  incidents: [];
  board: { fields: readonly BoardField[]; rows: unknown[][] };
}

/** One board row: `i`'s values in BOARD_FIELDS order. */
export function boardRow(i: BoardIncident): unknown[] {
  return BOARD_FIELDS.map((f) => i[f]);
}

const NO_PHOTOS: string[] = [];

/**
 * The snapshot a board view stands for, with each incident an IncidentDto whose left-out
 * fields are empty (description '', address, reporter and extension null, no photos). The
 * row order is read from `fields`, so a server that sends more or fewer fields is understood.
 */
export function expandBoardSnapshot(s: BoardSnapshot): Snapshot {
  const { board, ...rest } = s;
  const { fields, rows } = board;
  const incidents = rows.map((row) => {
    const i: Record<string, unknown> = {
      description: '',
      address: null,
      extension: null,
      photos: NO_PHOTOS,
      reporter: null,
    };
    for (let k = 0; k < fields.length; k++) i[fields[k]!] = row[k];
    return i as unknown as IncidentDto;
  });
  return { ...rest, incidents };
}

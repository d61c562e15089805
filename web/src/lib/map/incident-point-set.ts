import { isOpen } from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';
import type { IncidentChange } from '../live/apply-events.ts';
import { ChangedKeys } from '../live/changed-keys.ts';
import type { PointCollection, PointFeature, Project } from './features.ts';

/** The change from what a GeoJSON source holds to now, in the shape of MapLibre's `updateData`. */
export interface PointDiff {
  add: PointFeature[];
  remove: number[];
}

const asIs: Project = (lng, lat) => [lng, lat];

/** An incident as a map point: its state, overdue flag and priority drive the styling. */
export function incidentFeature(i: IncidentDto, project: Project = asIs): PointFeature {
  return {
    type: 'Feature',
    id: i.id,
    geometry: { type: 'Point', coordinates: project(i.lng, i.lat) },
    properties: { id: i.id, state: i.state, overdue: i.overdue, urgent: i.priority === 'urgent' },
  };
}

/** Nothing the map draws differs (a reminder or a note changed): the source needs no update. */
function sameLook(a: IncidentDto, b: IncidentDto): boolean {
  return (
    a.state === b.state &&
    a.overdue === b.overdue &&
    a.priority === b.priority &&
    a.lng === b.lng &&
    a.lat === b.lat
  );
}

/**
 * The open incidents as map points, kept from the board's incident changes (finished ones leave
 * the map, they stay in the figures). Each map source reads it through its own `watch()`, and
 * per flush gets an `updateData` diff of the incidents that changed, not all 50,000 points.
 */
export class IncidentPointSet {
  readonly #project: Project;
  readonly #features = new Map<number, PointFeature>();
  readonly #readers = new Set<ChangedKeys<number>>();

  constructor(project: Project = asIs) {
    this.#project = project;
  }

  get size(): number {
    return this.#features.size;
  }

  reset(incidents: Iterable<IncidentDto>): void {
    this.#features.clear();
    for (const i of incidents)
      if (isOpen(i.state)) this.#features.set(i.id, incidentFeature(i, this.#project));
    for (const r of this.#readers) r.markAll();
  }

  apply(changes: readonly IncidentChange[]): void {
    for (const { before, after } of changes) {
      const id = after?.id ?? before?.id;
      if (id === undefined || (before && after && sameLook(before, after))) continue;
      if (after && isOpen(after.state))
        this.#features.set(id, incidentFeature(after, this.#project));
      else if (!this.#features.delete(id)) continue;
      for (const r of this.#readers) r.mark(id);
    }
  }

  /** Every point: for a source that has to be given the whole collection. */
  collection(): PointCollection {
    return { type: 'FeatureCollection', features: [...this.#features.values()] };
  }

  /** A new reader; its first diff is null (give the source the whole collection). */
  watch(): ChangedKeys<number> {
    const reader = new ChangedKeys<number>();
    this.#readers.add(reader);
    return reader;
  }

  unwatch(reader: ChangedKeys<number>): void {
    this.#readers.delete(reader);
  }

  /** What changed for `reader` since it last asked; null: give its source `collection()`. */
  diff(reader: ChangedKeys<number>): PointDiff | null {
    const ids = reader.take();
    if (ids === null) return null;
    const diff: PointDiff = { add: [], remove: [] };
    for (const id of ids) {
      const feature = this.#features.get(id);
      if (feature) diff.add.push(feature);
      else diff.remove.push(id);
    }
    return diff;
  }
}

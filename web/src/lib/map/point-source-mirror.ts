import type { PointCollection, PointFeature } from './features.ts';

export type FeatureId = string | number;

/** The change from one pushed collection to the next, in the shape of MapLibre's `updateData`. */
export interface PointDiff {
  add: PointFeature[];
  remove: FeatureId[];
}

interface Pushed {
  feature: PointFeature;
  /** The round that last saw this id; older ones are gone from the collection. */
  seen: number;
}

/**
 * What a GeoJSON source was last given, so that the next collection goes to it as a diff.
 * `setData` clones every feature to the map's worker on the main thread; a diff clones only
 * the features that changed (a changed incident is a new feature object, see incidentPoints).
 */
export class PointSourceMirror {
  #pushed: Map<FeatureId, Pushed> | null = null;
  #round = 0;

  /**
   * The diff from the last collection to `next`, and remember `next`. Null when the source has
   * to be given the whole collection: nothing was pushed yet, or most of it changed.
   */
  diff(next: PointCollection): PointDiff | null {
    const round = ++this.#round;
    const pushed = this.#pushed;
    if (!pushed) {
      this.#remember(next, round);
      return null;
    }
    const add: PointFeature[] = [];
    for (const feature of next.features) {
      const id = feature.id;
      if (id === undefined) {
        // Without ids there is nothing to diff by.
        this.#remember(next, round);
        return null;
      }
      const known = pushed.get(id);
      if (!known) {
        pushed.set(id, { feature, seen: round });
        add.push(feature);
      } else {
        known.seen = round;
        if (known.feature !== feature) {
          known.feature = feature;
          add.push(feature);
        }
      }
    }
    const remove: FeatureId[] = [];
    if (pushed.size > next.features.length) {
      for (const [id, p] of pushed) {
        if (p.seen === round) continue;
        remove.push(id);
        pushed.delete(id);
      }
    }
    // A new scope replaces nearly everything: one whole data set is cheaper than the diff.
    if (add.length + remove.length > Math.max(64, next.features.length / 2)) {
      this.#remember(next, round);
      return null;
    }
    return { add, remove };
  }

  /** Forget what was pushed: the next collection goes whole (new source data, hidden layer). */
  reset(): void {
    this.#pushed = null;
  }

  #remember(next: PointCollection, round: number): void {
    const pushed = new Map<FeatureId, Pushed>();
    for (const feature of next.features)
      if (feature.id !== undefined) pushed.set(feature.id, { feature, seen: round });
    this.#pushed = pushed;
  }
}

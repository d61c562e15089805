import { describe, expect, it } from 'vitest';
import { isOpen } from '@cityops/domain';
import { incident, randomChanges, seeded } from '../live/fixtures.ts';
import type { PointFeature } from './features.ts';
import { incidentFeature, IncidentPointSet } from './incident-point-set.ts';

/** What a GeoJSON source holds after `setData` and `updateData` calls, by feature id. */
class FakeSource {
  features = new Map<number, PointFeature>();
  setData(all: PointFeature[]): void {
    this.features = new Map(all.map((f) => [f.id as number, f]));
  }
  updateData(diff: { add: PointFeature[]; remove: number[] }): void {
    for (const id of diff.remove) this.features.delete(id);
    for (const f of diff.add) this.features.set(f.id as number, f);
  }
}

/** Give `source` what changed for `reader`, as BoardMap does. */
function push(
  set: IncidentPointSet,
  reader: ReturnType<IncidentPointSet['watch']>,
  source: FakeSource,
): void {
  const diff = set.diff(reader);
  if (diff) source.updateData(diff);
  else source.setData(set.collection().features);
}

const sorted = (features: Iterable<PointFeature>): PointFeature[] =>
  [...features].sort((a, b) => (a.id as number) - (b.id as number));

describe('IncidentPointSet', () => {
  it('keeps sources that read every flush, or rarely, equal to the open incidents', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = seeded(seed);
      const { changes, final } = randomChanges(rand, 400);
      const set = new IncidentPointSet();
      set.reset([]);
      const often = set.watch();
      const rarely = set.watch();
      const [a, b] = [new FakeSource(), new FakeSource()];
      for (let k = 0; k < changes.length;) {
        const n = 1 + Math.floor(rand() * 20);
        set.apply(changes.slice(k, k + n));
        k += n;
        push(set, often, a);
        if (rand() < 0.1) push(set, rarely, b);
      }
      push(set, rarely, b);
      const open = [...final.values()]
        .filter((i) => isOpen(i.state))
        .map((i) => incidentFeature(i));
      expect(sorted(a.features.values()), `seed ${seed}`).toEqual(sorted(open));
      expect(sorted(b.features.values()), `seed ${seed}`).toEqual(sorted(open));
      expect(set.size).toBe(open.length);
    }
  });

  it('sends nothing for a change the map does not show, and the whole set after a reset', () => {
    const set = new IncidentPointSet();
    const one = incident({ id: 1 });
    set.reset([one, incident({ id: 2, state: 'closed' })]);
    const reader = set.watch();
    expect(set.diff(reader)).toBeNull();
    set.apply([{ before: one, after: { ...one, version: 2, reminded: true } }]);
    expect(set.diff(reader)).toEqual({ add: [], remove: [] });
    set.apply([{ before: one, after: { ...one, version: 3, state: 'closed' } }]);
    expect(set.diff(reader)).toEqual({ add: [], remove: [1] });
    set.reset([one]);
    expect(set.diff(reader)).toBeNull();
    expect(set.collection().features.map((f) => f.id)).toEqual([1]);
  });

  it('projects each point for the basemap', () => {
    const set = new IncidentPointSet((lng, lat) => [lng + 1, lat]);
    set.reset([incident({ id: 1, lng: 113.6, lat: 34.7 })]);
    expect(set.collection().features[0]!.geometry.coordinates).toEqual([114.6, 34.7]);
  });
});

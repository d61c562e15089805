import { describe, expect, it } from 'vitest';
import { incident } from '../live/fixtures.ts';
import { incidentPoints, type PointCollection } from './features.ts';
import { PointSourceMirror } from './point-source-mirror.ts';

const many = (n: number): ReturnType<typeof incident>[] =>
  Array.from({ length: n }, (_, k) => incident({ id: k + 1, lng: 113 + k * 1e-4 }));

describe('incidentPoints', () => {
  it('keeps the feature of an unchanged incident and makes a new one for a changed copy', () => {
    const list = many(3);
    const a = incidentPoints(list);
    const changed = { ...list[1]!, state: 'filed' as const, version: 2 };
    const b = incidentPoints([list[0]!, changed, list[2]!]);
    expect(b.features[0]).toBe(a.features[0]);
    expect(b.features[2]).toBe(a.features[2]);
    expect(b.features[1]).not.toBe(a.features[1]);
    expect(b.features[1]!.properties['state']).toBe('filed');
  });

  it('projects again when the projection changes', () => {
    const list = many(1);
    const a = incidentPoints(list);
    const b = incidentPoints(list, (lng, lat) => [lng + 1, lat]);
    expect(b.features[0]!.geometry.coordinates[0]).toBeCloseTo(
      a.features[0]!.geometry.coordinates[0] + 1,
    );
  });
});

describe('PointSourceMirror', () => {
  it('asks for the whole collection first, then sends only what changed', () => {
    const list = many(200);
    const mirror = new PointSourceMirror();
    expect(mirror.diff(incidentPoints(list))).toBeNull();
    expect(mirror.diff(incidentPoints(list))).toEqual({ add: [], remove: [] });

    const changed = { ...list[5]!, state: 'filed' as const, version: 2 };
    const added = incident({ id: 999 });
    const next = [...list.slice(0, 5), changed, ...list.slice(6, 150), ...list.slice(151), added];
    const diff = mirror.diff(incidentPoints(next));
    expect(diff?.add.map((f) => f.id)).toEqual([6, 999]);
    expect(diff?.remove).toEqual([151]);
  });

  it('drops finished incidents: they leave the collection, so they are removed', () => {
    const list = many(100);
    const mirror = new PointSourceMirror();
    mirror.diff(incidentPoints(list));
    const closed = { ...list[0]!, state: 'closed' as const, version: 2 };
    expect(mirror.diff(incidentPoints([closed, ...list.slice(1)]))).toEqual({
      add: [],
      remove: [1],
    });
  });

  it('sends the whole collection again when most of it changed, or after a reset', () => {
    const mirror = new PointSourceMirror();
    mirror.diff(incidentPoints(many(200)));
    const other = Array.from({ length: 200 }, (_, k) => incident({ id: 1000 + k }));
    expect(mirror.diff(incidentPoints(other))).toBeNull();
    expect(mirror.diff(incidentPoints(other))).toEqual({ add: [], remove: [] });
    mirror.reset();
    expect(mirror.diff(incidentPoints(other))).toBeNull();
  });

  it('cannot diff features without ids', () => {
    const mirror = new PointSourceMirror();
    const noIds: PointCollection = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] }, properties: {} },
      ],
    };
    expect(mirror.diff(noIds)).toBeNull();
    expect(mirror.diff(noIds)).toBeNull();
  });
});

import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { isOpen } from '@cityops/domain';
import { randomChanges, seeded } from '../live/fixtures.ts';
import type { PointFeature } from './features.ts';
import { incidentFeature, IncidentPointSet } from './incident-point-set.ts';
import { ClusterClient, type WorkerLike } from './point-clusters.ts';
import { CLUSTER_OPTIONS, PointIndex, type ToIndex } from './point-index.ts';

const WORLD: [number, number, number, number] = [-180, -85, 180, 85];

/**
 * A client and an index talking over a real MessageChannel, as the page and cluster-worker.ts
 * do: what is posted is cloned, and the transferred buffers move.
 */
function connected(): { client: ClusterClient; close: () => void } {
  const { port1, port2 } = new MessageChannel();
  const index = new PointIndex(CLUSTER_OPTIONS);
  port2.on('message', (message: ToIndex) => {
    const answer = index.handle(message);
    if (answer) port2.postMessage(answer);
  });
  const page = {
    postMessage: (m: ToIndex, transfer: Transferable[]) =>
      port1.postMessage(m, transfer as never[]),
    set onmessage(f: WorkerLike['onmessage']) {
      port1.on('message', (data) => f?.({ data } as MessageEvent));
    },
    get onmessage(): WorkerLike['onmessage'] {
      return null;
    },
    close: () => port1.close(),
  };
  return { client: new ClusterClient(page), close: () => port1.close() };
}

const byId = (fs: PointFeature[]): PointFeature[] =>
  [...fs].sort((a, b) => Number(a.properties['id']) - Number(b.properties['id']));

describe('the cluster worker', () => {
  it('holds the open incidents through a stream of changes, and draws each one as the map did', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = seeded(seed);
      const { changes, final } = randomChanges(rand, 300);
      const set = new IncidentPointSet();
      set.reset([]);
      const feed = set.watch();
      const { client, close } = connected();
      for (let k = 0; k < changes.length;) {
        const n = 1 + Math.floor(rand() * 20);
        set.apply(changes.slice(k, k + n));
        k += n;
        client.update(set, feed);
      }
      const open = [...final.values()].filter((i) => isOpen(i.state));
      expect(
        (await client.ids()).sort((a, b) => a - b),
        `seed ${seed}`,
      ).toEqual(open.map((i) => i.id).sort((a, b) => a - b));
      // Past the clusters' last zoom every point is drawn on its own, with its look.
      const lone = await client.view(WORLD, CLUSTER_OPTIONS.maxZoom + 1);
      expect(lone.size).toBe(open.length);
      const expected = open.map((i) => incidentFeature(i));
      expect(
        byId(lone.clusters.features).map((f) => [f.id, f.geometry, f.properties]),
        `seed ${seed}`,
      ).toEqual(byId(expected).map((f) => [f.id, f.geometry, f.properties]));
      close();
    }
  });

  it('clusters zoomed out, counting every point and its overdue ones, and says where a cluster opens', async () => {
    const rand = seeded(7);
    const { final } = randomChanges(rand, 400, 200);
    const set = new IncidentPointSet();
    set.reset(final.values());
    const { client, close } = connected();
    const feed = set.watch();
    expect(client.update(set, feed)).toBe(true);
    const open = [...final.values()].filter((i) => isOpen(i.state));
    const { clusters } = await client.view(WORLD, 9);
    const groups = clusters.features.filter((f) => f.properties['cluster']);
    expect(groups.length).toBeGreaterThan(0);
    let points = 0;
    let overdue = 0;
    for (const f of clusters.features) {
      const p = f.properties;
      points += p['cluster'] ? Number(p['point_count']) : 1;
      overdue += p['cluster'] ? Number(p['overdueCount']) : p['overdue'] ? 1 : 0;
    }
    expect(points).toBe(open.length);
    expect(overdue).toBe(open.filter((i) => i.overdue).length);
    const id = Number(groups[0]!.properties['cluster_id']);
    const zoom = await client.expansionZoom(id);
    expect(zoom).toBeGreaterThan(9);
    // A change builds a new tree; a click on a cluster still on screen is answered from its own.
    const [first] = open;
    set.apply([{ before: first, after: { ...first!, version: 99, state: 'closed' } }]);
    expect(client.update(set, feed)).toBe(true);
    expect(await client.expansionZoom(id)).toBe(zoom);
    expect(await client.expansionZoom(123_456_789)).toBeNull();
    close();
  });

  it('says when a view does not show the last update: asked for before it, or answered before it', async () => {
    const set = new IncidentPointSet();
    set.reset([]);
    const feed = set.watch();
    const { client, close } = connected();
    client.update(set, feed);
    const early = client.view(WORLD, CLUSTER_OPTIONS.maxZoom + 1);
    const { final } = randomChanges(seeded(3), 50);
    set.reset(final.values());
    client.update(set, feed);
    const asked = await early;
    expect(asked.size).toBe(0);
    expect(client.stale(asked.asOf)).toBe(true);
    const again = await client.view(WORLD, CLUSTER_OPTIONS.maxZoom + 1);
    expect(client.stale(again.asOf)).toBe(false);
    expect(again.size).toBe([...final.values()].filter((i) => isOpen(i.state)).length);
    expect(again.size).toBeGreaterThan(0);
    // A view answered before a later update is stale once that update is posted.
    const [first] = [...final.values()].filter((i) => isOpen(i.state));
    set.apply([{ before: first!, after: { ...first!, version: 99, state: 'closed' } }]);
    expect(client.update(set, feed)).toBe(true);
    expect(client.stale(again.asOf)).toBe(true);
    close();
  });

  it('sends nothing when no point changed the way the map shows it', () => {
    const set = new IncidentPointSet();
    set.reset([]);
    const feed = set.watch();
    const { client, close } = connected();
    expect(client.update(set, feed)).toBe(true);
    expect(client.update(set, feed)).toBe(false);
    close();
  });
});

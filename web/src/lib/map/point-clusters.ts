import type { ChangedKeys } from '../live/changed-keys.ts';
import type { PointCollection } from './features.ts';
import type { IncidentPointSet } from './incident-point-set.ts';
import { packPoints, transferables, type FromIndex, type ToIndex } from './point-index.ts';

type Answer<K extends FromIndex['kind']> = Extract<FromIndex, { kind: K }>;
/** A question to the worker, without the `seq` its answer is matched by. */
type Question = ToIndex extends infer T
  ? T extends { seq: number }
    ? Omit<T, 'seq'>
    : never
  : never;

/** What the client needs of a Worker (a MessagePort will do, in the unit tests). */
export interface WorkerLike {
  postMessage(message: ToIndex, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<FromIndex>) => void) | null;
  terminate?: () => void;
  close?: () => void;
}

/** The page's side of the cluster worker (cluster-worker.ts): it sends points, asks for views. */
export class ClusterClient {
  readonly #worker: WorkerLike;
  readonly #waiting = new Map<number, (answer: FromIndex) => void>();
  #seq = 0;
  /** Updates posted so far: a view asked for before the last of them does not show it. */
  #updates = 0;

  constructor(worker: WorkerLike) {
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent<FromIndex>) => {
      const answer = e.data;
      const done = this.#waiting.get(answer.seq);
      this.#waiting.delete(answer.seq);
      done?.(answer);
    };
  }

  /** Send the worker what changed for `feed` (all points for a new reader); false: nothing did. */
  update(points: IncidentPointSet, feed: ChangedKeys<number>): boolean {
    const diff = points.diff(feed);
    if (!diff) {
      const packed = packPoints(points.collection().features);
      this.#post({ kind: 'reset', points: packed }, transferables(packed));
      this.#updates++;
      return true;
    }
    if (!diff.add.length && !diff.remove.length) return false;
    const packed = packPoints(diff.add);
    const remove = Float64Array.from(diff.remove);
    this.#post({ kind: 'change', points: packed, remove }, [
      ...transferables(packed),
      remove.buffer,
    ]);
    this.#updates++;
    return true;
  }

  /**
   * The clusters and lone points in `bbox` at `zoom`, and how many points the worker holds;
   * `asOf`: the updates posted when it was asked for (see `stale`).
   */
  async view(
    bbox: [number, number, number, number],
    zoom: number,
  ): Promise<{ clusters: PointCollection; size: number; asOf: number }> {
    const asOf = this.#updates;
    const { clusters, size } = await this.#ask<'view'>({ kind: 'view', bbox, zoom });
    return { clusters, size, asOf };
  }

  /**
   * Whether an update was posted after the view of `asOf` was asked for, so that view does not
   * show it: one asked for before the last update, or answered before a later one.
   */
  stale(asOf: number): boolean {
    return asOf < this.#updates;
  }

  /** The zoom at which a cluster on screen falls apart; null if it is not on screen. */
  async expansionZoom(clusterId: number): Promise<number | null> {
    return (await this.#ask<'expansion'>({ kind: 'expansion', clusterId })).zoom;
  }

  /** The ids of every point the worker holds (for tests and the benchmark). */
  async ids(): Promise<number[]> {
    return (await this.#ask<'ids'>({ kind: 'ids' })).ids;
  }

  dispose(): void {
    this.#worker.terminate?.();
    this.#worker.close?.();
    this.#waiting.clear();
  }

  #ask<K extends FromIndex['kind']>(question: Question & { kind: K }): Promise<Answer<K>> {
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      this.#waiting.set(seq, resolve as (answer: FromIndex) => void);
      this.#post({ ...question, seq } as ToIndex);
    });
  }

  #post(message: ToIndex, transfer: Transferable[] = []): void {
    this.#worker.postMessage(message, transfer);
  }
}

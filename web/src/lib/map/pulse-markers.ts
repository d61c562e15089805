import { Marker, type Map as MapLibreMap } from 'maplibre-gl';
import type { PointCollection } from './features.ts';

/**
 * The newest reports as pulsing rings: HTML markers animated by CSS (transform and opacity),
 * which the browser's compositor runs without the page's main thread and without a new map
 * frame. (Animating a map layer's paint redrew the whole map, grids and all, 15 times a second
 * while anything was new, which under a live stream is always.) At most `limit` pulse at once,
 * the newest; the rest are ordinary points.
 */
export class PulseMarkers {
  readonly #map: MapLibreMap;
  readonly #limit: number;
  readonly #markers = new Map<number, Marker>();

  constructor(map: MapLibreMap, limit = 40) {
    this.#map = map;
    this.#limit = limit;
  }

  /** Pulse exactly the newest `limit` of `fresh` (in arrival order, oldest first). */
  show(fresh: PointCollection): void {
    const wanted = new Map<number, [number, number]>();
    for (const f of fresh.features.slice(-this.#limit))
      wanted.set(Number(f.id), f.geometry.coordinates as [number, number]);
    for (const [id, marker] of this.#markers) {
      if (wanted.has(id)) continue;
      marker.remove();
      this.#markers.delete(id);
    }
    for (const [id, at] of wanted) {
      const known = this.#markers.get(id);
      if (known) {
        known.setLngLat(at);
        continue;
      }
      const element = document.createElement('div');
      element.className = 'board-pulse';
      element.dataset['incident'] = String(id);
      this.#markers.set(
        id,
        new Marker({ element, anchor: 'center' }).setLngLat(at).addTo(this.#map),
      );
    }
  }

  clear(): void {
    for (const marker of this.#markers.values()) marker.remove();
    this.#markers.clear();
  }
}

import type { LayerSpecification, StyleSpecification } from 'maplibre-gl';
import { COLORS, OVERDUE_COLOR, STATE_COLORS } from '../board/theme.ts';

/** Local fonts: the style has no `glyphs`, so MapLibre draws text with these CSS fonts. */
export const FONT = ['Noto Sans CJK SC', 'sans-serif'];

export const SOURCES = {
  grids: 'grids',
  regions: 'regions',
  regionLabels: 'region-labels',
  incidents: 'incidents',
  /** The same open incidents, unclustered, for the heatmap (fed only while it is shown). */
  heat: 'incident-heat',
  workers: 'workers',
} as const;

/** Layers shown only with a toggle. */
export const HEATMAP_LAYERS = ['incident-heat'] as const;
export const COVERAGE_LAYERS = ['coverage-fill'] as const;
/** Layers the toggles hide: load shading under coverage, clusters under the heatmap. */
export const LOAD_LAYERS = ['grids-fill'] as const;
export const CLUSTER_LAYERS = ['incident-clusters', 'incident-cluster-count'] as const;

/** Coverage colours by class (see coverageClass): none, < 1 h, 1–4 h, older. */
export const COVERAGE_COLORS = ['#3a1020', '#1f9d63', '#b7a43a', '#c2562e'] as const;
/** The heatmap's colour by density (0–1), for the map and its legend. */
export const HEAT_STOPS: readonly [number, string][] = [
  [0, 'rgba(0,0,0,0)'],
  [0.2, 'rgba(55,226,255,0.5)'],
  [0.45, '#4f8dff'],
  [0.7, '#ffc24b'],
  [1, '#ff5470'],
];
/** Grid load colours, for the map and its legend. */
export const LOAD_STOPS: readonly [number, string][] = [
  [0, '#0b1b33'],
  [1, '#12406b'],
  [3, '#1f6aa0'],
  [6, '#d9822b'],
  [10, '#e0364f'],
];

/** The offline base: just a dark background; everything else is our own GeoJSON. */
export function baseStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#030814' } }],
  };
}

const stateColor: unknown[] = ['match', ['get', 'state']];
for (const [state, color] of Object.entries(STATE_COLORS)) stateColor.push(state, color);
stateColor.push(COLORS.muted);

/**
 * Our layers, bottom to top. `rem` scales line widths and text for 4K walls; over a real
 * basemap (`overBasemap`) the grid shading is lighter so the streets show through.
 */
export function boardLayers(rem: number, overBasemap = false): LayerSpecification[] {
  const k = rem / 16;
  const fillOpacity = overBasemap ? 0.45 : 0.85;
  return [
    {
      id: 'grids-fill',
      type: 'fill',
      source: SOURCES.grids,
      paint: {
        'fill-color': [
          'interpolate',
          ['linear'],
          ['coalesce', ['feature-state', 'open'], 0],
          ...LOAD_STOPS.flat(),
        ],
        'fill-opacity': fillOpacity,
        // The grids tile the city edge to edge and grids-line draws their borders: the
        // antialiasing pass (an outline per polygon) cost a third of a software-GL frame.
        'fill-antialias': false,
      },
    },
    {
      id: 'coverage-fill',
      type: 'fill',
      source: SOURCES.grids,
      layout: { visibility: 'none' },
      paint: {
        'fill-color': [
          'match',
          ['coalesce', ['feature-state', 'cov'], 0],
          1,
          COVERAGE_COLORS[1],
          2,
          COVERAGE_COLORS[2],
          3,
          COVERAGE_COLORS[3],
          COVERAGE_COLORS[0],
        ],
        'fill-opacity': fillOpacity,
        'fill-antialias': false,
      },
    },
    {
      id: 'incident-heat',
      type: 'heatmap',
      source: SOURCES.heat,
      layout: { visibility: 'none' },
      paint: {
        'heatmap-weight': ['case', ['get', 'overdue'], 1, 0.5],
        'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 8, 0.6, 14, 2],
        'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 10 * k, 14, 30 * k],
        'heatmap-opacity': 0.8,
        'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'], ...HEAT_STOPS.flat()],
      },
    },
    {
      id: 'grids-line',
      type: 'line',
      source: SOURCES.grids,
      // Zoomed out to a whole city the borders of its thousands of grids are under half a
      // pixel wide: texture, not information, and half the cost of a software-GL frame.
      minzoom: 10.5,
      paint: {
        'line-color': [
          'case',
          ['boolean', ['feature-state', 'visited'], false],
          '#2f8f6a',
          '#1a3354',
        ],
        'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.2 * k, 14, 1 * k],
      },
    },
    {
      id: 'regions-fill',
      type: 'fill',
      source: SOURCES.regions,
      paint: {
        'fill-color': '#37e2ff',
        'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.12, 0],
      },
    },
    {
      id: 'regions-line',
      type: 'line',
      source: SOURCES.regions,
      paint: { 'line-color': '#56c7ff', 'line-width': 2 * k, 'line-opacity': 0.9 },
    },
    {
      id: 'workers',
      type: 'circle',
      source: SOURCES.workers,
      paint: {
        'circle-radius': 3.5 * k,
        'circle-color': '#4ade80',
        'circle-stroke-color': '#03140b',
        'circle-stroke-width': 1 * k,
        // Fade with the age of the last position: bright when just seen, faint near the window's end.
        'circle-opacity': [
          'interpolate',
          ['linear'],
          ['coalesce', ['get', 'age'], 0],
          0,
          1,
          1,
          0.2,
        ],
        'circle-stroke-opacity': [
          'interpolate',
          ['linear'],
          ['coalesce', ['get', 'age'], 0],
          0,
          1,
          1,
          0.2,
        ],
      },
    },
    {
      id: 'incident-clusters',
      type: 'circle',
      source: SOURCES.incidents,
      filter: ['has', 'point_count'],
      paint: {
        // Reddens with the cluster's share of overdue work: one late case among a hundred
        // only rings it red, so the map does not cry wolf everywhere at city scope.
        'circle-color': [
          'interpolate',
          ['linear'],
          ['/', ['get', 'overdueCount'], ['get', 'point_count']],
          0,
          'rgba(55,226,255,0.55)',
          0.25,
          'rgba(255,84,112,0.8)',
        ],
        'circle-stroke-color': [
          'case',
          ['>', ['get', 'overdueCount'], 0],
          OVERDUE_COLOR,
          COLORS.accent,
        ],
        'circle-stroke-width': ['case', ['>', ['get', 'overdueCount'], 0], 2.5 * k, 1.5 * k],
        'circle-radius': [
          'interpolate',
          ['linear'],
          ['get', 'point_count'],
          2,
          10 * k,
          20,
          15 * k,
          100,
          22 * k,
          500,
          30 * k,
        ],
      },
    },
    {
      id: 'incident-cluster-count',
      type: 'symbol',
      source: SOURCES.incidents,
      filter: ['has', 'point_count'],
      layout: {
        'text-field': ['get', 'point_count_abbreviated'],
        'text-font': FONT,
        'text-size': 12 * k,
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#ffffff' },
    },
    {
      // A halo under urgent and overdue points, so they stand out from across the room.
      id: 'incident-alert',
      type: 'circle',
      source: SOURCES.incidents,
      filter: [
        'all',
        ['!', ['has', 'point_count']],
        ['any', ['get', 'overdue'], ['get', 'urgent']],
      ],
      paint: {
        'circle-radius': 11 * k,
        'circle-color': ['case', ['get', 'overdue'], OVERDUE_COLOR, '#ffc24b'],
        'circle-opacity': 0.28,
        'circle-blur': 0.4,
      },
    },
    {
      id: 'incident-points',
      type: 'circle',
      source: SOURCES.incidents,
      filter: ['!', ['has', 'point_count']],
      paint: {
        'circle-radius': ['case', ['get', 'urgent'], 6.5 * k, 5 * k],
        'circle-color': stateColor as unknown as string,
        'circle-stroke-color': ['case', ['get', 'overdue'], OVERDUE_COLOR, '#02060f'],
        'circle-stroke-width': ['case', ['get', 'overdue'], 2.5 * k, 1 * k],
      },
    },
    {
      id: 'regions-label',
      type: 'symbol',
      source: SOURCES.regionLabels,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT,
        'text-size': 15 * k,
        'text-allow-overlap': false,
      },
      paint: { 'text-color': '#e8f1ff', 'text-halo-color': '#030814', 'text-halo-width': 2 * k },
    },
  ] as LayerSpecification[];
}

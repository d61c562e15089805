import type { IncidentState } from '@cityops/domain';

/** Board colours: dark, high contrast, legible from across the room. */
export const COLORS = {
  bg: '#040a16',
  panel: '#0a1628',
  border: '#1b3556',
  text: '#e8f1ff',
  muted: '#8fa8c8',
  accent: '#37e2ff',
  good: '#4ade80',
  bad: '#ff5470',
  warn: '#ffc24b',
  grid: '#1c3250',
} as const;

export const STATE_COLORS: Record<IncidentState, string> = {
  reported: '#ffc24b',
  filed: '#ff9b4b',
  dispatched: '#37e2ff',
  in_progress: '#4f8dff',
  resolved: '#b48bff',
  closed: '#4ade80',
  rejected: '#6b7a90',
};

export const OVERDUE_COLOR = COLORS.bad;

/** Category group colours, in CATEGORY_GROUPS order. */
export const SERIES_COLORS = [
  '#37e2ff',
  '#4f8dff',
  '#ffc24b',
  '#ff9b4b',
  '#4ade80',
  '#ff5470',
  '#b48bff',
  '#2dd4bf',
  '#f472b6',
  '#a3e635',
];

/** A board chart's tooltip: dark like the panels (ECharts' default is white), sized for the wall. */
export function boardTooltip(
  trigger: 'item' | 'axis',
  rem: number,
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    trigger,
    backgroundColor: COLORS.panel,
    borderColor: COLORS.border,
    textStyle: { color: COLORS.text, fontSize: rem * 0.9 },
    ...more,
  };
}

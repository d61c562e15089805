import type { EChartsCoreOption } from './echarts.ts';

/** An option's component, or list of them, as a list. */
export const asList = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : v === undefined ? [] : [v];

/** The data an option draws (axis categories and series data), as compact JSON. */
export function optionContent(option: EChartsCoreOption): string {
  const axes = [...asList(option['xAxis']), ...asList(option['yAxis'])]
    .map((a) => (a && typeof a === 'object' ? (a as { data?: unknown }).data : undefined))
    .filter((d) => d !== undefined);
  const series = asList(option['series']).map((s) =>
    s && typeof s === 'object' ? (s as { data?: unknown }).data : undefined,
  );
  return JSON.stringify({ axes, series });
}

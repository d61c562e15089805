/**
 * ECharts options of the report pages, for the dark screen palette or the white print palette.
 * Pure builders: the pages pass figures and translated labels in.
 */
import type { EChartsCoreOption } from '../charts/echarts.ts';
import { COLORS, SERIES_COLORS } from '../board/theme.ts';

export interface Palette {
  text: string;
  muted: string;
  grid: string;
  series: readonly string[];
  heat: [string, string, string];
}

export const SCREEN: Palette = {
  text: COLORS.text,
  muted: COLORS.muted,
  grid: COLORS.grid,
  series: SERIES_COLORS,
  heat: ['#0d213b', '#1f6fb2', '#37e2ff'],
};

export const PRINT: Palette = {
  text: '#111111',
  muted: '#444444',
  grid: '#d0d0d0',
  series: [
    '#1f5fbf',
    '#d9822b',
    '#2e8b57',
    '#c0392b',
    '#7d3cbf',
    '#138d90',
    '#b7950b',
    '#6d6d6d',
    '#e84393',
    '#2c3e50',
  ],
  heat: ['#f4f7fb', '#7fb3e6', '#0b4f9c'],
};

const axis = (p: Palette) => ({
  axisLine: { lineStyle: { color: p.grid } },
  axisLabel: { color: p.muted },
  splitLine: { lineStyle: { color: p.grid } },
});

const base = (p: Palette): EChartsCoreOption => ({
  animation: false,
  textStyle: { color: p.text, fontFamily: 'Noto Sans CJK SC, sans-serif' },
  tooltip: { trigger: 'axis' },
  grid: { left: 48, right: 16, top: 32, bottom: 28 },
  color: [...p.series],
});

export function hourlyOption(p: Palette, counts: number[], label: string): EChartsCoreOption {
  return {
    ...base(p),
    xAxis: { type: 'category', data: counts.map((_, h) => `${h}`), ...axis(p) },
    yAxis: { type: 'value', ...axis(p) },
    series: [{ type: 'bar', name: label, data: counts, itemStyle: { color: p.series[0] } }],
  };
}

export function pieOption(p: Palette, items: { name: string; value: number }[]): EChartsCoreOption {
  return {
    ...base(p),
    tooltip: { trigger: 'item' },
    legend: { bottom: 0, textStyle: { color: p.muted } },
    series: [
      {
        type: 'pie',
        radius: ['35%', '62%'],
        center: ['50%', '42%'],
        data: items,
        label: { color: p.text, formatter: '{b}\n{d}%' },
      },
    ],
  };
}

export function barsOption(
  p: Palette,
  items: { name: string; value: number }[],
  label: string,
): EChartsCoreOption {
  const list = items.slice().reverse();
  return {
    ...base(p),
    grid: { left: 120, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', ...axis(p) },
    yAxis: { type: 'category', data: list.map((x) => x.name), ...axis(p) },
    series: [
      {
        type: 'bar',
        name: label,
        data: list.map((x) => x.value),
        itemStyle: { color: p.series[1] },
      },
    ],
  };
}

export interface Line {
  name: string;
  values: (number | null)[];
  percent?: boolean;
}

export function linesOption(
  p: Palette,
  dates: string[],
  lines: Line[],
  percent: boolean,
): EChartsCoreOption {
  return {
    ...base(p),
    legend: { top: 0, textStyle: { color: p.muted } },
    grid: { left: 56, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: dates.map((d) => d.slice(5)), ...axis(p) },
    yAxis: {
      type: 'value',
      ...axis(p),
      ...(percent
        ? { axisLabel: { color: p.muted, formatter: (v: number) => `${Math.round(v * 100)}%` } }
        : {}),
    },
    series: lines.map((l) => ({
      type: 'line',
      name: l.name,
      data: l.values,
      showSymbol: dates.length <= 31,
      connectNulls: false,
    })),
  };
}

export function stackedOption(
  p: Palette,
  names: string[],
  series: { name: string; values: number[] }[],
): EChartsCoreOption {
  return {
    ...base(p),
    legend: { top: 0, textStyle: { color: p.muted } },
    grid: { left: 120, right: 24, top: 36, bottom: 24 },
    xAxis: { type: 'value', ...axis(p) },
    yAxis: { type: 'category', data: names.slice().reverse(), ...axis(p) },
    series: series.map((s) => ({
      type: 'bar',
      stack: 'all',
      name: s.name,
      data: s.values.slice().reverse(),
    })),
  };
}

export function heatmapOption(p: Palette, grid: number[][], weekdays: string[]): EChartsCoreOption {
  const data: [number, number, number][] = [];
  let max = 1;
  grid.forEach((row, wd) =>
    row.forEach((n, h) => {
      data.push([h, wd, n]);
      max = Math.max(max, n);
    }),
  );
  return {
    ...base(p),
    tooltip: { trigger: 'item' },
    grid: { left: 56, right: 16, top: 8, bottom: 56 },
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, h) => `${h}`),
      ...axis(p),
      splitArea: { show: false },
    },
    yAxis: { type: 'category', data: weekdays, ...axis(p) },
    visualMap: {
      min: 0,
      max,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      textStyle: { color: p.muted },
      inRange: { color: p.heat },
    },
    series: [{ type: 'heatmap', data, label: { show: false } }],
  };
}

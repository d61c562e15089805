import type { EChartsCoreOption } from '../../../charts/echarts.ts';
import { COLORS, boardTooltip } from '../../theme.ts';
import type { DepartmentStats } from '../../../live/board-aggregates.ts';

const BUCKET_COLORS = ['#4ade80', '#37e2ff', '#ffc24b', '#ff5470'];

/** Stacked bars: per department, today's resolutions by time from report to resolution. */
export function resolutionOption(
  rows: readonly DepartmentStats[],
  name: (code: string) => string,
  buckets: string[],
  rem: number,
): EChartsCoreOption {
  // The busiest departments, largest at the top (a horizontal category axis lists bottom-up).
  const shown = rows
    .filter((r) => r.resolved > 0)
    .sort((a, b) => b.resolved - a.resolved || a.code.localeCompare(b.code))
    .slice(0, 7)
    .reverse();
  return {
    grid: {
      left: rem * 0.5,
      right: rem * 0.8,
      top: rem * 1.7,
      bottom: rem * 0.2,
      // ECharts 6 warns it is deprecated, but honours it: without it long axis labels are cut.
      containLabel: true,
    },
    legend: {
      top: 0,
      right: 0,
      itemWidth: rem * 0.8,
      itemHeight: rem * 0.6,
      textStyle: { color: COLORS.text, fontSize: rem * 0.75 },
    },
    tooltip: boardTooltip('axis', rem, { axisPointer: { type: 'shadow' } }),
    xAxis: { type: 'value', show: false },
    yAxis: {
      type: 'category',
      data: shown.map((r) => name(r.code)),
      axisLabel: { color: COLORS.text, fontSize: rem * 0.8, interval: 0 },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    series: buckets.map((b, k) => ({
      name: b,
      type: 'bar',
      stack: 'time',
      barWidth: '60%',
      itemStyle: { color: BUCKET_COLORS[k] },
      data: shown.map((r) => r.buckets[k] ?? 0),
    })),
  };
}

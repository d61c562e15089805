import type { EChartsCoreOption } from '../../../charts/echarts.ts';
import { COLORS, boardTooltip } from '../../theme.ts';

/** Reports per hour today (bars up to now) against the 7-day mean (line). */
export function hourlyOption(
  today: number[],
  avg7: number[],
  currentHour: number,
  names: { today: string; avg7: string },
  rem: number,
): EChartsCoreOption {
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  const axisLabel = { color: COLORS.muted, fontSize: rem * 0.75 };
  return {
    grid: { left: rem * 2.6, right: rem * 0.8, top: rem * 2.2, bottom: rem * 1.6 },
    legend: {
      top: 0,
      right: 0,
      itemWidth: rem,
      itemHeight: rem * 0.6,
      textStyle: { color: COLORS.text, fontSize: rem * 0.8 },
    },
    tooltip: boardTooltip('axis', rem),
    xAxis: {
      type: 'category',
      data: hours,
      axisLabel: { ...axisLabel, interval: 3 },
      axisLine: { lineStyle: { color: COLORS.border } },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel,
      splitLine: { lineStyle: { color: COLORS.grid, type: 'dashed' } },
    },
    series: [
      {
        name: names.today,
        type: 'bar',
        barWidth: '60%',
        itemStyle: { color: COLORS.accent, borderRadius: [3, 3, 0, 0] },
        data: today.map((v, h) => (h <= currentHour ? v : null)),
      },
      {
        name: names.avg7,
        type: 'line',
        smooth: true,
        symbol: 'none',
        lineStyle: { color: COLORS.warn, width: rem * 0.15, type: 'dashed' },
        itemStyle: { color: COLORS.warn },
        data: avg7.map((v) => Math.round(v * 10) / 10),
      },
    ],
  };
}

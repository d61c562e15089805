import type { RegionSummary } from '@cityops/protocol';
import type { EChartsCoreOption } from '../../../charts/echarts.ts';
import type { RegionTally } from '../../../live/board-aggregates.ts';
import { COLORS, boardTooltip } from '../../theme.ts';

export interface RegionLoad {
  code: string;
  name: string;
  open: number;
  overdue: number;
  /** Resolved today, and of those on time (the KPI strip's rule). */
  resolved: number;
  onTime: number;
}

export type RankingMetric = 'open' | 'onTime';

/** Open, overdue and today's resolutions per child region of the scope, heaviest first. */
export function regionLoads(
  tallies: ReadonlyMap<string, RegionTally>,
  children: readonly RegionSummary[],
): RegionLoad[] {
  const none: RegionTally = { open: 0, overdue: 0, resolved: 0, onTime: 0 };
  return children
    .map((c) => ({ code: c.code, name: c.name, ...(tallies.get(c.code) ?? none) }))
    .sort((a, b) => b.open - a.open || a.name.localeCompare(b.name));
}

const rate = (r: RegionLoad): number | null => (r.resolved ? r.onTime / r.resolved : null);

/** Child regions by on-time rate today, best first; those with no resolution today last. */
export function rankingByOnTime(rows: RegionLoad[]): RegionLoad[] {
  return [...rows].sort(
    (a, b) =>
      (rate(b) ?? -1) - (rate(a) ?? -1) || b.resolved - a.resolved || a.name.localeCompare(b.name),
  );
}

export function onTimeOption(rows: RegionLoad[], name: string, rem: number): EChartsCoreOption {
  const shown = rankingByOnTime(rows).slice(0, 12).reverse();
  return {
    grid: {
      left: rem * 0.5,
      right: rem * 3,
      top: rem * 1.8,
      bottom: rem * 0.3,
      // ECharts 6 warns it is deprecated, but honours it: without it long axis labels are cut.
      containLabel: true,
    },
    legend: {
      top: 0,
      right: 0,
      itemWidth: rem,
      itemHeight: rem * 0.6,
      textStyle: { color: COLORS.text, fontSize: rem * 0.8 },
    },
    tooltip: boardTooltip('axis', rem, { axisPointer: { type: 'shadow' } }),
    xAxis: { type: 'value', show: false, max: 100 },
    yAxis: {
      type: 'category',
      data: shown.map((r) => r.name),
      axisLabel: { color: COLORS.text, fontSize: rem * 0.8, interval: 0 },
      axisLine: { show: false },
      axisTick: { show: false },
      triggerEvent: true,
    },
    series: [
      {
        name,
        type: 'bar',
        barWidth: '55%',
        // The legend's swatch; each bar is coloured by its own rate.
        itemStyle: { color: COLORS.good },
        label: {
          show: true,
          position: 'right',
          color: COLORS.text,
          fontSize: rem * 0.8,
          formatter: '{c}%',
        },
        data: shown.map((r) => {
          const v = rate(r);
          const pct = v === null ? 0 : Math.round(v * 1000) / 10;
          const color =
            v === null
              ? COLORS.muted
              : v >= 0.9
                ? COLORS.good
                : v >= 0.7
                  ? COLORS.warn
                  : COLORS.bad;
          return {
            value: pct,
            itemStyle: { color, borderRadius: [0, 3, 3, 0] },
            // No resolution today: no rate, not 0 %.
            ...(v === null ? { label: { formatter: '—' } } : {}),
          };
        }),
      },
    ],
  };
}

export function rankingOption(
  rows: RegionLoad[],
  names: { open: string; overdue: string },
  rem: number,
): EChartsCoreOption {
  // Largest at the top: a horizontal bar chart lists categories bottom-up.
  const shown = rows.slice(0, 12).reverse();
  return {
    grid: {
      left: rem * 0.5,
      right: rem * 2.6,
      top: rem * 1.8,
      bottom: rem * 0.3,
      // ECharts 6 warns it is deprecated, but honours it: without it long axis labels are cut.
      containLabel: true,
    },
    legend: {
      top: 0,
      right: 0,
      itemWidth: rem,
      itemHeight: rem * 0.6,
      textStyle: { color: COLORS.text, fontSize: rem * 0.8 },
    },
    tooltip: boardTooltip('axis', rem, { axisPointer: { type: 'shadow' } }),
    xAxis: { type: 'value', show: false },
    yAxis: {
      type: 'category',
      data: shown.map((r) => r.name),
      axisLabel: { color: COLORS.text, fontSize: rem * 0.8, interval: 0 },
      axisLine: { show: false },
      axisTick: { show: false },
      triggerEvent: true,
    },
    series: [
      {
        name: names.open,
        type: 'bar',
        barWidth: '55%',
        barGap: '-100%',
        itemStyle: { color: COLORS.accent, borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: COLORS.text, fontSize: rem * 0.8 },
        data: shown.map((r) => r.open),
      },
      {
        name: names.overdue,
        type: 'bar',
        barWidth: '55%',
        itemStyle: { color: COLORS.bad, borderRadius: [0, 3, 3, 0] },
        data: shown.map((r) => r.overdue),
      },
    ],
  };
}

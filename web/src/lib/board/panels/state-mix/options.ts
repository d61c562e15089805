import { INCIDENT_STATES, type IncidentState } from '@cityops/domain';
import type { EChartsCoreOption } from '../../../charts/echarts.ts';
import { COLORS, STATE_COLORS, boardTooltip } from '../../theme.ts';

/** Incidents on the board per workflow state. */
export function stateMixOption(
  counts: Readonly<Record<IncidentState, number>>,
  label: (s: IncidentState) => string,
  rem: number,
): EChartsCoreOption {
  const states = INCIDENT_STATES.filter((s) => s !== 'rejected');
  return {
    grid: {
      left: rem * 0.5,
      right: rem * 0.5,
      top: rem * 1.6,
      bottom: rem * 0.2,
      // ECharts 6 warns it is deprecated, but honours it: without it long axis labels are cut.
      containLabel: true,
    },
    tooltip: boardTooltip('axis', rem, { axisPointer: { type: 'shadow' } }),
    xAxis: {
      type: 'category',
      data: states.map(label),
      // Six states share ~26rem: two-word English labels go on two lines instead of running
      // into each other (a width limit would also break single words such as "Dispatched").
      axisLabel: {
        color: COLORS.text,
        fontSize: rem * 0.75,
        interval: 0,
        formatter: (value: string) => value.replace(' ', '\n'),
        lineHeight: rem * 0.85,
      },
      axisLine: { lineStyle: { color: COLORS.border } },
      axisTick: { show: false },
    },
    yAxis: { type: 'value', show: false },
    series: [
      {
        type: 'bar',
        barWidth: '55%',
        label: { show: true, position: 'top', color: COLORS.text, fontSize: rem * 0.8 },
        data: states.map((s) => ({
          value: counts[s],
          itemStyle: { color: STATE_COLORS[s], borderRadius: [3, 3, 0, 0] },
        })),
      },
    ],
  };
}

import { SOURCES, type Source } from '@cityops/domain';
import type { EChartsCoreOption } from '../../../charts/echarts.ts';
import { COLORS, SERIES_COLORS, boardTooltip } from '../../theme.ts';

/** Reports today per source channel (grid worker, hotline, app, ...), in SOURCES order. */
export function sourceMixOption(
  counts: Readonly<Record<Source, number>>,
  label: (s: Source) => string,
  rem: number,
): EChartsCoreOption {
  const shown = SOURCES.filter((s) => counts[s] > 0);
  return {
    tooltip: boardTooltip('item', rem),
    legend: {
      orient: 'vertical',
      right: 0,
      top: 'middle',
      itemWidth: rem * 0.8,
      itemHeight: rem * 0.6,
      textStyle: { color: COLORS.text, fontSize: rem * 0.8 },
      formatter: (name: string) => {
        const s = shown.find((x) => label(x) === name);
        return s ? `${name}  ${counts[s]}` : name;
      },
    },
    series: [
      {
        type: 'pie',
        radius: ['45%', '75%'],
        center: ['30%', '50%'],
        itemStyle: { borderColor: COLORS.panel, borderWidth: 2 },
        label: { show: false },
        data: shown.map((s) => ({
          name: label(s),
          value: counts[s],
          itemStyle: { color: SERIES_COLORS[SOURCES.indexOf(s)] },
        })),
      },
    ],
  };
}

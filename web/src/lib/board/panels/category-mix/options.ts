import { CATEGORY_GROUPS } from '@cityops/domain';
import type { EChartsCoreOption } from '../../../charts/echarts.ts';
import type { Locale } from '../../../i18n/locale.ts';
import { COLORS, SERIES_COLORS, boardTooltip } from '../../theme.ts';

export interface CategorySlice {
  code: string;
  name: string;
  value: number;
}

/** Reports today per category group (the store's counts), largest first. */
export function categoryMix(counts: ReadonlyMap<string, number>, locale: Locale): CategorySlice[] {
  return CATEGORY_GROUPS.map((g) => ({
    code: g.code,
    name: locale === 'zh' ? g.name : g.nameEn,
    value: counts.get(g.code) ?? 0,
  }))
    .filter((s) => s.value > 0)
    .sort((a, b) => b.value - a.value);
}

export function categoryMixOption(slices: CategorySlice[], rem: number): EChartsCoreOption {
  const colorOf = (code: string): string =>
    SERIES_COLORS[CATEGORY_GROUPS.findIndex((g) => g.code === code)] ?? COLORS.muted;
  return {
    tooltip: boardTooltip('item', rem),
    series: [
      {
        type: 'pie',
        radius: ['42%', '70%'],
        center: ['50%', '52%'],
        itemStyle: { borderColor: COLORS.panel, borderWidth: 2 },
        // One line per label: ten groups' two-line labels overlapped on the donut's busy side.
        // Set in two columns at the panel's edges, each label gets the whole width beside the
        // donut; the count first, so that where a long English name is still cut, the figure
        // stays ("Municipal facilitie…" had lost its count).
        label: {
          color: COLORS.text,
          fontSize: rem * 0.8,
          formatter: '{c}  {b}',
          alignTo: 'edge',
          edgeDistance: rem * 0.4,
        },
        labelLayout: { hideOverlap: true },
        labelLine: { length: rem * 0.4, length2: 0, lineStyle: { color: COLORS.muted } },
        data: slices.map((s) => ({
          name: s.name,
          value: s.value,
          itemStyle: { color: colorOf(s.code) },
        })),
      },
    ],
  };
}

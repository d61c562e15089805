import type { ECharts, EChartsCoreOption } from './echarts.ts';
import { asList } from './option-content.ts';

/**
 * What a merging `setOption` cannot take away: each component's series type, name and id and
 * the keys it sets. ECharts merges a new option into the one it holds, so a series or a key
 * that an option leaves out stays as the last option set it. The ranking panel alternates
 * between two bar series (open, overdue) on an open axis and one (on-time %) on an axis with
 * `max: 100`, and merged, the on-time view kept the red overdue bars and the open view the
 * 100 cap. The values are left out: they change every update, the shape only when the chart
 * shows something else.
 */
export function optionShape(option: EChartsCoreOption): string {
  const parts: string[] = [];
  for (const key of Object.keys(option).sort()) {
    const items = asList(option[key]).map((c) => {
      if (!c || typeof c !== 'object') return typeof c;
      const o = c as Record<string, unknown>;
      return [o['type'], o['name'], o['id'], Object.keys(o).sort().join(',')].join('|');
    });
    parts.push(`${key}[${items.join(';')}]`);
  }
  return parts.join(' ');
}

/**
 * Draws options on one chart: merged while their shape holds (ECharts then updates what
 * changed in place), replaced when it changes.
 */
export class OptionDrawer {
  #shape: string | null = null;

  draw(chart: ECharts, option: EChartsCoreOption, lazyUpdate = false): void {
    const shape = optionShape(option);
    const notMerge = shape !== this.#shape;
    this.#shape = shape;
    chart.setOption(option, { notMerge, lazyUpdate });
  }
}

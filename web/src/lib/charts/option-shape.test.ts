import { describe, expect, it } from 'vitest';
import { SVGRenderer } from 'echarts/renderers';
import { echarts } from './echarts.ts';
import { OptionDrawer, optionShape } from './option-shape.ts';
import { onTimeOption, rankingOption, type RegionLoad } from '../board/panels/ranking/options.ts';

echarts.use([SVGRenderer]);

const rows: RegionLoad[] = [
  { code: 'a', name: '金水区', open: 518, overdue: 120, resolved: 20, onTime: 20 },
  { code: 'b', name: '二七区', open: 271, overdue: 30, resolved: 10, onTime: 9 },
  { code: 'c', name: '上街区', open: 13, overdue: 0, resolved: 0, onTime: 0 },
];
const names = { open: '在办', overdue: '超期' };

/** A real ECharts instance, rendered to SVG in memory (server-side rendering, no DOM). */
function chart() {
  return echarts.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 300 });
}
type Drawn = { series: { name: string }[]; xAxis: { max?: unknown }[] };

describe('OptionDrawer', () => {
  it('replaces what the ranking no longer shows when it alternates between its measures', () => {
    const c = chart();
    const drawer = new OptionDrawer();
    drawer.draw(c, rankingOption(rows, names, 16));
    expect((c.getOption() as unknown as Drawn).series.map((s) => s.name)).toEqual(['在办', '超期']);

    drawer.draw(c, onTimeOption(rows, '按期办结率', 16));
    let drawn = c.getOption() as unknown as Drawn;
    expect(drawn.series.map((s) => s.name)).toEqual(['按期办结率']);
    expect(drawn.xAxis[0]!.max).toBe(100);
    // A district with no resolution today has no rate, which is not 0 %.
    const svg = c.renderToSVGString();
    expect(svg).toContain('90%');
    expect(svg).toContain('—');
    expect(svg).not.toContain('>0%<');

    drawer.draw(c, rankingOption(rows, names, 16));
    drawn = c.getOption() as unknown as Drawn;
    expect(drawn.series.map((s) => s.name)).toEqual(['在办', '超期']);
    expect(drawn.xAxis[0]!.max ?? null).toBeNull();
    c.dispose();
  });

  it('keeps merging while the shape holds: only the values change', () => {
    const a = rankingOption(rows, names, 16);
    const b = rankingOption([{ ...rows[0]!, open: 600 }, rows[1]!], names, 16);
    expect(optionShape(a)).toBe(optionShape(b));
    expect(optionShape(a)).not.toBe(optionShape(onTimeOption(rows, '按期办结率', 16)));
  });
});

import { describe, expect, it } from 'vitest';
import { EMPTY_TOTALS, indicators, type DailyReport, type StatTotals } from '@cityops/domain';
import { interpolate } from '../i18n/interpolate.ts';
import { en, zh, type MessageKey } from '../i18n/messages.ts';
import { formatChange } from './format.ts';
import { dailySummary } from './summary.ts';

const ind = (patch: Partial<StatTotals>, minutes: number[] = []) =>
  indicators({ ...EMPTY_TOTALS, ...patch }, minutes, { gridCount: 10, workers: 5 });
const tz = (key: MessageKey, p?: Record<string, string | number>): string =>
  interpolate(zh[key], p);
const ten = (key: MessageKey, p?: Record<string, string | number>): string =>
  interpolate(en[key], p);

function report(): DailyReport {
  const region = (
    code: string,
    name: string,
    resolved: number,
    onTime: number,
    overdueOpen: number,
  ) => ({
    code,
    name,
    indicators: ind({ resolved, resolvedOnTime: onTime, overdueOpen }),
  });
  return {
    date: '2026-11-19',
    scope: { code: '410100', name: '郑州市', level: 'city', path: ['410100'] },
    partial: false,
    asOf: '2026-11-19T16:00:00.000Z',
    utcOffsetMinutes: 480,
    indicators: ind(
      { reported: 2314, filed: 2000, resolved: 1000, resolvedOnTime: 931, overdueOpen: 17 },
      [60, 120, 180],
    ),
    previousDay: ind({ reported: 2200, resolved: 1000, resolvedOnTime: 919 }),
    lastWeek: ind({}),
    lastYear: null,
    regions: [
      region('a', '金水区', 500, 490, 9),
      region('b', '二七区', 300, 250, 6),
      region('c', '中原区', 200, 191, 2),
    ],
    childLevel: 'district',
    departments: [],
    workers: { best: [], worst: [] },
    categories: [],
    sources: [],
    kinds: [],
    hourly: new Array(24).fill(0),
    overdue: [],
  };
}

describe('dailySummary', () => {
  it('says what the figures say, in Chinese', () => {
    const s = dailySummary(report(), tz, 'zh', new Date('2026-11-20T02:00:00Z'));
    expect(s).toContain('昨日郑州市上报 2,314 件');
    expect(s).toContain('按期办结率 93.1%，较前日 +1.2 个百分点');
    expect(s).toContain('超期未办结 17 件，集中在 金水区 (9)、二七区 (6)、中原区 (2)');
    expect(s).toContain('按期办结率最高的区县为金水区 98.0%，最低为二七区 83.3%');
    expect(s).toContain('处置时长中位数 2 小时 0 分，P90 2 小时 48 分');
  });

  it('names the date when it is not yesterday, and works in English', () => {
    const s = dailySummary(report(), ten, 'en', new Date('2026-11-25T02:00:00Z'));
    expect(s).toContain('On 2026-11-19 郑州市 received 2,314 reports');
    expect(s).toContain('+1.2 pp on the day before');
  });

  it('says there is nothing overdue when nothing is', () => {
    const r = report();
    r.indicators = ind({ reported: 3 });
    expect(dailySummary(r, tz, 'zh')).toContain('无超期未办结案件');
  });
});

describe('formatChange', () => {
  const pp = (sign: string, value: string): string => `${sign}${value}pp`;
  it('colours a change by which way is better', () => {
    expect(formatChange({ key: 'onTimeRate', unit: 'rate', better: 'higher' }, 0.012, pp)).toEqual({
      text: '+1.2pp',
      tone: 'good',
    });
    expect(formatChange({ key: 'overdueOpen', unit: 'count', better: 'lower' }, 0.5, pp)).toEqual({
      text: '+50.0%',
      tone: 'bad',
    });
    expect(formatChange({ key: 'reported', unit: 'count', better: 'neutral' }, -0.1, pp)).toEqual({
      text: '−10.0%',
      tone: 'neutral',
    });
    expect(formatChange({ key: 'reported', unit: 'count', better: 'neutral' }, null, pp).text).toBe(
      '—',
    );
  });
});

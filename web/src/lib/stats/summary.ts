import {
  INDICATORS,
  addDays,
  changeOf,
  localDate,
  rankBest,
  type DailyReport,
  type IndicatorDef,
} from '@cityops/domain';
import { formatDuration, formatInt, formatPercent } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { formatChange } from './format.ts';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const ON_TIME = INDICATORS.find((d) => d.key === 'onTimeRate') as IndicatorDef;

/**
 * The report's written summary, generated from its figures only: volumes, the on-time rate and its
 * change on the day before, where the overdue cases are, the best and worst region, resolution times.
 */
export function dailySummary(
  r: DailyReport,
  t: Translate,
  locale: Locale,
  now: Date = new Date(),
): string {
  const ind = r.indicators;
  const when = r.partial
    ? t('stats.summary.today')
    : r.date === addDays(localDate(now, r.utcOffsetMinutes), -1)
      ? t('stats.summary.yesterday')
      : t('stats.summary.onDay', { date: r.date });
  const change = changeOf(ON_TIME, ind, r.previousDay);
  const pp = (sign: string, value: string): string => t('stats.pp', { sign, value });
  const parts = [
    t('stats.summary.reported', {
      when,
      scope: r.scope.name,
      reported: formatInt(ind.reported, locale),
      filed: formatInt(ind.filed, locale),
      resolved: formatInt(ind.resolved, locale),
      onTime: formatPercent(ind.onTimeRate),
      onTimeChange:
        change === null
          ? ''
          : t('stats.summary.change', { change: formatChange(ON_TIME, change, pp).text }),
    }),
  ];
  if (ind.overdueOpen > 0) {
    const by = (r.regions.length > 0 ? r.regions : r.departments)
      .filter((x) => x.indicators.overdueOpen > 0)
      .sort(
        (a, b) =>
          b.indicators.overdueOpen - a.indicators.overdueOpen || a.code.localeCompare(b.code),
      )
      .slice(0, 3)
      .map(
        (x) => `${locale === 'en' ? (x.nameEn ?? x.name) : x.name} (${x.indicators.overdueOpen})`,
      );
    parts.push(
      t('stats.summary.overdue', {
        n: formatInt(ind.overdueOpen, locale),
        where: by.join(t('stats.summary.sep')),
      }),
    );
  } else parts.push(t('stats.summary.noOverdue'));
  if (r.childLevel && r.regions.length > 1) {
    const ranked = rankBest(r.regions, 'onTimeRate', {
      n: 1,
      minVolume: 5,
      volume: 'resolved',
      better: 'higher',
    });
    const best = ranked.best[0];
    const worst = ranked.worst[0];
    if (best && worst) {
      parts.push(
        t('stats.summary.best', {
          level: t(`level.${r.childLevel}` as MessageKey),
          best: `${best.name} ${formatPercent(best.indicators.onTimeRate)}`,
          worst: `${worst.name} ${formatPercent(worst.indicators.onTimeRate)}`,
        }),
      );
    }
  }
  if (ind.resolution.median !== null && ind.resolution.p90 !== null) {
    parts.push(
      t('stats.summary.resolution', {
        median: formatDuration(ind.resolution.median * 60_000, locale),
        p90: formatDuration(ind.resolution.p90 * 60_000, locale),
      }),
    );
  }
  return parts.join(locale === 'zh' ? '' : ' ');
}

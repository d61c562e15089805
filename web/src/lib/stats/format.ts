import { formatDuration, formatInt, formatPercent } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import type { IndicatorDef } from '@cityops/domain';

/** An indicator value as the reports show it: counts grouped, shares as %, times as durations. */
export function formatValue(
  unit: IndicatorDef['unit'],
  value: number | null,
  locale: Locale,
): string {
  if (value === null) return '—';
  switch (unit) {
    case 'count':
      return formatInt(value, locale);
    case 'rate':
      return formatPercent(value);
    case 'minutes':
      return formatDuration(value * 60_000, locale);
    case 'number':
      return value.toFixed(1);
  }
}

export type Tone = 'good' | 'bad' | 'neutral';

/** A change from `changeOf`: percentage points for rates, a relative % otherwise; and whether it is good. */
export function formatChange(
  def: IndicatorDef,
  change: number | null,
  pp: (sign: string, value: string) => string,
): { text: string; tone: Tone } {
  if (change === null || !Number.isFinite(change)) return { text: '—', tone: 'neutral' };
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  const magnitude = (Math.abs(change) * 100).toFixed(1);
  const text = def.unit === 'rate' ? pp(sign, magnitude) : `${sign}${magnitude}%`;
  if (def.better === 'neutral' || Math.abs(change) < 1e-9) return { text, tone: 'neutral' };
  const up = change > 0;
  return { text, tone: up === (def.better === 'higher') ? 'good' : 'bad' };
}

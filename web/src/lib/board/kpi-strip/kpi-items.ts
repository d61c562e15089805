import type { KpiFigures } from '@cityops/domain';
import type { MessageKey } from '../../i18n/messages.ts';

export interface KpiItem {
  key: keyof KpiFigures;
  label: MessageKey;
  /** Unit shown after the value. */
  unit: 'count' | 'percent' | 'minutes' | 'people';
  /** Whether a rise is good news (green) or bad (red); null: neutral. */
  upIsGood: boolean | null;
  /** Highlight when the value is above zero (overdue). */
  alarm?: boolean;
}

export const KPI_ITEMS: readonly KpiItem[] = [
  { key: 'reportedToday', label: 'kpi.reportedToday', unit: 'count', upIsGood: null },
  { key: 'filedToday', label: 'kpi.filedToday', unit: 'count', upIsGood: null },
  { key: 'resolvedToday', label: 'kpi.resolvedToday', unit: 'count', upIsGood: true },
  { key: 'open', label: 'kpi.open', unit: 'count', upIsGood: false },
  { key: 'overdue', label: 'kpi.overdue', unit: 'count', upIsGood: false, alarm: true },
  { key: 'onTimeRate', label: 'kpi.onTimeRate', unit: 'percent', upIsGood: true },
  {
    key: 'medianResolutionMinutes',
    label: 'kpi.medianResolution',
    unit: 'minutes',
    upIsGood: false,
  },
  { key: 'workersOnDuty', label: 'kpi.workersOnDuty', unit: 'people', upIsGood: true },
  { key: 'patrolCoverage', label: 'kpi.patrolCoverage', unit: 'percent', upIsGood: true },
];

export interface KpiView {
  value: string;
  /** What follows the value: a message key, '%' for rates, null for none. */
  unit: MessageKey | '%' | null;
  delta: string | null;
  trend: 'up' | 'down' | 'flat' | null;
  tone: 'good' | 'bad' | 'neutral';
}

/** Durations of two hours and more read better in hours from across the room (836 min → 13.9 h). */
const HOURS_FROM_MINUTES = 120;

const UNIT_KEYS: Record<KpiItem['unit'], MessageKey | '%' | null> = {
  count: 'unit.items',
  percent: '%',
  minutes: 'unit.minutes',
  people: 'unit.people',
};

function formatValue(v: number | null, unit: KpiItem['unit']): string {
  if (v === null) return '—';
  if (unit === 'percent') return (v * 100).toFixed(1);
  if (unit === 'minutes') return v < 10 ? v.toFixed(1) : Math.round(v).toString();
  return Math.round(v).toLocaleString('en-US');
}

/** The figure and its change against the same time yesterday. */
export function kpiView(item: KpiItem, today: KpiFigures, yesterday: KpiFigures): KpiView {
  const v = today[item.key];
  const y = yesterday[item.key];
  const inHours = item.unit === 'minutes' && Math.max(v ?? 0, y ?? 0) >= HOURS_FROM_MINUTES;
  const value = inHours ? (v === null ? '—' : (v / 60).toFixed(1)) : formatValue(v, item.unit);
  const unit = inHours ? 'unit.hours' : UNIT_KEYS[item.unit];
  if (v === null || y === null) return { value, unit, delta: null, trend: null, tone: 'neutral' };
  const diff = item.unit === 'percent' ? (v - y) * 100 : inHours ? (v - y) / 60 : v - y;
  const rounded =
    item.unit === 'count' || item.unit === 'people' ? Math.round(diff) : Math.round(diff * 10) / 10;
  const trend = rounded > 0 ? 'up' : rounded < 0 ? 'down' : 'flat';
  const suffix = item.unit === 'percent' ? 'pp' : inHours ? 'h' : '';
  const delta = `${rounded > 0 ? '+' : ''}${rounded}${suffix}`;
  const tone =
    item.upIsGood === null || trend === 'flat'
      ? 'neutral'
      : (trend === 'up') === item.upIsGood
        ? 'good'
        : 'bad';
  return { value, unit, delta, trend, tone };
}

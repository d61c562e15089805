import { describe, expect, it } from 'vitest';
import type { KpiFigures } from '@cityops/domain';
import { KPI_ITEMS, kpiView } from './kpi-items.ts';

const base: KpiFigures = {
  reportedToday: 0,
  filedToday: 0,
  resolvedToday: 0,
  open: 0,
  overdue: 0,
  onTimeRate: null,
  medianResolutionMinutes: null,
  workersOnDuty: 0,
  patrolCoverage: null,
};
const median = KPI_ITEMS.find((i) => i.key === 'medianResolutionMinutes')!;
const open = KPI_ITEMS.find((i) => i.key === 'open')!;
const rate = KPI_ITEMS.find((i) => i.key === 'onTimeRate')!;

describe('kpiView', () => {
  it('shows short durations in minutes', () => {
    const v = kpiView(
      median,
      { ...base, medianResolutionMinutes: 45 },
      { ...base, medianResolutionMinutes: 50 },
    );
    expect(v).toMatchObject({ value: '45', unit: 'unit.minutes', delta: '-5', tone: 'good' });
  });

  it('shows durations of two hours and more in hours, the change too', () => {
    const v = kpiView(
      median,
      { ...base, medianResolutionMinutes: 836 },
      { ...base, medianResolutionMinutes: 320 },
    );
    expect(v).toMatchObject({
      value: '13.9',
      unit: 'unit.hours',
      delta: '+8.6h',
      trend: 'up',
      tone: 'bad',
    });
  });

  it('uses one unit for today and yesterday, whichever is long', () => {
    const v = kpiView(
      median,
      { ...base, medianResolutionMinutes: 90 },
      { ...base, medianResolutionMinutes: 150 },
    );
    expect(v).toMatchObject({ value: '1.5', unit: 'unit.hours', delta: '-1h' });
  });

  it('shows counts, rates in percentage points, and no change when yesterday is unknown', () => {
    expect(kpiView(open, { ...base, open: 1469 }, { ...base, open: 1384 })).toMatchObject({
      value: '1,469',
      unit: 'unit.items',
      delta: '+85',
      tone: 'bad',
    });
    expect(
      kpiView(rate, { ...base, onTimeRate: 0.893 }, { ...base, onTimeRate: 0.916 }),
    ).toMatchObject({
      value: '89.3',
      unit: '%',
      delta: '-2.3pp',
      tone: 'bad',
    });
    expect(kpiView(rate, { ...base, onTimeRate: 0.9 }, base)).toMatchObject({
      delta: null,
      tone: 'neutral',
    });
  });
});

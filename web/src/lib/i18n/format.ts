import { DEPARTMENTS } from '@cityops/domain';
import { interpolate } from './interpolate.ts';
import type { Locale } from './locale.ts';
import { en, zh } from './messages.ts';

/** Pure formatting helpers; they take the locale so they stay testable without Svelte. */
function msg(
  locale: Locale,
  key: 'time.justNow' | 'time.minutes' | 'time.hours' | 'time.days',
  p?: Record<string, number>,
): string {
  return interpolate((locale === 'zh' ? zh : en)[key], p);
}

export function formatDuration(ms: number, locale: Locale): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return msg(locale, 'time.justNow');
  if (minutes < 60) return msg(locale, 'time.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return msg(locale, 'time.hours', { h: hours, m: minutes % 60 });
  return msg(locale, 'time.days', { d: Math.floor(hours / 24), h: hours % 24 });
}

export function formatPercent(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)}%`;
}

export function formatInt(value: number, locale: Locale): string {
  return value.toLocaleString(locale === 'zh' ? 'zh-CN' : 'en-US');
}

/** Local clock time for the board's fixed UTC offset, not the browser's zone. */
export function formatClock(now: Date, utcOffsetMinutes: number, withDate = true): string {
  const d = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return withDate
    ? `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${time}`
    : time;
}

export interface DepartmentName {
  code: string;
  name: string;
  nameEn: string;
}

/** Department code → name; street offices come from the server's list. */
export function departmentName(
  code: string | null | undefined,
  locale: Locale,
  known: ReadonlyMap<string, DepartmentName>,
): string {
  if (!code) return '';
  const d = known.get(code) ?? DEPARTMENTS.find((x) => x.code === code);
  if (!d) return code;
  return locale === 'zh' ? d.name : d.nameEn || d.name;
}

import type { DailyReport, RangeReport } from '@cityops/domain';
import { api } from '../api/client.ts';

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

export function fetchDaily(
  date: string | undefined,
  scope: string | undefined,
): Promise<DailyReport> {
  return api<DailyReport>(`/api/stats/daily?${query({ date, scope })}`);
}

export function fetchRange(
  from: string,
  to: string,
  scope: string | undefined,
): Promise<RangeReport> {
  return api<RangeReport>(`/api/stats/range?${query({ from, to, scope })}`);
}

/** Download links of the same report: the whole workbook, or one table as CSV. */
export function exportUrl(
  kind: 'daily' | 'range',
  params: Record<string, string | undefined>,
  format: 'xlsx' | 'csv',
  lang: string,
  table?: string,
): string {
  return `/api/stats/${kind}?${query({ ...params, format, lang, table })}`;
}

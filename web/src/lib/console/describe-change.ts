import type { Event, IncidentDto } from '@cityops/protocol';
import { formatClock } from '../i18n/format.ts';
import { t, type MessageKey } from '../i18n/index.svelte.ts';

export interface ChangeFormat {
  utcOffsetMinutes: number;
  departmentName: (code: string | null | undefined) => string;
}

/** Fields worth showing before → after; timestamps and the version are noise here. */
const SHOWN = [
  'state',
  'department',
  'deadline',
  'overdue',
  'escalated',
  'extension',
  'returnCount',
  'reworkCount',
  'mergedInto',
  'reminded',
] as const;
type Shown = (typeof SHOWN)[number];

export interface ChangeLine {
  field: Shown;
  label: string;
  before: string;
  after: string;
}

function value(field: Shown, v: unknown, f: ChangeFormat): string {
  if (v === null || v === undefined) return t('console.tl.none');
  switch (field) {
    case 'state':
      return t(`state.${String(v)}` as MessageKey);
    case 'department':
      return f.departmentName(String(v));
    case 'deadline':
      return formatClock(new Date(String(v)), f.utcOffsetMinutes);
    case 'extension':
      return formatClock(new Date((v as { until: string }).until), f.utcOffsetMinutes);
    case 'mergedInto':
      return `#${String(v)}`;
    case 'overdue':
    case 'escalated':
    case 'reminded':
      return v ? t('console.tl.yes') : t('console.tl.no');
    default:
      return String(v);
  }
}

/** The before → after lines of one event, in a fixed order. */
export function changeLines(e: Event, f: ChangeFormat): ChangeLine[] {
  const before = (e.data['before'] ?? {}) as Record<string, unknown>;
  const after = (e.data['after'] ?? {}) as Record<string, unknown>;
  return SHOWN.filter((k) => k in after).map((k) => ({
    field: k,
    label: t(`console.tl.field.${k}`),
    before: value(k, before[k], f),
    after: value(k, after[k], f),
  }));
}

/** The words that came with an event: note, reason, target, extension, verification. */
export function eventDetails(e: Event, f: ChangeFormat): string {
  const d = e.data;
  const parts: string[] = [];
  const str = (k: string): string | undefined =>
    typeof d[k] === 'string' && d[k] ? (d[k] as string) : undefined;
  if (e.type === 'incident.reported') {
    const inc = d['incident'] as IncidentDto | undefined;
    if (inc) parts.push(inc.description);
  }
  if (e.type === 'incident.dispatched' && str('department'))
    parts.push(f.departmentName(str('department')));
  if (e.type === 'incident.returned' && str('department'))
    parts.push(f.departmentName(str('department')));
  if (e.type === 'incident.merged' && typeof d['into'] === 'number') parts.push(`→ #${d['into']}`);
  if (e.type === 'incident.extension_requested' && str('until'))
    parts.push(`→ ${formatClock(new Date(str('until')!), f.utcOffsetMinutes)}`);
  if (e.type === 'incident.extension_decided')
    parts.push(d['approved'] ? t('console.tl.approved') : t('console.tl.refused'));
  for (const k of ['reason', 'note', 'text']) {
    const v = str(k);
    if (v) parts.push(v);
  }
  if (Array.isArray(d['photos']) && d['photos'].length)
    parts.push(`${t('console.detail.photos')} ×${d['photos'].length}`);
  return parts.join(' · ');
}

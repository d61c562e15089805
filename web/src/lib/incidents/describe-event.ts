import { categoryLabel, type IncidentState } from '@cityops/domain';
import type { Event, IncidentDto } from '@cityops/protocol';
import { interpolate } from '../i18n/interpolate.ts';
import type { Locale } from '../i18n/locale.ts';
import { en, zh, type MessageKey } from '../i18n/messages.ts';

export interface DescribeContext {
  locale: Locale;
  /** Region code → name (districts and streets at least). */
  regionName(code: string): string | undefined;
  departmentName(code: string | null | undefined): string;
  incident(id: number): IncidentDto | undefined;
  /** A worker's display name, when known. */
  workerName?(userId: number): string | undefined;
  /**
   * How deep the board's scope is in a region path (city 1, district 2, street 3): the place
   * names the regions below it, down to the street ("金水区花园路街道" at city scope,
   * "花园路街道" in 金水区), or the grid on a street's board. Default: the city.
   */
  scopeDepth?: number;
}

export interface EventLine {
  id: number;
  at: string;
  place: string;
  subject: string;
  action: string;
  /** The incident's state after the event, for colouring. */
  state: IncidentState | null;
  incidentId: number | null;
}

/** "市政设施 › 下水道堵塞" → "下水道堵塞": the ticker names the leaf category. */
export function shortCategory(code: string, locale: Locale): string {
  const label = categoryLabel(code, locale);
  const i = label.lastIndexOf('›');
  return i < 0 ? label : label.slice(i + 1).trim();
}

/** A plain-words line for the ticker: "金水区花园路街道: 下水道堵塞 已派遣至 水务局". */
export function describeEvent(event: Event, ctx: DescribeContext): EventLine {
  const dict = ctx.locale === 'zh' ? zh : en;
  const from = Math.max(1, ctx.scopeDepth ?? 1);
  const names = event.scope
    .slice(from, Math.max(3, from + 1))
    .map((code) => ctx.regionName(code))
    .filter((n): n is string => !!n);
  const place = names.join(ctx.locale === 'zh' ? '' : ' ');
  const base = { id: event.id, at: event.at, place, incidentId: event.incidentId ?? null };
  if (event.type === 'patrol.checkin') {
    const d = event.data as { username?: string; name?: string; userId?: number };
    const name =
      d.name ??
      (d.userId !== undefined ? ctx.workerName?.(d.userId) : undefined) ??
      d.username ??
      '';
    return {
      ...base,
      subject: '',
      action: interpolate(dict['event.patrol.checkin'], { name }),
      state: null,
    };
  }
  const reported = event.data['incident'] as IncidentDto | undefined;
  const local = event.incidentId !== undefined ? ctx.incident(event.incidentId) : undefined;
  const inc = reported ?? local;
  const after = (event.data['after'] ?? {}) as Partial<IncidentDto>;
  const department =
    (typeof event.data['department'] === 'string' ? event.data['department'] : undefined) ??
    after.department ??
    inc?.department;
  let key = `event.${event.type}` as MessageKey;
  if (event.type === 'incident.verified' && event.data['passed'] === false)
    key = 'event.incident.verifiedFailed';
  const template = dict[key] ?? event.type;
  return {
    ...base,
    subject: inc ? shortCategory(inc.category, ctx.locale) : '',
    action: interpolate(template, { department: ctx.departmentName(department) }),
    state: after.state ?? reported?.state ?? inc?.state ?? null,
  };
}

import { getContext, setContext } from 'svelte';
import type { FieldSession } from './field-session.svelte.ts';

const KEY = Symbol('field-session');

export function setFieldSession(session: FieldSession): void {
  setContext(KEY, session);
}

export function fieldSession(): FieldSession {
  return getContext<FieldSession>(KEY);
}

/** Local time of day (HH:MM) in the city's zone (UTC+8 unless the server says otherwise). */
export function clock(iso: string, offsetMinutes = 480): string {
  const d = new Date(Date.parse(iso) + offsetMinutes * 60_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** Month-day and time, for deadlines. */
export function dayClock(iso: string, offsetMinutes = 480): string {
  const d = new Date(Date.parse(iso) + offsetMinutes * 60_000);
  return `${d.getUTCMonth() + 1}-${d.getUTCDate()} ${clock(iso, offsetMinutes)}`;
}

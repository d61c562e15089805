/**
 * `YYYY-MM-DDTHH:mm` for `<input type="datetime-local">`, in the city's fixed UTC offset (the
 * consoles show every time in city time, whatever the browser's own zone is).
 */
export function toLocalInput(d: Date, utcOffsetMinutes: number): string {
  const c = new Date(d.getTime() + utcOffsetMinutes * 60_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${c.getUTCFullYear()}-${p(c.getUTCMonth() + 1)}-${p(c.getUTCDate())}T${p(c.getUTCHours())}:${p(c.getUTCMinutes())}`;
}

/** The instant an input value in city time means, or null when it is empty or invalid. */
export function fromLocalInput(value: string, utcOffsetMinutes: number): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, m[6] ? Number(m[6]) : 0) - utcOffsetMinutes * 60_000;
  return Number.isNaN(utc) ? null : new Date(utc);
}

import type { ActionName } from '@cityops/domain';
import type { ErrorBody, Event, IncidentDto } from '@cityops/protocol';

/** What an action came to: the new incident, or why not (a 409 carries the current one). */
export type ActResult =
  | { ok: true; incident: IncidentDto }
  | { ok: false; kind: 'conflict'; message: string; current: IncidentDto; change: Event | null }
  | {
      ok: false;
      kind: 'invalid' | 'forbidden' | 'error';
      message: string;
      fields: Record<string, string>;
    };

export type ActionParams = Record<string, unknown>;

/**
 * POST /api/incidents/:id/actions with the version the user decided on. On a 409 the
 * incident's latest event is fetched so the user is told who changed what; nothing is retried.
 */
export async function act(
  id: number,
  expectedVersion: number,
  action: ActionName,
  params: ActionParams = {},
): Promise<ActResult> {
  let res: Response;
  try {
    res = await fetch(`/api/incidents/${id}/actions`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ action, expectedVersion, ...params }),
    });
  } catch (err) {
    return {
      ok: false,
      kind: 'error',
      message: err instanceof Error ? err.message : String(err),
      fields: {},
    };
  }
  if (res.ok) return { ok: true, incident: (await res.json()) as IncidentDto };
  let body: ErrorBody | null = null;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not JSON
  }
  const message = body?.error.message ?? res.statusText;
  const current = body?.error.current as IncidentDto | undefined;
  if (res.status === 409 && current) {
    return {
      ok: false,
      kind: 'conflict',
      message,
      current,
      change: await latestChange(id, expectedVersion),
    };
  }
  const kind = res.status === 403 ? 'forbidden' : res.status === 422 ? 'invalid' : 'error';
  return { ok: false, kind, message, fields: body?.error.fields ?? {} };
}

/** The first event after the version the user had: that is the change they did not see. */
async function latestChange(id: number, version: number): Promise<Event | null> {
  try {
    const res = await fetch(`/api/incidents/${id}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) return null;
    const detail = (await res.json()) as { timeline: Event[] };
    const changes = detail.timeline.filter((e) => {
      const v = (e.data['after'] as { version?: number } | undefined)?.version;
      return typeof v === 'number' && v > version;
    });
    return changes[0] ?? detail.timeline.at(-1) ?? null;
  } catch {
    return null;
  }
}

import type { ErrorBody } from '@cityops/protocol';

/** A kiosk display token (`?token=dt_...`), sent as a bearer token instead of the session cookie. */
let displayToken: string | null = null;

export function setDisplayToken(token: string | null): void {
  displayToken = token;
}

export function getDisplayToken(): string | null {
  return displayToken;
}

/**
 * Answers the page's HTML asked for before the app's code had loaded (the inline script in
 * `app.html` starts the wallboard's largest requests at once), by path, for one display token.
 */
interface EarlyRequests {
  token: string | null;
  responses: Record<string, Promise<Response>>;
}

declare global {
  var __cityopsEarly: EarlyRequests | undefined;
}

/** The early answer to a GET of `path`, taken once; only for the token it was asked with. */
function takeEarly(path: string): Promise<Response> | undefined {
  const early = globalThis.__cityopsEarly;
  const res = early?.responses[path];
  if (!early || !res || early.token !== displayToken) return undefined;
  delete early.responses[path];
  return res;
}

/** Drop the early answers nobody took: the app has left the page they were asked for. */
export function dropEarly(): void {
  globalThis.__cityopsEarly = undefined;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Field path → what is wrong with it, on a 422 (and a 409 that names a field). */
  readonly fields: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** Fetch JSON from the same-origin API; 4xx/5xx become an `ApiError` with the server's code. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.body !== undefined && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  if (displayToken) headers.set('authorization', `Bearer ${displayToken}`);
  const plainGet = init.method === undefined && init.body === undefined && !init.headers;
  const early = plainGet ? takeEarly(path) : undefined;
  // An early request that never got an answer is asked again; any answer stands (they are
  // dropped once the app leaves the page, so none outlives a login).
  const res =
    (early && (await early.catch(() => null))) ??
    (await fetch(path, { ...init, headers, credentials: 'same-origin' }));
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText;
    let fields: Record<string, string> = {};
    try {
      const body = (await res.json()) as ErrorBody;
      code = body.error.code;
      message = body.error.message;
      fields = body.error.fields ?? {};
    } catch {
      // not a JSON error body
    }
    throw new ApiError(res.status, code, message, fields);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface ClientConfig {
  mapStyleUrl: string | null;
  gcj02: boolean;
  utcOffsetMinutes: number;
}

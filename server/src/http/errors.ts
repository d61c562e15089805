import type { ErrorRequestHandler, RequestHandler } from 'express';
import type {} from 'pino-http';
import { ZodError } from 'zod';
import type { ErrorBody } from '@cityops/protocol';

/** An error that is a value at the edge: it becomes `{ error: { code, message, fields? } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly extra?: { current?: unknown; headers?: Record<string, string> },
  ) {
    super(message);
  }
}

export const badRequest = (message: string, fields?: Record<string, string>): HttpError =>
  new HttpError(422, 'invalid', message, fields);
export const notFound = (what: string): HttpError =>
  new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'not allowed'): HttpError =>
  new HttpError(403, 'forbidden', message);
export const unauthorised = (): HttpError => new HttpError(401, 'unauthenticated', 'log in first');
export const conflict = (message: string, current?: unknown): HttpError =>
  new HttpError(409, 'conflict', message, undefined, { current });

/** Field path → message, from a zod error. */
export function zodFields(err: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.length ? issue.path.join('.') : '(body)';
    fields[key] ??= issue.message;
  }
  return fields;
}

export function fromZod(err: ZodError, what = 'request'): HttpError {
  const fields = zodFields(err);
  return badRequest(`invalid ${what}: ${Object.keys(fields).join(', ')}`, fields);
}

/**
 * Path of the first string (or key) in a value that holds U+0000. Postgres text cannot store
 * it, so it is refused here, as a 422 naming the field, instead of failing in the driver.
 */
export function nulPath(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string')
    return value.includes('\u0000') ? path.join('.') || '(body)' : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return [...path, k].join('.');
    const found = nulPath(v, [...path, k]);
    if (found !== null) return found;
  }
  return null;
}

/** Parse with a zod schema or throw a 422 that names the fields. */
export function parse<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError };
  },
  value: unknown,
  what?: string,
): T {
  const nul = nulPath(value);
  if (nul !== null)
    throw badRequest(`invalid ${what ?? 'request'}: ${nul}`, {
      [nul]: 'must not contain the NUL character (U+0000)',
    });
  const r = schema.safeParse(value);
  if (!r.success) throw fromZod(r.error, what);
  return r.data;
}

/** Errors from the database driver meaning "cannot reach the database right now". */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    '57P01',
    '57P02',
    '57P03',
    '08000',
    '08003',
    '08006',
    '08001',
  ];
  if (e?.code && codes.includes(e.code)) return true;
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e?.message ?? '',
  );
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(notFound('route'));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let status = 500;
  let body: ErrorBody = { error: { code: 'internal', message: 'internal error' } };
  const cause = (err as { cause?: unknown })?.cause;
  if (err instanceof HttpError) {
    status = err.status;
    body = { error: { code: err.code, message: err.message } };
    if (err.fields) body.error.fields = err.fields;
    if (err.extra?.current !== undefined) body.error.current = err.extra.current;
    for (const [k, v] of Object.entries(err.extra?.headers ?? {})) res.setHeader(k, v);
  } else if (err instanceof ZodError) {
    const e = fromZod(err);
    status = 422;
    body = { error: { code: e.code, message: e.message, fields: e.fields ?? {} } };
  } else if ((err as { type?: string })?.type === 'entity.parse.failed') {
    status = 400;
    body = { error: { code: 'bad_json', message: 'the request body is not valid JSON' } };
  } else if ((err as { type?: string })?.type === 'entity.too.large') {
    status = 413;
    body = { error: { code: 'too_large', message: 'the request body is too large' } };
  } else if (isUnavailable(err) || isUnavailable(cause)) {
    status = 503;
    res.setHeader('Retry-After', '2');
    body = {
      error: { code: 'unavailable', message: 'the database is unavailable, retry shortly' },
    };
  } else if (
    typeof (err as { status?: number })?.status === 'number' &&
    (err as { status: number }).status < 500
  ) {
    status = (err as { status: number }).status;
    body = { error: { code: 'bad_request', message: String((err as Error).message) } };
  }
  if (status >= 500) req.log?.error({ err }, 'request failed');
  res.status(status).json(body);
};

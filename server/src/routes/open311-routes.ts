import express, { Router, type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { HttpError, parse } from '../http/errors.ts';
import { principal } from '../auth/middleware.ts';
import { getRequest, listRequests, listServices, postRequest } from '../open311/georeport.ts';

const IdParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/**
 * Open311 GeoReport v2 under /open311/v2 (JSON only; `.json` suffix optional). It needs the same
 * authentication as /api and sees the caller's region only. Errors use the spec's shape.
 */
export function open311Routes(svc: Services): Router {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }));
  r.get(['/services.json', '/services'], (_req, res) => {
    res.json(listServices());
  });
  r.get(['/requests.json', '/requests'], async (req, res) => {
    res.json(await listRequests({ ctx: { svc, principal: principal(req) }, query: req.query }));
  });
  r.get(['/requests/:id.json', '/requests/:id'], async (req, res) => {
    const { id } = parse(IdParam, req.params, 'service_request_id');
    res.json(await getRequest({ ctx: { svc, principal: principal(req) }, id }));
  });
  r.post(['/requests.json', '/requests'], async (req, res) => {
    const result = await postRequest({
      ctx: { svc, principal: principal(req) },
      input: req.body,
      idempotencyKey: req.header('Idempotency-Key'),
    });
    res.status(result.status).json(result.body);
  });
  r.use(open311Errors);
  return r;
}

/** GeoReport v2 errors are `[{ code, description }]`, with the HTTP status as the code. */
const open311Errors: ErrorRequestHandler = (err, _req, res, next) => {
  if (!(err instanceof HttpError)) return next(err);
  const fields = err.fields
    ? ` (${Object.entries(err.fields)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')})`
    : '';
  res.status(err.status).json([{ code: err.status, description: `${err.message}${fields}` }]);
};

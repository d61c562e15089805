import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { parse } from '../http/errors.ts';
import { principal } from '../auth/middleware.ts';
import { createIncident } from '../incidents/create-incident.ts';
import { actOnIncident } from '../incidents/act-on-incident.ts';
import { getIncident, listIncidents } from '../incidents/query-incidents.ts';
import { findNearby } from '../incidents/find-nearby.ts';

const IdParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export function incidentRoutes(svc: Services): Router {
  const r = Router();
  r.post('/incidents', async (req, res) => {
    const key = req.header('Idempotency-Key');
    const result = await createIncident({
      ctx: { svc, principal: principal(req) },
      input: req.body,
      idempotencyKey: key,
    });
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });
  r.get('/incidents', async (req, res) => {
    res.json(await listIncidents({ ctx: { svc, principal: principal(req) }, query: req.query }));
  });
  r.get('/incidents/:id', async (req, res) => {
    const { id } = parse(IdParam, req.params, 'incident id');
    res.json(await getIncident({ ctx: { svc, principal: principal(req) }, id }));
  });
  r.get('/incidents/:id/nearby', async (req, res) => {
    const { id } = parse(IdParam, req.params, 'incident id');
    res.json(await findNearby({ ctx: { svc, principal: principal(req) }, id }));
  });
  r.post('/incidents/:id/actions', async (req, res) => {
    const { id } = parse(IdParam, req.params, 'incident id');
    res.json(await actOnIncident({ ctx: { svc, principal: principal(req) }, id, input: req.body }));
  });
  return r;
}

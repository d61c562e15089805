import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { parse } from '../http/errors.ts';
import { principal, requireRole } from '../auth/middleware.ts';
import { listAccounts } from '../accounts/list-accounts.ts';
import { createAccount } from '../accounts/create-account.ts';
import { updateAccount } from '../accounts/update-account.ts';

const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});

/** Accounts, for admins: list, create, change (role, scope, password, active). */
export function accountRoutes(svc: Services): Router {
  const r = Router();
  r.get('/accounts', requireRole('admin'), async (req, res) => {
    res.json(await listAccounts({ ctx: { svc, principal: principal(req) } }));
  });
  r.post('/accounts', requireRole('admin'), async (req, res) => {
    res
      .status(201)
      .json(await createAccount({ ctx: { svc, principal: principal(req) }, input: req.body }));
  });
  r.patch('/accounts/:id', requireRole('admin'), async (req, res) => {
    const { id } = parse(IdParam, req.params, 'account id');
    res.json(await updateAccount({ ctx: { svc, principal: principal(req) }, id, input: req.body }));
  });
  return r;
}

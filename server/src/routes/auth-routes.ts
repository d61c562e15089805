import { Router } from 'express';
import { LoginRequest, type Me } from '@cityops/protocol';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { HttpError, parse } from '../http/errors.ts';
import { credentialsOf, principal, requireRole } from '../auth/middleware.ts';
import { login, logout, SESSION_COOKIE, SESSION_TTL_MS } from '../auth/sessions.ts';
import { principalScope } from '../auth/scope.ts';
import { issueDisplayToken, listDisplayTokens, revokeToken } from '../auth/display-tokens.ts';

export function authRoutes(
  svc: Services,
  opts: { secureCookies: boolean; onDisplayTokenRevoked?: (id: number) => void },
): Router {
  const r = Router();

  r.post('/auth/login', async (req, res) => {
    const body = parse(LoginRequest, req.body, 'login');
    const result = await login(svc.db, body.username, body.password, svc.now());
    if (!result) throw new HttpError(401, 'bad_credentials', 'wrong username or password');
    res.cookie(SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      maxAge: SESSION_TTL_MS,
      path: '/',
    });
    res.json({ username: result.user.username, role: result.user.role });
  });

  r.post('/auth/logout', async (req, res) => {
    const { session } = credentialsOf(req.headers.cookie, undefined);
    if (session) await logout(svc.db, session);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  r.get('/auth/me', (req, res) => {
    const p = principal(req);
    const scope = principalScope(svc.regions, p);
    const me: Me = {
      username: p.kind === 'user' ? p.username : `display:${p.tokenId}`,
      displayName: req.user?.displayName ?? '大屏',
      role: p.kind === 'user' ? p.role : 'display',
      department: p.kind === 'user' ? p.departmentCode : null,
      gridCode: p.kind === 'user' ? p.gridCode : null,
      scope: { code: scope.code, name: scope.name, path: scope.path, level: scope.level },
    };
    res.json(me);
  });

  r.get('/display-tokens', requireRole('admin', 'operator'), async (req, res) => {
    res.json(await listDisplayTokens({ ctx: { svc, principal: principal(req) } }));
  });

  r.post('/display-tokens', requireRole('admin', 'operator'), async (req, res) => {
    res
      .status(201)
      .json(await issueDisplayToken({ ctx: { svc, principal: principal(req) }, input: req.body }));
  });

  const TokenId = z.object({
    id: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 53),
  });
  r.delete('/display-tokens/:id', requireRole('admin', 'operator'), async (req, res) => {
    const { id } = parse(TokenId, req.params, 'path');
    const revoked = await revokeToken({ ctx: { svc, principal: principal(req) }, id });
    // A revoked kiosk loses its live feed now, not at its next reconnect.
    opts.onDisplayTokenRevoked?.(id);
    res.json(revoked);
  });

  return r;
}

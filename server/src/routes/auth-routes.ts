import { Router } from 'express';
import { LoginRequest, type Me } from '@cityops/protocol';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { HttpError, parse } from '../http/errors.ts';
import { credentialsOf, principal, requireRole } from '../auth/middleware.ts';
import { createDisplayToken, login, logout, SESSION_COOKIE, SESSION_TTL_MS } from '../auth/sessions.ts';
import { principalScope, resolveScope } from '../auth/scope.ts';

export function authRoutes(svc: Services, opts: { secureCookies: boolean }): Router {
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

  const NewToken = z.object({ label: z.string().trim().min(1).max(100), scope: z.string().min(1).max(32) });
  r.post('/display-tokens', requireRole('admin', 'operator'), async (req, res) => {
    const p = principal(req);
    const body = parse(NewToken, req.body, 'display token');
    const scope = resolveScope(svc.regions, p, body.scope);
    if (p.kind !== 'user') throw new HttpError(403, 'forbidden', 'not allowed');
    const t = await createDisplayToken(svc.db, { label: body.label, scopeCode: scope.code, createdBy: p.userId }, svc.now());
    res.status(201).json({ id: t.id, token: t.token, scope: scope.code, url: `/wallboard?token=${t.token}` });
  });

  return r;
}

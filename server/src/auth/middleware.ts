import { performance } from 'node:perf_hooks';
import type { Request, RequestHandler } from 'express';
import { parse as parseCookie } from 'cookie';
import type { Principal, Role } from '@cityops/domain';
import type { Services } from '../context.ts';
import { forbidden, unauthorised } from '../http/errors.ts';
import { authenticate, SESSION_COOKIE, type UserRow } from './sessions.ts';

declare global {
  namespace Express {
    interface Request {
      principal?: Principal;
      user?: UserRow | null;
    }
  }
}

export function credentialsOf(
  cookieHeader: string | undefined,
  authorization: string | undefined,
  queryToken?: unknown,
): { session?: string; displayToken?: string } {
  const cookies = cookieHeader ? parseCookie(cookieHeader) : {};
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  const out: { session?: string; displayToken?: string } = {};
  const session = cookies[SESSION_COOKIE];
  if (session) out.session = session;
  const dt = bearer ?? (typeof queryToken === 'string' ? queryToken : undefined);
  if (dt) out.displayToken = dt;
  return out;
}

/** Attach `req.principal` when the request carries a valid session or display token. */
export function identify(svc: Services): RequestHandler {
  return async (req, res, next) => {
    const started = performance.now();
    const found = await authenticate(
      svc.db,
      credentialsOf(req.headers.cookie, req.headers.authorization),
      svc.now(),
    );
    // For a route's Server-Timing: the lookup's share of the time before its handler.
    res.locals['authMs'] = performance.now() - started;
    if (found) {
      req.principal = found.principal;
      req.user = found.user;
    }
    next();
  };
}

export function principal(req: Request): Principal {
  if (!req.principal) throw unauthorised();
  return req.principal;
}

export const requireAuth: RequestHandler = (req, _res, next) => {
  next(req.principal ? undefined : unauthorised());
};

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (!p) return next(unauthorised());
    if (p.kind !== 'user' || (p.role !== 'admin' && !roles.includes(p.role)))
      return next(forbidden(`requires role ${roles.join(' or ')}`));
    next();
  };
}

import { performance } from 'node:perf_hooks';
import { Router } from 'express';
import {
  CATEGORIES,
  CATEGORY_GROUPS,
  REGION_LEVELS,
  isWithin,
  type RegionLevel,
} from '@cityops/domain';
import { z } from 'zod';
import type { Services } from '../context.ts';
import type { Metrics } from '../metrics.ts';
import { parse } from '../http/errors.ts';
import { FixedBody, sendEncoded, takesGzip } from '../http/gzip.ts';
import { principal } from '../auth/middleware.ts';
import { resolveScope } from '../auth/scope.ts';
import { getSnapshot } from '../snapshot/get-snapshot.ts';
import { BoardSnapshots } from '../snapshot/board-snapshots.ts';
import { checkIn } from '../patrols/check-in.ts';
import { myPatrol } from '../patrols/my-patrol.ts';
import { fieldWork } from '../patrols/field-work.ts';
import { getDepartment, listDepartments } from '../catalogue/departments.ts';
import type { RegionNode } from '../regions/region-index.ts';

const ScopeQuery = z.object({ scope: z.string().max(32).optional() });
const SnapshotQuery = ScopeQuery.extend({ view: z.enum(['full', 'board']).optional() });
const RegionQuery = z.object({
  scope: z.string().max(32).optional(),
  level: z.enum(REGION_LEVELS).optional(),
});

function featureCollection(nodes: RegionNode[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: nodes.map((n) => ({
      type: 'Feature',
      id: n.code,
      properties: {
        code: n.code,
        name: n.name,
        level: n.level,
        parentCode: n.parentCode,
        center: n.center,
      },
      geometry: n.geometry,
    })),
  });
}

/**
 * `warm`: read the city's board snapshot at start and keep it (the wall's usual scope). The
 * copies in use are caught up in the background until `stop` aborts.
 */
export function boardRoutes(
  svc: Services,
  opts: {
    warm?: boolean;
    stop?: AbortSignal;
    metrics?: Metrics;
    /** A pool of the board snapshots' own: their reads do not queue behind the intake's. */
    snapshotDb?: Services['db'];
  } = {},
): Router {
  const r = Router();
  const read = opts.metrics?.boardSnapshotRead;
  const ahead = opts.metrics?.boardSnapshotMadeAhead;
  const boards = new BoardSnapshots(opts.snapshotDb ? { ...svc, db: opts.snapshotDb } : svc, {
    onRead: read && ((kind, seconds) => read.observe({ kind }, seconds)),
    onMadeAhead: ahead && (() => ahead.inc()),
  });
  boards.start();
  opts.stop?.addEventListener('abort', () => boards.stop());
  const root = svc.regions.root;
  if (opts.warm && root)
    boards.warm(root).catch((err: unknown) => {
      svc.log.warn({ err }, 'board snapshot not read at start; the first board reads it');
    });
  // The geometry answers, made once per scope (the city's grids are 3.1 MB of GeoJSON, about
  // a sixth of that gzipped).
  const cache = new Map<string, FixedBody>();
  const cached = (key: string, make: () => string): FixedBody => {
    let v = cache.get(key);
    if (v === undefined) {
      v = new FixedBody(make(), (err) =>
        svc.log.warn({ err, key }, 'geometry not gzipped; sent as is'),
      );
      cache.set(key, v);
    }
    return v;
  };

  r.get('/categories', (_req, res) => {
    res.json({ groups: CATEGORY_GROUPS, categories: CATEGORIES });
  });

  r.get('/departments', async (req, res) => {
    principal(req);
    res.json(await listDepartments({ db: svc.db }));
  });

  r.get('/departments/:code', async (req, res) => {
    res.json(await getDepartment({ db: svc.db, code: String(req.params.code) }));
  });

  r.get('/snapshot', async (req, res) => {
    // From the request's arrival to here, and the session's lookup within it (a pool shared
    // with the intake).
    const arrivedAt = res.locals['arrivedAt'] as number | undefined;
    const beforeMs = arrivedAt === undefined ? 0 : performance.now() - arrivedAt;
    const authMs = (res.locals['authMs'] as number | undefined) ?? 0;
    const q = parse(SnapshotQuery, req.query, 'query');
    const ctx = { svc, principal: principal(req) };
    if (q.view === 'board') {
      // 14 MB of JSON at 50,000 incidents, a fifth of it gzipped; the gzipped answer is sent
      // again while nothing it shows has changed (BoardSnapshots.get).
      const reply = await boards.get(ctx, q.scope, { gzip: takesGzip(req) });
      const zipStart = performance.now();
      const body = reply.gzipped ? await reply.gzipped : reply.body;
      const zipMs = performance.now() - zipStart;
      const { timing } = reply;
      // Where the answer's time went, for DevTools and the wallboard bench.
      res.setHeader(
        'Server-Timing',
        `before;dur=${beforeMs.toFixed(1)}, auth;dur=${authMs.toFixed(1)}, wait;dur=${timing.waitMs.toFixed(1)}, update;dur=${timing.updateMs.toFixed(1)}, render;dur=${timing.renderMs.toFixed(1)}, gzip;dur=${zipMs.toFixed(1)}, reused;desc=${reply.reused ? 'yes' : 'no'}`,
      );
      sendEncoded(res, 'application/json', body);
    } else res.json(await getSnapshot({ ctx, scopeCode: q.scope }));
  });

  /** Regions as GeoJSON: the children of `scope` by default, or every region of `level` within it. */
  r.get('/regions', (req, res) => {
    const q = parse(RegionQuery, req.query, 'query');
    const scope = resolveScope(svc.regions, principal(req), q.scope);
    const level: RegionLevel | undefined = q.level;
    const body = cached(`regions:${scope.code}:${level ?? ''}`, () => {
      if (!level) return featureCollection(svc.regions.children(scope.code));
      const out: RegionNode[] = [];
      const walk = (n: RegionNode): void => {
        if (n.level === level) out.push(n);
        else for (const c of svc.regions.children(n.code)) walk(c);
      };
      walk(scope);
      return featureCollection(out.filter((n) => isWithin(n.path, scope.path)));
    });
    body.send(req, res, 'application/geo+json');
  });

  r.get('/grids', (req, res) => {
    const q = parse(ScopeQuery, req.query, 'query');
    const scope = resolveScope(svc.regions, principal(req), q.scope);
    cached(`grids:${scope.code}`, () =>
      featureCollection(svc.regions.gridsWithin(scope.code)),
    ).send(req, res, 'application/geo+json');
  });

  r.post('/checkins', async (req, res) => {
    res
      .status(201)
      .json(await checkIn({ ctx: { svc, principal: principal(req) }, input: req.body }));
  });

  r.get('/checkins/mine', async (req, res) => {
    res.json(await myPatrol({ ctx: { svc, principal: principal(req) } }));
  });

  r.get('/field/work', async (req, res) => {
    res.json(await fieldWork({ ctx: { svc, principal: principal(req) } }));
  });

  return r;
}

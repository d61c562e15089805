/**
 * The live simulator against a real seeded server: it works incidents through the public API,
 * runs steps side by side up to its cap (behind a proxy that makes every request slow), each on
 * an incident of its own, and after `stop()` neither starts steps nor makes requests, nor keeps
 * its process alive.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gt, sql } from 'drizzle-orm';
import { events } from '@cityops/db';
import { startSimulator, type Simulator } from '@cityops/seed';
import { PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { sleep } from '../support/fixtures.ts';

const SIMULATOR = fileURLToPath(new URL('../../seed/src/simulator/simulator.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

let server: TestServer;
const running: Simulator[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  running.forEach((s) => s.stop());
  await server?.close();
});

function simulate(o: Partial<Parameters<typeof startSimulator>[0]> = {}): Simulator {
  const s = startSimulator({ baseUrl: server.url, password: PASSWORD, rate: 20, ...o });
  running.push(s);
  return s;
}

/** Polls until `done()` holds (vitest's waitUntil); fails naming `what` after `ms`. */
async function until(what: string, done: () => boolean | Promise<boolean>, ms = 30_000) {
  await vi.waitUntil(done, { timeout: ms, interval: 50 }).catch(() => {
    throw new Error(`timed out waiting for ${what}`);
  });
}

/** Events after `afterId`, counted by type and actor, straight from the database. */
async function eventsSince(afterId: number): Promise<Map<string, number>> {
  const rows = await server.database.db
    .select({ type: events.type, actor: events.actor, n: sql<number>`count(*)::int` })
    .from(events)
    .where(gt(events.id, afterId))
    .groupBy(events.type, events.actor);
  const m = new Map<string, number>();
  for (const r of rows) {
    m.set(r.type, (m.get(r.type) ?? 0) + Number(r.n));
    m.set(`${r.type} by ${r.actor}`, Number(r.n));
  }
  return m;
}

async function lastEventId(): Promise<number> {
  const [r] = await server.database.db
    .select({ id: sql<number>`coalesce(max(${events.id}), 0)` })
    .from(events);
  return Number(r!.id);
}

interface SlowProxy {
  url: string;
  /** Requests received so far. */
  received: () => number;
  /** Requests received and not yet answered. */
  open: () => number;
  /** The most requests open at once so far. */
  peakOpen: () => number;
  /** Login attempts so far, by username. */
  logins: Map<string, number>;
  /**
   * Workflow actions received so far, how many came while one on the same incident was open, and
   * how many the server refused with 409 (the incident had changed since it was listed).
   */
  actions: () => { received: number; onAnOpenIncident: number; conflicts: number };
  close: () => Promise<void>;
}

/** An HTTP proxy to `target` that holds every request `delayMs` before passing it on. */
async function slowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const to = new URL(target);
  let received = 0;
  let open = 0;
  let peakOpen = 0;
  const logins = new Map<string, number>();
  const actions = { received: 0, onAnOpenIncident: 0, conflicts: 0 };
  const openActions = new Set<string>();
  const proxy = createServer((req, res) => {
    received++;
    peakOpen = Math.max(peakOpen, ++open);
    res.on('close', () => open--);
    const action = req.method === 'POST' && /^\/api\/incidents\/\d+\/actions$/.test(req.url ?? '');
    if (action) {
      actions.received++;
      if (openActions.has(req.url!)) actions.onAnOpenIncident++;
      openActions.add(req.url!);
      res.on('close', () => openActions.delete(req.url!));
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/api/auth/login') {
        const u = String((JSON.parse(body.toString()) as { username: unknown }).username);
        logins.set(u, (logins.get(u) ?? 0) + 1);
      }
      setTimeout(() => {
        const up = request(
          {
            host: to.hostname,
            port: to.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (r) => {
            if (action && r.statusCode === 409) actions.conflicts++;
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', (err) => res.destroy(err));
        up.end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received: () => received,
    open: () => open,
    peakOpen: () => peakOpen,
    logins,
    actions: () => ({ ...actions }),
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe('the live simulator', () => {
  it('reports, checks in and files or dispatches through the public API', async () => {
    const from = await lastEventId();
    const sim = simulate({ rate: 25, workers: 6, seed: 7 });
    await sim.ready;
    let seen = new Map<string, number>();
    await until('reports, check-ins and a dispatcher action', async () => {
      seen = await eventsSince(from);
      return (
        (seen.get('incident.reported') ?? 0) > 0 &&
        (seen.get('patrol.checkin') ?? 0) > 0 &&
        (seen.get('incident.filed by dispatcher') ?? 0) +
          (seen.get('incident.dispatched by dispatcher') ?? 0) >
          0
      );
    });
    sim.stop();
    await until('the steps in flight to finish', () => sim.stats().inFlight === 0, 10_000);
    const stats = sim.stats();
    expect(stats.started).toBeGreaterThan(0);
    expect(stats.failed).toBe(0);
  });

  it('runs slow steps side by side up to maxInFlight, logs each account in once, and stops', async () => {
    const proxy = await slowProxy(server.url, 150);
    try {
      const cap = 4;
      // 40 steps a second of ≥150 ms each would be ≥6 at once: the cap holds them at 4.
      const sim = simulate({
        baseUrl: proxy.url,
        rate: 40,
        workers: 4,
        seed: 11,
        maxInFlight: cap,
        // Steps of a kind side by side would all but always take the same incident, were it
        // not left out for the others.
        pickAmong: 2,
      });
      await sim.ready;
      await until('the cap to be reached and ticks skipped', () => {
        const s = sim.stats();
        return s.started >= 30 && s.skipped > 0;
      });
      // Stop when every step in flight has its request held at the proxy: from then on, any
      // request the proxy receives is one a step made after stop().
      let atStop = { ...sim.stats(), received: 0 };
      await until('every step in flight to wait at the proxy', () => {
        const s = sim.stats();
        if (s.inFlight < cap || proxy.open() !== s.inFlight) return false;
        sim.stop();
        atStop = { ...s, received: proxy.received() };
        return true;
      });
      await until('the steps in flight to finish', () => sim.stats().inFlight === 0, 10_000);
      await sleep(500); // many mean gaps of 25 ms, and longer than the proxy's hold

      const stats = sim.stats();
      expect(stats.peakInFlight).toBeGreaterThan(1);
      expect(stats.peakInFlight).toBeLessThanOrEqual(cap);
      expect(proxy.peakOpen()).toBeGreaterThan(1);
      expect(proxy.peakOpen()).toBeLessThanOrEqual(cap);
      expect(stats.failed).toBe(0);
      // Steps side by side took different incidents: none lost on a version to its sibling.
      expect(proxy.actions().received).toBeGreaterThan(0);
      expect(proxy.actions()).toMatchObject({ onAnOpenIncident: 0, conflicts: 0 });
      // Steps that needed the same worker or department at once shared one login.
      for (const [username, n] of proxy.logins) expect({ username, n }).toEqual({ username, n: 1 });
      // After stop: no step started, no tick counted, and the steps in flight made no request.
      expect(stats.started).toBe(atStop.started);
      expect(stats.skipped).toBe(atStop.skipped);
      expect(proxy.received()).toBe(atStop.received);
    } finally {
      await proxy.close();
    }
  });

  it('leaves no timer behind: a process that stops its simulator exits on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityops-sim-'));
    try {
      const script = join(dir, 'run.mts');
      writeFileSync(
        script,
        [
          `import { startSimulator } from ${JSON.stringify(SIMULATOR)};`,
          `const sim = startSimulator(${JSON.stringify({ baseUrl: server.url, password: PASSWORD, rate: 20, workers: 2, seed: 3 })});`,
          `await sim.ready;`,
          `await new Promise((r) => setTimeout(r, 1000));`,
          `sim.stop();`,
          `console.log(JSON.stringify(sim.stats()));`,
        ].join('\n'),
      );
      const child = spawn(TSX, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the process did not exit after stop():\n${out}`));
        }, 30_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code, out).toBe(0);
      const stats = JSON.parse(out.trim().split('\n').at(-1)!) as { started: number };
      expect(stats.started).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { encodePath, isWithin, type Principal } from '@cityops/domain';
import {
  LIVE_NAMESPACE,
  MAX_REPLAY,
  SubscribeRequest,
  TICK_INTERVAL_MS,
  type ClientToServer,
  type ServerToClient,
  type SubscribeAck,
} from '@cityops/protocol';
import type { Services } from '../context.ts';
import { authenticate } from '../auth/sessions.ts';
import { credentialsOf } from '../auth/middleware.ts';
import { principalScope } from '../auth/scope.ts';
import { eventsBetween, maxEventId } from '../events/read-events.ts';

interface SocketData {
  principal: Principal;
  scope?: string;
}

export type LiveServer = Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>;
export type LiveNamespace = Namespace<
  ClientToServer,
  ServerToClient,
  Record<string, never>,
  SocketData
>;
export type LiveSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, SocketData>;

export const roomOf = (regionCode: string): string => `r:${regionCode}`;
const REPLAY_CHUNK = 500;

export function createLiveServer(http: HttpServer): LiveServer {
  return new Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>(http, {
    path: '/socket.io',
    serveClient: false,
    // Per-message deflate costs more CPU than it saves on small JSON batches.
    perMessageDeflate: false,
    maxHttpBufferSize: 64 * 1024,
  });
}

/**
 * The `/live` namespace: authenticates the handshake (session cookie or display token),
 * answers `subscribe {scope, since}` by replaying missed events of that scope from the
 * database, and sends `tick` every few seconds.
 */
export function attachLive(
  io: LiveServer,
  svc: Services,
): { nsp: LiveNamespace; stop: () => void } {
  const nsp: LiveNamespace = io.of(LIVE_NAMESPACE);

  nsp.use((socket, next) => {
    const h = socket.handshake;
    const token = typeof h.auth?.token === 'string' ? h.auth.token : undefined;
    authenticate(
      svc.db,
      credentialsOf(h.headers.cookie, token ? `Bearer ${token}` : undefined),
      svc.now(),
    )
      .then((found) => {
        if (!found) return next(new Error('unauthenticated'));
        socket.data.principal = found.principal;
        next();
      })
      .catch((err: unknown) => {
        svc.log.warn({ err }, 'socket authentication failed');
        next(new Error('unavailable'));
      });
  });

  nsp.on('connection', (socket: LiveSocket) => {
    socket.on('subscribe', (raw: unknown, ack: unknown) => {
      const reply =
        typeof ack === 'function' ? (ack as (r: SubscribeAck) => void) : () => undefined;
      subscribe(socket, raw)
        .then(reply)
        .catch((err: unknown) => {
          svc.log.warn({ err }, 'subscribe failed');
          reply({ ok: false, error: 'unavailable' });
        });
    });
  });

  async function subscribe(socket: LiveSocket, raw: unknown): Promise<SubscribeAck> {
    const parsed = SubscribeRequest.safeParse(raw);
    if (!parsed.success)
      return {
        ok: false,
        error: `invalid subscribe: ${parsed.error.issues.map((i) => i.path.join('.') || 'request').join(', ')}`,
      };
    const { scope, since } = parsed.data;
    const node = svc.regions.get(scope);
    if (!node) return { ok: false, error: `unknown scope ${scope}` };
    const own = principalScope(svc.regions, socket.data.principal);
    if (!isWithin(node.path, own.path))
      return { ok: false, error: `forbidden: ${scope} is outside your scope` };

    if (socket.data.scope) await socket.leave(roomOf(socket.data.scope));
    socket.data.scope = scope;
    // Join first, then read: anything committed after the read arrives live; the client
    // drops live events at or below the acked lastEventId, and duplicates by id.
    await socket.join(roomOf(scope));
    const max = await maxEventId(svc.db);
    if (since === undefined) return { ok: true, lastEventId: max, replayed: 0 };
    if (since > max) {
      socket.emit('resync', { reason: 'ahead_of_server' });
      return { ok: true, lastEventId: max, replayed: 0 };
    }
    const replay = await eventsBetween(svc.db, {
      after: since,
      upTo: max,
      prefix: `${encodePath(node.path)}%`,
      limit: MAX_REPLAY + 1,
    });
    if (replay.length > MAX_REPLAY) {
      socket.emit('resync', { reason: 'too_far_behind' });
      return { ok: true, lastEventId: max, replayed: 0 };
    }
    for (let i = 0; i < replay.length; i += REPLAY_CHUNK)
      socket.emit('events', { events: replay.slice(i, i + REPLAY_CHUNK) });
    return { ok: true, lastEventId: max, replayed: replay.length };
  }

  const tick = setInterval(() => {
    maxEventId(svc.db)
      .then((id) =>
        nsp.local.emit('tick', { lastEventId: id, serverTime: svc.now().toISOString() }),
      )
      .catch(() => undefined);
  }, TICK_INTERVAL_MS);
  tick.unref();

  return { nsp, stop: () => clearInterval(tick) };
}

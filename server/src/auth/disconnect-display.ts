import type { Logger } from 'pino';
import type { LiveNamespace } from '../live/hub.ts';

/**
 * Disconnect every live socket opened with display token `id`, on every server process
 * (`fetchSockets` goes through the adapter). Their reconnect then fails authentication.
 */
export function disconnectDisplay(nsp: LiveNamespace, id: number, log: Logger): void {
  nsp
    .fetchSockets()
    .then((sockets) => {
      for (const s of sockets) {
        const p = s.data.principal;
        if (p?.kind === 'display' && p.tokenId === id) s.disconnect(true);
      }
    })
    .catch((err: unknown) =>
      log.warn({ err, tokenId: id }, 'could not disconnect a revoked display'),
    );
}

import type { Logger } from 'pino';
import type { LiveNamespace, LiveSocket } from './hub.ts';

export interface SlowConsumerOptions {
  /** The /live namespace; only this process's own sockets are watched. */
  nsp: LiveNamespace;
  /** Pending outgoing bytes above which a socket is cut off from its rooms and told to resync. */
  maxBacklogBytes?: number;
  /** How long a cut-off socket may take to drain to a quarter of the limit before it is cut. */
  graceMs?: number;
  intervalMs?: number;
  log?: Logger;
  now?: () => number;
  /** A socket was cut off (`resync`) or dropped after the grace (`disconnect`). */
  onSlow?: (action: 'resync' | 'disconnect') => void;
  /** Largest backlog of any local socket at each check, for a gauge. */
  onCheck?: (maxBacklogBytes: number) => void;
}

export const DEFAULT_MAX_BACKLOG_BYTES = 1024 * 1024;
export const DEFAULT_SLOW_CONSUMER_GRACE_MS = 30_000;
export const SLOW_CONSUMER_CHECK_MS = 250;

/**
 * The parts of engine.io 6 and ws 8 that hold a socket's unsent bytes. They are not in the
 * public types: `writeBuffer` is private in engine.io's Socket, `socket` in its WebSocket
 * transport. Read defensively, so another transport (polling) only counts `writeBuffer`.
 */
interface EnginePacket {
  data?: unknown;
  options?: { wsPreEncodedFrame?: unknown };
}
interface EngineInternals {
  readyState?: string;
  writeBuffer?: EnginePacket[];
  transport?: { name?: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close?: (discard?: boolean) => void;
}

const engineOf = (socket: LiveSocket): EngineInternals => socket.conn as unknown as EngineInternals;

function bytesOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Array.isArray(value)) return value.reduce((n: number, v: unknown) => n + bytesOf(v), 0);
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 0;
}

/**
 * Bytes queued for a socket and not yet taken by the kernel: engine.io's `writeBuffer`
 * (packets waiting because the transport is still busy with the previous write) plus, on the
 * websocket transport, ws's `bufferedAmount` (written to the TCP socket, not yet flushed).
 */
export function pendingBytes(socket: LiveSocket): number {
  const conn = engineOf(socket);
  let total = 0;
  for (const packet of conn.writeBuffer ?? []) {
    // Broadcasts carry the finished frame; counting it rather than `data` counts wire bytes.
    const frame = packet.options?.wsPreEncodedFrame;
    total += frame !== undefined ? bytesOf(frame) : 1 + bytesOf(packet.data);
  }
  const buffered = conn.transport?.socket?.bufferedAmount;
  if (typeof buffered === 'number') total += buffered;
  return total;
}

/**
 * Per process, every `intervalMs`: a local /live socket whose backlog passes the limit
 * leaves its rooms (no more batches are queued for it, so its memory stops growing) and is
 * told `resync { reason: 'slow_consumer' }`. One that has not drained to a quarter of the limit
 * within `graceMs` is disconnected; one that has is normal again and may re-subscribe.
 */
export class SlowConsumers {
  readonly maxBacklogBytes: number;
  readonly graceMs: number;
  readonly #o: SlowConsumerOptions & { intervalMs: number; now: () => number };
  /** Socket → when it went over the limit; kept until it drains to a quarter of the limit. */
  readonly #over = new WeakMap<LiveSocket, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: SlowConsumerOptions) {
    this.#o = { intervalMs: SLOW_CONSUMER_CHECK_MS, now: () => Date.now(), ...options };
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    this.graceMs = options.graceMs ?? DEFAULT_SLOW_CONSUMER_GRACE_MS;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.check(), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One pass over the local sockets (the timer calls it; tests may too). */
  check(): void {
    const now = this.#o.now();
    let max = 0;
    for (const socket of this.#o.nsp.sockets.values()) {
      if (engineOf(socket).readyState !== 'open') continue;
      const bytes = pendingBytes(socket);
      if (bytes > max) max = bytes;
      const since = this.#over.get(socket);
      if (since === undefined) {
        if (bytes <= this.maxBacklogBytes) continue;
        this.#over.set(socket, now);
        this.#cutOff(socket, bytes);
        this.#o.onSlow?.('resync');
      } else if (bytes <= this.maxBacklogBytes / 4) {
        // Drained (the resync is on its way to the kernel, or read): a normal socket again.
        this.#over.delete(socket);
      } else if (now - since >= this.graceMs) {
        this.#over.delete(socket);
        this.#drop(socket, bytes);
        this.#o.onSlow?.('disconnect');
      } else if (bytes > this.maxBacklogBytes && socket.rooms.size > 1) {
        // It subscribed again before draining: cut it off again, without resetting the grace.
        this.#cutOff(socket, bytes);
      }
    }
    this.#o.onCheck?.(max);
  }

  #cutOff(socket: LiveSocket, bytes: number): void {
    for (const room of [...socket.rooms])
      if (room !== socket.id)
        void Promise.resolve(socket.leave(room)).catch((err: unknown) =>
          this.#o.log?.warn({ err, room }, 'slow consumer: leaving a room failed'),
        );
    socket.emit('resync', { reason: 'slow_consumer' });
    this.#o.log?.warn(
      { socket: socket.id, bytes, limit: this.maxBacklogBytes },
      'slow consumer: stopped sending it events and told it to resync',
    );
  }

  #drop(socket: LiveSocket, bytes: number): void {
    this.#o.log?.warn(
      { socket: socket.id, bytes, graceMs: this.graceMs },
      'slow consumer: still behind after the grace period; disconnecting it',
    );
    const conn = engineOf(socket);
    const ws = conn.transport?.socket;
    // A polite close would queue its close frame behind the backlog and wait for it to drain.
    if (conn.transport?.name === 'websocket' && typeof ws?.terminate === 'function') ws.terminate();
    else {
      socket.disconnect(true);
      conn.close?.(true);
    }
  }
}

import { io, type Socket } from 'socket.io-client';
import type { ClientToServer, Event, ServerToClient, SubscribeAck } from '@cityops/protocol';
import { PASSWORD } from './test-server.ts';

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A logged-in user of the real HTTP API. */
export class User {
  cookie = '';
  constructor(
    readonly baseUrl: string,
    readonly username: string,
  ) {}

  static async login(baseUrl: string, username: string, password = PASSWORD): Promise<User> {
    const u = new User(baseUrl, username);
    const r = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
    u.cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return u;
  }

  async call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const r = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed as T, headers: r.headers };
  }

  get = <T = any>(path: string): Promise<Reply<T>> => this.call<T>('GET', path);
  post = <T = any>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>> => this.call<T>('POST', path, body, headers);

  /** A real socket.io-client on /live, authenticated with this user's cookie. */
  socket(): LiveClient {
    return new LiveClient(this.baseUrl, { extraHeaders: { cookie: this.cookie } });
  }
}

/**
 * A /live socket that keeps what a board keeps: the events it applied, deduplicated by id,
 * with the buffering rule around `subscribe` (live events at or below the acked id are dropped).
 */
export class LiveClient {
  readonly socket: Socket<ServerToClient, ClientToServer>;
  readonly applied: Event[] = [];
  readonly raw: Event[] = [];
  readonly resyncs: string[] = [];
  lastEventId = 0;
  #seen = new Set<number>();
  #buffer: Event[] | null = null;
  #waiters: (() => void)[] = [];

  constructor(
    url: string,
    opts: { extraHeaders?: Record<string, string>; auth?: Record<string, string> },
  ) {
    this.socket = io(`${url}/live`, {
      path: '/socket.io',
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      ...opts,
    });
    this.socket.on('events', ({ events }) => {
      this.raw.push(...events);
      if (this.#buffer) this.#buffer.push(...events);
      else this.#apply(events);
    });
    this.socket.on('resync', ({ reason }) => this.resyncs.push(reason));
  }

  #apply(events: Event[]): void {
    for (const e of events) {
      if (e.id <= this.lastEventId && this.#seen.has(e.id)) continue;
      if (this.#seen.has(e.id)) continue;
      this.#seen.add(e.id);
      this.applied.push(e);
      if (e.id > this.lastEventId) this.lastEventId = e.id;
    }
    for (const w of this.#waiters.splice(0)) w();
  }

  async connected(): Promise<void> {
    if (this.socket.connected) return;
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', (err) => reject(err));
    });
  }

  async subscribe(scope: string, since?: number): Promise<SubscribeAck> {
    await this.connected();
    this.#buffer = [];
    const ack = await this.socket
      .timeout(10_000)
      .emitWithAck('subscribe', since === undefined ? { scope } : { scope, since });
    const buffered = this.#buffer;
    this.#buffer = null;
    // Replayed events (sent before the ack) are all ≤ ack.lastEventId; live ones may repeat them.
    buffered.sort((a, b) => a.id - b.id);
    this.#apply(buffered);
    if (ack.ok && ack.lastEventId > this.lastEventId) this.lastEventId = ack.lastEventId;
    return ack;
  }

  /** Wait until `predicate` holds over the applied events, or fail after `ms`. */
  async waitFor(predicate: (applied: Event[]) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this.applied)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${ms} ms; applied ${this.applied.length} events`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

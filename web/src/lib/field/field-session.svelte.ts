import { io, type Socket } from 'socket.io-client';
import { CATEGORIES, CATEGORY_GROUPS, type Category, type CategoryGroup } from '@cityops/domain';
import {
  LIVE_NAMESPACE,
  type ClientToServer,
  type FieldWork,
  type Me,
  type MyPatrol,
  type ServerToClient,
} from '@cityops/protocol';
import { ApiError } from '../api/client.ts';
import type { RegionCollection } from '../map/features.ts';
import { fieldApi, offlineCache } from './field-api.ts';
import { Outbox } from './outbox.svelte.ts';
import type { QueuedItem } from './outbox-db.ts';

/**
 * The grid worker's session on the phone: who they are and their grid (kept on the device so
 * the app opens offline), today's patrol, their work list kept live from the event stream,
 * and the outbox every report and check-in goes through.
 */
export class FieldSession {
  #me = $state.raw<Me | null>(null);
  #grid = $state.raw<RegionCollection | null>(null);
  #groups = $state.raw<readonly CategoryGroup[]>(CATEGORY_GROUPS);
  #categories = $state.raw<readonly Category[]>(CATEGORIES);
  #patrol = $state.raw<MyPatrol | null>(null);
  #work = $state.raw<FieldWork | null>(null);
  #unauthenticated = $state(false);
  #outbox = $state.raw<Outbox | null>(null);
  #socket: Socket<ServerToClient, ClientToServer> | null = null;
  #refresh: ReturnType<typeof setTimeout> | null = null;
  #disposed = false;

  get me(): Me | null {
    return this.#me;
  }
  get grid(): RegionCollection | null {
    return this.#grid;
  }
  get groups(): readonly CategoryGroup[] {
    return this.#groups;
  }
  get categories(): readonly Category[] {
    return this.#categories;
  }
  get patrol(): MyPatrol | null {
    return this.#patrol;
  }
  get work(): FieldWork | null {
    return this.#work;
  }
  get unauthenticated(): boolean {
    return this.#unauthenticated;
  }
  get outbox(): Outbox | null {
    return this.#outbox;
  }

  async start(): Promise<void> {
    let me: Me | null = null;
    try {
      me = await fieldApi.me();
      offlineCache.set('me', me);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.#unauthenticated = true;
        return;
      }
      me = offlineCache.get<Me>('me'); // offline: the last account that used this phone
    }
    if (this.#disposed || !me) {
      this.#unauthenticated = !me;
      return;
    }
    this.#me = me;
    this.#grid = offlineCache.get<RegionCollection>(`grid.${me.username}`);
    this.#patrol = offlineCache.get<MyPatrol>(`patrol.${me.username}`);
    this.#work = offlineCache.get<FieldWork>(`work.${me.username}`);
    const outbox = new Outbox(
      me.username,
      (item) => this.#sent(item),
      () => (this.#unauthenticated = true),
    );
    this.#outbox = outbox;
    void outbox.start();
    void this.#loadStatic(me);
    this.reload();
    this.#connect(me);
  }

  dispose(): void {
    this.#disposed = true;
    this.#outbox?.dispose();
    this.#socket?.disconnect();
    if (this.#refresh) clearTimeout(this.#refresh);
  }

  /** Refetch today's patrol and the work list (soon, coalesced). */
  reload(delayMs = 0): void {
    if (this.#refresh) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = null;
      void this.#fetchLive();
    }, delayMs);
  }

  /** Apply an action's reply at once (the event that follows refetches anyway). */
  replaced(): void {
    this.reload();
  }

  async #fetchLive(): Promise<void> {
    const me = this.#me;
    if (!me) return;
    try {
      const [patrol, work] = await Promise.all([fieldApi.patrol(), fieldApi.work()]);
      if (this.#disposed) return;
      this.#patrol = patrol;
      this.#work = work;
      offlineCache.set(`patrol.${me.username}`, patrol);
      offlineCache.set(`work.${me.username}`, work);
    } catch {
      // offline: keep what we have; the socket reconnect or the outbox triggers another try
    }
  }

  async #loadStatic(me: Me): Promise<void> {
    try {
      const [grid, cats] = await Promise.all([fieldApi.grids(), fieldApi.categories()]);
      if (this.#disposed) return;
      this.#grid = grid;
      this.#groups = cats.groups;
      this.#categories = cats.categories;
      offlineCache.set(`grid.${me.username}`, grid);
    } catch {
      // offline: the cached grid and the built-in catalogue serve
    }
  }

  #sent(item: QueuedItem): void {
    this.reload(item.kind === 'report' ? 0 : 300);
  }

  #connect(me: Me): void {
    const socket: Socket<ServerToClient, ClientToServer> = io(LIVE_NAMESPACE, {
      path: '/socket.io',
      transports: ['websocket'],
    });
    this.#socket = socket;
    socket.on('connect', () => {
      socket.emit('subscribe', { scope: me.scope.code }, () => undefined);
      this.reload();
      void this.#outbox?.flush();
    });
    // Any change in the grid may touch a report or a site check: refetch, coalesced.
    socket.on('events', ({ events }) => {
      if (events.some((e) => e.type !== 'patrol.checkin' || e.actor === me.username))
        this.reload(300);
    });
    socket.on('resync', () => this.reload());
  }
}

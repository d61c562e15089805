import { ApiError } from '../api/client.ts';
import { fieldApi, isNetworkError } from './field-api.ts';
import {
  deleteQueued,
  newKey,
  readQueue,
  saveQueued,
  type QueuedCheckin,
  type QueuedItem,
  type QueuedReport,
} from './outbox-db.ts';

const RETRY_MS = 10_000;

/**
 * Everything the worker sent goes through this queue: saved on the device first, then sent.
 * Without a network it waits (across reloads) and goes out when the network returns; each
 * report carries its own Idempotency-Key, so a retry after a lost reply creates nothing twice.
 */
export class Outbox {
  readonly #owner: string;
  readonly #onSent: (item: QueuedItem) => void;
  readonly #onUnauthenticated: () => void;
  #items = $state<QueuedItem[]>([]);
  #sending = $state(false);
  #online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  #timer: ReturnType<typeof setInterval> | null = null;
  #again = false;
  #disposed = false;
  readonly #wake = (): void => {
    this.#online = navigator.onLine;
    if (this.#online) void this.flush();
  };

  constructor(
    owner: string,
    onSent: (item: QueuedItem) => void,
    onUnauthenticated: () => void = () => undefined,
  ) {
    this.#owner = owner;
    this.#onSent = onSent;
    this.#onUnauthenticated = onUnauthenticated;
  }

  get items(): readonly QueuedItem[] {
    return this.#items;
  }
  /** Items still to go (refused ones are listed apart). */
  get waiting(): readonly QueuedItem[] {
    return this.#items.filter((i) => !i.error);
  }
  get refused(): readonly QueuedItem[] {
    return this.#items.filter((i) => i.error);
  }
  get sending(): boolean {
    return this.#sending;
  }
  get online(): boolean {
    return this.#online;
  }

  async start(): Promise<void> {
    this.#items = await readQueue(this.#owner);
    window.addEventListener('online', this.#wake);
    window.addEventListener('offline', this.#wake);
    this.#timer = setInterval(() => {
      if (this.waiting.length) void this.flush();
    }, RETRY_MS);
    await this.flush();
  }

  dispose(): void {
    this.#disposed = true;
    window.removeEventListener('online', this.#wake);
    window.removeEventListener('offline', this.#wake);
    if (this.#timer) clearInterval(this.#timer);
  }

  async checkin(body: QueuedCheckin['body']): Promise<void> {
    const item: QueuedCheckin = {
      id: newKey(),
      owner: this.#owner,
      createdAt: new Date().toISOString(),
      kind: 'checkin',
      body: { ...body, at: new Date().toISOString() },
    };
    await this.#add(item);
  }

  async report(
    body: QueuedReport['body'],
    photos: Blob[],
    selfResolveNote?: string,
  ): Promise<void> {
    const item: QueuedReport = {
      id: newKey(),
      owner: this.#owner,
      createdAt: new Date().toISOString(),
      kind: 'report',
      body,
      photos: photos.map((blob) => ({ blob })),
      ...(selfResolveNote ? { selfResolveNote } : {}),
    };
    await this.#add(item);
  }

  async discard(id: string): Promise<void> {
    await deleteQueued(id);
    this.#items = this.#items.filter((i) => i.id !== id);
  }

  async #add(item: QueuedItem): Promise<void> {
    await saveQueued(item);
    this.#items = [...this.#items, item];
    await this.flush();
  }

  /** Send the waiting items oldest first; stop at the first network failure. */
  async flush(): Promise<void> {
    if (this.#disposed) return;
    if (this.#sending) {
      this.#again = true;
      return;
    }
    this.#sending = true;
    try {
      do {
        this.#again = false;
        for (const item of [...this.waiting]) {
          try {
            await this.#send(item);
            await deleteQueued(item.id);
            this.#items = this.#items.filter((i) => i.id !== item.id);
            this.#online = true;
            this.#onSent(item);
          } catch (err) {
            if (isNetworkError(err)) {
              if (err instanceof TypeError) this.#online = false;
              return;
            }
            if (err instanceof ApiError && err.status === 401) {
              // The session ended: keep everything, it goes out after the next login.
              this.#onUnauthenticated();
              return;
            }
            // Refused by the server (4xx): keep it, say why, go on with the others.
            const refused = {
              ...item,
              error: err instanceof Error ? err.message : String(err),
            } as QueuedItem;
            await saveQueued(refused);
            this.#items = this.#items.map((i) => (i.id === item.id ? refused : i));
          }
        }
      } while (this.#again && !this.#disposed);
    } finally {
      this.#sending = false;
    }
  }

  async #send(item: QueuedItem): Promise<void> {
    if (item.kind === 'checkin') {
      await fieldApi.checkin(item.body);
      return;
    }
    // Photos first (each saved as soon as it is up), then the report, then 网格自办.
    for (const photo of item.photos) {
      if (photo.sha256) continue;
      photo.sha256 = (await fieldApi.uploadPhoto(photo.blob)).sha256;
      await saveQueued(item);
    }
    if (!item.incident) {
      const photos = item.photos.map((p) => p.sha256!).filter(Boolean);
      const created = await fieldApi.report(
        { ...item.body, ...(photos.length ? { photos } : {}) },
        item.id,
      );
      item.incident = { id: created.id, version: created.version, state: created.state };
      await saveQueued(item);
    }
    if (item.selfResolveNote && item.incident.state !== 'closed') {
      try {
        await fieldApi.act(item.incident.id, {
          action: 'self_resolve',
          note: item.selfResolveNote,
          expectedVersion: item.incident.version,
        });
      } catch (err) {
        // Done already by an earlier attempt whose reply was lost.
        const current =
          err instanceof ApiError && err.status === 409
            ? await fieldApi.incident(item.incident.id)
            : null;
        if (current?.state !== 'closed') throw err;
      }
    }
  }
}

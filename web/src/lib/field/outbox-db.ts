/** The device-side queue of unsent work, in IndexedDB (it survives reloads and holds photo blobs). */
import type { CheckinRequest, CreateIncident } from '@cityops/protocol';

export interface QueuedPhoto {
  blob: Blob;
  /** Set once uploaded; the report then refers to it by hash. */
  sha256?: string;
}

interface QueuedBase {
  /** Also the Idempotency-Key of the request that creates the incident. */
  id: string;
  /** Whose queue it is: one phone may be shared across shifts. */
  owner: string;
  createdAt: string;
  /** Set when the server refused it (4xx): kept and shown until the worker discards it. */
  error?: string;
}

export interface QueuedCheckin extends QueuedBase {
  kind: 'checkin';
  body: CheckinRequest;
}

export interface QueuedReport extends QueuedBase {
  kind: 'report';
  body: Omit<CreateIncident, 'photos'>;
  photos: QueuedPhoto[];
  /** 网格自办: close at once with this note. */
  selfResolveNote?: string;
  /** Set once created, so a retry only finishes the remaining step. */
  incident?: { id: number; version: number; state: string };
}

export type QueuedItem = QueuedCheckin | QueuedReport;

const DB_NAME = 'cityops-field';
const STORE = 'outbox';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

let opening: Promise<IDBDatabase> | null = null;
function openDb(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE))
        req.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      opening = null;
      reject(req.error ?? new Error('IndexedDB unavailable'));
    };
  });
  return opening;
}

async function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await openDb()).transaction(STORE, mode).objectStore(STORE);
}

export async function readQueue(owner: string): Promise<QueuedItem[]> {
  const all = (await request((await store('readonly')).getAll())) as QueuedItem[];
  return all
    .filter((i) => i.owner === owner)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function saveQueued(item: QueuedItem): Promise<void> {
  await request((await store('readwrite')).put($plain(item)));
}

export async function deleteQueued(id: string): Promise<void> {
  await request((await store('readwrite')).delete(id));
}

/** Svelte state proxies cannot be structured-cloned: copy to plain objects (Blobs kept as is). */
function $plain(item: QueuedItem): QueuedItem {
  const base = { ...item, body: { ...item.body } } as QueuedItem;
  if (base.kind === 'report' && item.kind === 'report') {
    base.photos = item.photos.map((p) => ({
      blob: p.blob,
      ...(p.sha256 ? { sha256: p.sha256 } : {}),
    }));
    if (item.incident) base.incident = { ...item.incident };
  }
  return base;
}

/** A random key for Idempotency-Key: crypto.randomUUID needs a secure context, this does not. */
export function newKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `f-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

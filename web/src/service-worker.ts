/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * Lets the app shell open without a network (the field app on a patchy mobile link): the built
 * assets are cached at install, navigations go to the network first and fall back to the cached
 * SPA page. API and Socket.IO traffic is never touched: it always goes to the server.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `cityops-shell-${version}`;
const SHELL = '/200.html';
const ASSETS = new Set([...build, ...files, SHELL]);

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...ASSETS]))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => k.startsWith('cityops-shell-') && k !== CACHE)
            .map((k) => caches.delete(k)),
        ),
      )
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (
    url.pathname.startsWith('/api/') ||
    url.pathname.startsWith('/socket.io/') ||
    url.pathname === '/service-worker.js'
  )
    return;

  if (req.mode === 'navigate') {
    // Network first, so online pages are always fresh; the cached shell only when it fails.
    event.respondWith(fetch(req).catch(() => offlineShell()));
    return;
  }
  if (ASSETS.has(url.pathname)) {
    // Built assets are immutable per version: cache first.
    event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
  }
});

/** The cached SPA page, marked so the page (and tests) can tell it was served offline. */
async function offlineShell(): Promise<Response> {
  const cached = await caches.match(SHELL, { cacheName: CACHE });
  if (!cached) return Response.error();
  const headers = new Headers(cached.headers);
  headers.set('x-cityops-offline-shell', '1');
  return new Response(await cached.blob(), { status: 200, headers });
}

import { dev } from '$app/environment';

/** How long the wallboard waits at most for its first full render before installing the shell. */
export const SHELL_LATEST_MS = 60_000;

let asked = false;

/**
 * Install the app shell's service worker (src/service-worker.ts), once. Its install downloads
 * every built asset, several megabytes over the browser's six connections to the server: the
 * wallboard asks only once it has drawn, so that download does not hold up its own first render,
 * and every other page once it has loaded (SvelteKit's own registration is turned off).
 */
export function registerShell(): void {
  if (asked || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  asked = true;
  navigator.serviceWorker
    .register('/service-worker.js', { type: dev ? 'module' : 'classic' })
    .catch(() => undefined);
}

import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// WEB_BUILD_DIR lets parallel builds (e.g. several developers' test runs) write to separate places.
const out = process.env.WEB_BUILD_DIR ?? 'build';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    outDir: process.env.SVELTEKIT_OUT_DIR ?? '.svelte-kit',
    // Built as a static single-page app; the server serves build/ and falls back to 200.html.
    adapter: adapter({
      pages: out,
      assets: out,
      fallback: '200.html',
      strict: false,
      // .br and .gz beside each file, which the server sends to browsers that take them.
      precompress: true,
    }),
    // Registered by the app (src/lib/shell/service-worker.ts): the wallboard installs it only
    // after its first full render.
    serviceWorker: { register: false },
  },
};

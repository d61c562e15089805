import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // Built as a static single-page app; the server serves build/ and falls back to 200.html.
    adapter: adapter({ pages: 'build', assets: 'build', fallback: '200.html', strict: false }),
  },
};

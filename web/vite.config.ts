import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The dev server proxies the API and the socket to a running cityops server.
const target = process.env.API_TARGET ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      '/api': target,
      '/socket.io': { target, ws: true },
    },
  },
});

/**
 * The panel build: `vite build frontend` → frontend/dist, served by the tracker's ingress
 * listener at `/`. Every URL is relative (`base: './'`) because Home Assistant serves the
 * panel below `/api/hassio_ingress/<token>/`.
 *
 * `npx vite frontend` serves it with hot reload; point TRACKER at a running tracker's
 * ingress port (default http://127.0.0.1:8099, e.g. from `npm run demo`) for its MQTT.
 */
import { defineConfig } from 'vite';

const tracker = process.env.TRACKER ?? 'http://127.0.0.1:8099';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // mqtt.js's browser build is most of the bundle; it is one chunk on purpose.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/mqtt': { target: tracker.replace(/^http/, 'ws'), ws: true },
      '/health': { target: tracker },
      '/panel.json': { target: tracker },
    },
  },
});

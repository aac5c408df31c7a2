/**
 * The ingress listener: the panel (frontend/dist) at `/`, health, and the MQTT-over-WebSocket
 * endpoint the panel uses (`./mqtt`, attached to the same server by the broker).
 */
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

/** The built panel, relative to the package root (this file runs as dist/http/ingress.js). */
export const PANEL_DIR = fileURLToPath(new URL('../../frontend/dist/', import.meta.url));

export function createIngressApp(info: () => Record<string, unknown>, panelDir: string = PANEL_DIR): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', ...info() });
  });
  const assets = resolve(panelDir, 'assets') + sep;
  app.use(
    express.static(panelDir, {
      index: 'index.html',
      // Relative URLs only: a redirect to `dir/` would be absolute and escape the ingress prefix.
      redirect: false,
      setHeaders: (res, path) => {
        // Vite puts a content hash in every file name under assets/; index.html names them.
        if (resolve(path).startsWith(assets)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        else res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  // Reached only when the panel is not built (a checkout where `npm run build:panel` never ran).
  app.get('/', (_req, res) => {
    res
      .status(503)
      .type('text/plain')
      .send('Media Tracker is running, but its panel is not built: run `npm run build:panel`. MQTT over WebSocket: ./mqtt (subprotocol "mqtt").\n');
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}

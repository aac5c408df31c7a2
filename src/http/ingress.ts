/** The ingress listener: health and the MQTT-over-WebSocket endpoint the panel uses (`./mqtt`). */
import express from 'express';

export function createIngressApp(info: () => Record<string, unknown>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', ...info() });
  });
  app.get('/', (_req, res) => {
    res.type('text/plain').send('Media Tracker is running. MQTT over WebSocket: ./mqtt (subprotocol "mqtt").\n');
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}

/** A clean stop must finish even while a panel (a browser MQTT-over-WebSocket client) is connected. */
import { expect, it } from 'vitest';
import { Recorder, startTracker } from '../helpers/tracker.js';

it('stop() completes with a panel connected over WebSocket', async () => {
  const h = await startTracker();
  const panel = await Recorder.connect(h.tracker.endpoints.wsUrl, ['media/#'], { protocolVersion: 4, reconnectPeriod: 0 });
  await panel.until(() => panel.latest.get('media/bridge/state'), 'bridge state over WebSocket');
  const closed = new Promise<void>((resolve) => panel.client.once('close', () => resolve()));
  await h.stop();
  await closed;
  expect(panel.client.connected).toBe(false);
  await panel.close();
});

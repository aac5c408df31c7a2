/**
 * Composition root of the panel: the store, the MQTT connection (mqtt.js's browser build,
 * to `./mqtt` next to this page), the theme, and <mt-app>.
 *
 * The base topic is `media` unless the page is opened with `?base=<topic>`.
 */
import mqtt from 'mqtt';
import { BatchingWebSocket } from './data/batching-socket.js';
import { Connection, type ConnectFn } from './data/connection.js';
import { RequestStore } from './data/store.js';
import { mqttUrl } from './data/url.js';
import { startThemeSync } from './theme.js';
import './components/mt-app.js';

const base = new URLSearchParams(location.search).get('base') || 'media';
// Messages arrive in bursts: re-render at most ~20 times a second, and twice a second while a
// retained replay (10,000 states) streams in after its first batch is on screen; the replay's
// last batch is delivered at once (the store knows the count from the bridge info).
const store = new RequestStore({ base, schedule: (flush, replaying) => setTimeout(flush, replaying ? 500 : 50) });
const connect: ConnectFn = (url, options) => mqtt.connect(url, { ...options, createWebsocket: (wsUrl: string, protocols: string[]) => new BatchingWebSocket(wsUrl, protocols) });
const connection = new Connection({ url: mqttUrl(location.href), store, connect });

startThemeSync();
const app = document.createElement('mt-app');
app.store = store;
app.connection = connection;
document.body.append(app);
connection.start();

// For tests and debugging in the browser console.
declare global {
  interface Window {
    mediaTracker?: { store: RequestStore; connection: Connection };
  }
}
window.mediaTracker = { store, connection };

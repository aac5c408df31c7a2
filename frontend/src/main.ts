/**
 * Composition root of the panel: the store, the MQTT connection (mqtt.js's browser build,
 * to `./mqtt` next to this page), the theme, and <mt-app>.
 *
 * The base topic is `media` unless the page is opened with `?base=<topic>`.
 */
import mqtt from 'mqtt';
import { Connection, type ConnectFn } from './data/connection.js';
import { RequestStore } from './data/store.js';
import { mqttUrl } from './data/url.js';
import { startThemeSync } from './theme.js';
import './components/mt-app.js';

const base = new URLSearchParams(location.search).get('base') || 'media';
// Messages arrive in bursts (30,000 on a retained replay of 10,000 requests): re-render at most ~20 times a second.
const store = new RequestStore({ base, schedule: (flush) => setTimeout(flush, 50) });
const connect: ConnectFn = (url, options) => mqtt.connect(url, options);
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

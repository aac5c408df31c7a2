/**
 * Composition root of the panel: the store, the MQTT connection (mqtt.js's browser build,
 * to `./mqtt` next to this page), the theme, and <mt-app>.
 *
 * `./panel.json` (fetched by index.html while this script loads) gives the base topic, the
 * viewer, the webhook URLs and the services' web UIs; `?base=<topic>` overrides the topic.
 */
import mqtt from 'mqtt';
import { BatchingWebSocket } from './data/batching-socket.js';
import { Connection, type ConnectFn } from './data/connection.js';
import { baseTopic, loadPanelConfig, type PanelConfig } from './data/panel-config.js';
import { RequestStore } from './data/store.js';
import { mqttUrl } from './data/url.js';
import { startThemeSync } from './theme.js';
import './components/mt-app.js';

declare global {
  interface Window {
    /** `./panel.json`, requested by index.html before this script loaded. */
    mtPanelConfig?: Promise<unknown>;
    mediaTracker?: { store: RequestStore; connection: Connection; config: PanelConfig };
  }
}

const config = await loadPanelConfig(window.mtPanelConfig, location.href);
const base = baseTopic(location.search, config);
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
app.config = config;
document.body.append(app);
connection.start();

// For tests and debugging in the browser console.
window.mediaTracker = { store, connection, config };

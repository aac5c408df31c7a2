/**
 * The MQTT-over-WebSocket endpoint, relative to the page: `./mqtt` next to index.html, so
 * `https://ha.local/api/hassio_ingress/<token>/#/request/x` connects to
 * `wss://ha.local/api/hassio_ingress/<token>/mqtt`. Never an absolute path: the ingress
 * prefix is only known to the browser.
 */
export function mqttUrl(href: string, path = 'mqtt'): string {
  const url = new URL(path, href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '';
  return url.toString();
}

/** What `npm start` prints once the tracker runs: where everything listens. */
import type { Endpoints } from './http/servers.js';
import type { Registry } from './integrations/registry.js';

export interface Running {
  version: string;
  requests: number;
  endpoints: Endpoints;
  registry: Registry;
  brokerHost: string;
  credentials: boolean;
  /** `add-on`, `network` (an explicit host) or `local`. */
  exposure: 'add-on' | 'network' | 'local';
  baseTopic: string;
  /** The external broker mirrored to (a URL without credentials), if any. */
  mirror: string | null;
}

export function describeRunning(r: Running): string {
  const e = r.endpoints;
  const routes = r.registry.filter((d) => d.webhook).map((d) => `/hooks/${d.id}`);
  const lines = [
    `Media Tracker ${r.version} is running (${r.requests} requests).`,
    `  Webhooks:   ${e.webhookUrl}${routes.join(' | ')}  (secret: Authorization: Bearer <secret>, Basic password, or ?token=)`,
    `  MQTT:       mqtt://${r.brokerHost}:${e.mqttPort} (embedded broker${r.credentials ? ', credentials required' : ', loopback only'})`,
    `  Panel:      ${e.ingressUrl}/ and MQTT over WebSocket at ${e.wsUrl}${r.exposure === 'add-on' ? ' (Home Assistant ingress only)' : r.exposure === 'network' ? '' : ' (this machine only)'}`,
    `  Topics:     ${r.baseTopic}/<id>/state, ${r.baseTopic}/<id>/episodes, ${r.baseTopic}/bridge/#`,
  ];
  if (r.mirror) lines.push(`  Mirroring:  ${r.mirror}`);
  return lines.join('\n');
}

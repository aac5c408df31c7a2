/**
 * The two HTTP listeners: webhooks (every network interface; the shared secret guards them)
 * and ingress (the panel and its MQTT-over-WebSocket; loopback standalone, the Supervisor's
 * proxy as an add-on).
 */
import type { SourceNotice } from '../adapters/types.js';
import type { Server } from 'node:http';
import { publicBase, type PublicBase } from '../autoconfig/urls.js';
import type { Options } from '../config/schema.js';
import type { Engine } from '../engine/index.js';
import type { Registry } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import type { EmbeddedBroker } from '../mqtt/broker.js';
import { VERSION } from '../version.js';
import { createIngressApp, panelSettings } from './ingress.js';
import { closeServer, serve } from './listener.js';
import { createOriginPolicy } from './origin.js';
import { createViewerPolicy } from './viewer.js';
import { createWebhookApp, type webhookRoutes } from './webhooks.js';

/** The Supervisor's ingress proxy, as IPv4 and as an IPv4-mapped IPv6 address. */
export const SUPERVISOR_ADDRESSES = ['172.30.32.2', '::ffff:172.30.32.2'];

export interface Endpoints {
  webhookUrl: string;
  ingressUrl: string;
  mqttUrl: string;
  wsUrl: string;
  webhookPort: number;
  ingressPort: number;
  mqttPort: number;
}

export interface HttpDeps {
  options: Options;
  /** Listen address; default every interface for webhooks, loopback for ingress standalone. */
  host: string | undefined;
  addon: boolean;
  /** As an add-on, the ingress proxy's addresses (default SUPERVISOR_ADDRESSES). */
  proxies?: readonly string[];
  secret: string;
  engine: Engine;
  /** The integrations' webhook routes. */
  routes: ReturnType<typeof webhookRoutes>;
  /** The integrations, for panel.json's routes and links. */
  registry: Registry;
  broker: EmbeddedBroker;
  log: Logger;
  onReceived: (source: string, instance: string | undefined) => void;
  onNotices?: (source: string, notices: readonly SourceNotice[]) => void;
}

export class HttpServers {
  private webhookServer: Server | null = null;
  private ingressServer: Server | null = null;
  endpoints!: Endpoints;
  /** Where the services reach the webhook listener (`public_url` or derived). */
  base: PublicBase | null = null;

  constructor(private readonly d: HttpDeps) {}

  async start(): Promise<void> {
    const { options: o, log } = this.d;
    const host = this.d.host ?? '0.0.0.0';
    // Standalone, the panel and its broker WebSocket stay on this machine; as an add-on the
    // Supervisor proxies ingress from its own address, which the WebSocket check enforces.
    const ingressHost = this.d.host ?? (this.d.addon ? '0.0.0.0' : '127.0.0.1');
    const webhooks = createWebhookApp({
      secret: this.d.secret,
      anime: o.anime,
      engine: this.d.engine,
      log: log.child('webhooks'),
      routes: this.d.routes,
      onReceived: this.d.onReceived,
      ...(this.d.onNotices ? { onNotices: this.d.onNotices } : {}),
    });
    this.webhookServer = await serve(webhooks, o.webhook_port, host);
    const trustedProxies = this.d.addon ? (this.d.proxies ?? SUPERVISOR_ADDRESSES) : null;
    const origins = createOriginPolicy({ trustedProxies, origins: o.panel_origins });
    const ingress = createIngressApp({
      health: () => ({ version: VERSION, requests: this.d.engine.index.size }),
      panel: () => panelSettings(o, this.endpoints.webhookPort, this.d.secret, this.d.registry),
      trustedProxies,
      origins,
      frameAncestors: o.panel_origins,
      commandUsers: o.command_users,
    });
    // The WebSocket upgrade names the viewer as panel.json does; the broker drops a read-only viewer's commands.
    const viewers = createViewerPolicy({ trustedProxies, commandUsers: o.command_users });
    this.ingressServer = await serve(ingress, o.ingress_port, ingressHost);
    this.d.broker.attachWebSocket(this.ingressServer, '/mqtt', origins.checkUpgrade, (req) => {
      const { viewer, commands } = viewers.access(req);
      return { commands, who: viewer ? viewer.name || viewer.id : 'a user Home Assistant did not name' };
    });
    const port = (s: Server) => {
      const a = s.address();
      return typeof a === 'object' && a ? a.port : 0;
    };
    const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
    const webhookPort = port(this.webhookServer);
    const ingressPort = port(this.ingressServer);
    this.base = publicBase(o.public_url, { host, port: webhookPort });
    const mqttPort = this.d.broker.tcpPort;
    this.endpoints = {
      webhookPort,
      ingressPort,
      mqttPort,
      webhookUrl: `http://${shown}:${webhookPort}`,
      ingressUrl: `http://${shown}:${ingressPort}`,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      wsUrl: `ws://${shown}:${ingressPort}/mqtt`,
    };
  }

  async stop(): Promise<void> {
    await closeServer(this.webhookServer);
    await closeServer(this.ingressServer);
  }
}

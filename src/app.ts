/**
 * Composition root: builds the store, engine, MQTT bus, brokers, publisher and HTTP
 * listeners, and starts/stops them in order. Constructors only assign; I/O happens in start().
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Server } from 'node:http';
import { boundedSink } from './adapters/bounds.js';
import { autoconfigure, autoconfigureCommandSchema, type AutoconfigResult } from './autoconfig/index.js';
import { publicBase, type PublicBase } from './autoconfig/urls.js';
import { ConfigError } from './config/load.js';
import type { DoctorEnv } from './doctor/env.js';
import { configuredIntegrations } from './doctor/run.js';
import { DoctorService } from './doctor/service.js';
import { makeCheck, type DoctorCheck, type DoctorReport } from './doctor/types.js';
import { optionSecrets, type Options } from './config/schema.js';
import { Engine } from './engine.js';
import { createLogger, errorMessage, registerSecret, type Logger } from './log.js';
import { EmbeddedBroker } from './mqtt/broker.js';
import { MqttBus } from './mqtt/bus.js';
import { recipientLookup, Topics } from './mqtt/contract.js';
import { Discovery, nodeIdFor } from './mqtt/discovery.js';
import type { ExternalBroker } from './mqtt/external.js';
import { RetainedGuard } from './mqtt/reassert.js';
import { safeUrl } from './mqtt/safe-url.js';
import { ThrottledLog } from './log-throttle.js';
import { Publisher } from './publisher.js';
import { LocalSettings } from './secrets.js';
import { QUARANTINE_FILE, saveQuarantine, type Quarantined } from './store/quarantine.js';
import { Store } from './store/store.js';
import { createIngressApp, panelSettings } from './http/ingress.js';
import { closeServer, serve } from './http/listener.js';
import { createOriginPolicy } from './http/origin.js';
import { createWebhookApp, webhookRoutes } from './http/webhooks.js';
import { configuredIn, integrationInfo, REGISTRY, type Registry } from './integrations/registry.js';
import { VERSION } from './version.js';
import { createWatchers, type WatcherSet } from './watchers/index.js';
import type { Watcher } from './watchers/loop.js';

const COMMANDS = ['retry', 'forget', 'refresh'] as const;

/** Commands on `<base>/bridge/set/<action>`. */
const BRIDGE_COMMANDS = ['doctor', 'autoconfigure'] as const;

const RETAINED = { retain: true, qos: 1 } as const;

/** The Supervisor's ingress proxy, as IPv4 and as an IPv4-mapped IPv6 address. */
export const SUPERVISOR_ADDRESSES = ['172.30.32.2', '::ffff:172.30.32.2'];
type Command = (typeof COMMANDS)[number];

export interface TrackerOptions {
  options: Options;
  /** Storage disabled (benchmark baseline): nothing is written to disk. */
  durable?: boolean;
  /** Listen address for the webhook and ingress ports. */
  host?: string;
  /** Add-on mode (the Supervisor's token is present): ingress only answers the Supervisor's proxy. */
  addon?: boolean;
  log?: Logger;
  clock?: () => Date;
  /** The integrations (default: the built-in registry); the options must have been parsed with the same. */
  registry?: Registry;
}

export interface Endpoints {
  webhookUrl: string;
  ingressUrl: string;
  mqttUrl: string;
  wsUrl: string;
  webhookPort: number;
  ingressPort: number;
  mqttPort: number;
}

export class Tracker {
  readonly log: Logger;
  readonly bus: MqttBus;
  readonly topics: Topics;
  engine!: Engine;
  publisher!: Publisher;
  broker!: EmbeddedBroker;
  external: ExternalBroker | null = null;
  watchers: Watcher[] = [];
  private watcherSet: WatcherSet | null = null;
  webhookSecret = '';
  endpoints!: Endpoints;
  private settings!: LocalSettings;
  private webhookServer: Server | null = null;
  private ingressServer: Server | null = null;
  private timers: NodeJS.Timeout[] = [];
  private birthTimer: NodeJS.Timeout | null = null;
  private readonly startedAt: string;
  private readonly lastEvent: Record<string, string> = {};
  /** Valid webhooks per `source[/instance]` since start: how auto-configuration sees its Tests arrive. */
  private readonly receipts = new Map<string, number>();
  doctor: DoctorService | null = null;
  /** Stored requests and records left out at start-up (data/quarantine.jsonl), for the doctor. */
  quarantined: Quarantined[] = [];
  private autoconfigRun: Promise<AutoconfigResult> | null = null;
  private lastRetake = Number.NEGATIVE_INFINITY;
  /** Where the services reach the webhook listener (`public_url` or derived). */
  base!: PublicBase;
  private stopping = false;
  /** Merged-away request ids cleared at start, remembered once every broker has had the clear. */
  private absorbedPending: string[] = [];

  constructor(private readonly opts: TrackerOptions) {
    this.log = opts.log ?? createLogger();
    this.bus = new MqttBus(this.log.child('mqtt'));
    this.topics = new Topics(opts.options.mqtt.base_topic);
    this.startedAt = (opts.clock?.() ?? new Date()).toISOString();
  }

  get addon(): boolean {
    return this.opts.addon ?? Boolean(process.env.SUPERVISOR_TOKEN);
  }

  get options(): Options {
    return this.opts.options;
  }

  get registry(): Registry {
    return this.opts.registry ?? REGISTRY;
  }

  private now(): Date {
    return this.opts.clock?.() ?? new Date();
  }

  get mode(): 'embedded' | 'external' {
    const { mode, external_url } = this.options.mqtt;
    if (mode === 'external') return 'external';
    return mode === 'auto' && external_url ? 'external' : 'embedded';
  }

  async start(): Promise<Endpoints> {
    const o = this.options;
    for (const s of optionSecrets(o, this.registry)) registerSecret(s);
    if (o.mqtt.mode === 'external' && !o.mqtt.external_url) {
      throw new ConfigError('Invalid options:\n- mqtt.external_url: required when mqtt.mode is "external"');
    }
    const dataDir = resolve(o.data_dir);
    await mkdir(dataDir, { recursive: true });
    this.settings = await LocalSettings.open(dataDir);
    if (o.webhook_secret) this.webhookSecret = o.webhook_secret;
    else {
      const { secret, generated } = await this.settings.webhookSecret();
      this.webhookSecret = secret;
      if (generated) {
        // Printed once, on purpose outside the logger (which redacts it from then on).
        process.stdout.write(`Generated webhook secret (stored in ${dataDir}/settings.json, shown only this once): ${secret}\n`);
      }
    }
    registerSecret(this.webhookSecret);

    Object.assign(this.lastEvent, this.settings.lastEvents);
    await this.openEngine(dataDir);
    // Built before the bridge is announced so HA gets a health entity per watcher; started last.
    const set = (this.watcherSet = createWatchers({
      options: o,
      registry: this.registry,
      sink: boundedSink(this.engine),
      view: this.engine,
      log: this.log,
      settings: this.settings,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    }));
    this.watchers = set.list;
    await this.startMqtt();
    this.publishAll();
    await this.cleanStaleDiscovery();
    this.clearAbsorbed();
    await this.startHttp(set);
    for (const w of this.watchers) w.start();
    this.startDoctor();
    if (o.autoconfigure_on_start) void this.runAutoconfigure({ forwardExisting: o.forward_existing }).catch(() => undefined);
    const sweep = setInterval(() => this.sweep(), 3_600_000);
    // Watcher health changes without any request changing: announce it when it flips, and
    // refresh the info once a minute so "last event" ages stay current.
    let health = '';
    let ticks = 0;
    const info = setInterval(() => {
      const sig = this.watchers.map((w) => `${w.name}:${w.status().healthy}`).join(',');
      const flipped = sig !== health;
      if (flipped || ++ticks % 60 === 0) {
        // A connection that came or went changes the doctor's verdict (Shoko's SignalR above all).
        if (flipped && health !== '') void this.doctor?.run().catch(() => undefined);
        health = sig;
        this.publisher.publishInfo();
        if (!flipped) void this.saveLastEvents();
      }
    }, 1000);
    for (const t of [sweep, info]) {
      t.unref();
      this.timers.push(t);
    }
    return this.endpoints;
  }

  private async openEngine(dataDir: string): Promise<void> {
    const storeLog = this.log.child('store');
    const open = async () => {
      const { store, loaded } = await Store.open({
        dir: dataDir,
        durable: this.opts.durable ?? true,
        log: (level, msg) => storeLog[level](msg),
      });
      return { store, requests: loaded.requests, replay: loaded.replay, warnings: loaded.warnings, snapshotSeq: loaded.snapshotSeq };
    };
    const first = await open();
    for (const w of first.warnings) storeLog.warning(w);
    this.engine = new Engine(first.store, open, { verifyAvailability: configuredIn(this.options, this.registry).some((d) => d.roles.includes('library')) }, this.log.child('engine'), this.opts.clock);
    const left = this.engine.load(first.requests, first.replay, first.snapshotSeq);
    for (const q of left) storeLog.error(`left out ${q.origin === 'journal' ? `journal record ${q.seq}` : 'snapshot request'} (${q.id}): ${q.reason}; kept in ${QUARANTINE_FILE}, not published`);
    try {
      this.quarantined = await saveQuarantine(dataDir, left);
    } catch (err) {
      // Not being able to keep a copy is no reason to stay down either.
      storeLog.error(`could not write ${QUARANTINE_FILE}: ${errorMessage(err)}`);
      this.quarantined = left;
    }
    this.log.info(`loaded ${this.engine.index.size} requests (${first.replay.length} journal records replayed)`);
  }

  private async startMqtt(): Promise<void> {
    const m = this.options.mqtt;
    const onMessage = (via: string) => (topic: string, payload: string) => this.bus.deliver(topic, payload, via);
    this.broker = await EmbeddedBroker.start(
      {
        port: m.port,
        username: m.username,
        password: m.password,
        baseTopic: m.base_topic,
        // Home Assistant's ingress proxy is the only legitimate browser path to an add-on.
        wsAllowedAddresses: this.addon ? SUPERVISOR_ADDRESSES : null,
        discoveryPrefix: m.discovery_prefix,
      },
      this.log.child('broker'),
      onMessage('embedded'),
    );
    this.bus.addSink(this.broker);
    const discovery = m.discovery
      ? new Discovery({ prefix: m.discovery_prefix, node: nodeIdFor(m.base_topic), version: VERSION, topics: this.topics, doctor: configuredIntegrations(this.options, this.registry) })
      : null;
    this.publisher = new Publisher(
      this.bus,
      this.topics,
      discovery,
      this.options.ha_retention_days,
      () => this.engine.requests(),
      {
        watchers: () => this.watchers.map((w) => w.name).filter((n) => n !== 'stuck'),
        version: VERSION,
        mode: this.mode,
        started_at: this.startedAt,
        extra: () => ({ requests: this.engine.index.size, last_event: this.lastEvent, watchers: this.watchers.map((w) => w.status()), integrations: integrationInfo(this.registry) }),
      },
      this.opts.clock,
      recipientLookup(this.options.notify),
    );
    this.engine.onCommit((changes, effects) => this.publisher.onCommit(changes, effects));
    this.bus.onMessage((topic, payload, via) => this.onMessage(topic, payload, via));

    if (this.mode === 'external') {
      // mqtt.js is loaded only to mirror to an external broker: the embedded mode never needs it.
      const { ExternalBroker } = await import('./mqtt/external.js');
      // Clients of that broker could overwrite the states and discovery configs HA shows.
      const guard = new RetainedGuard(this.bus, [this.topics.state('+'), `${m.discovery_prefix}/+/${nodeIdFor(m.base_topic)}/+/config`], new ThrottledLog(this.log.child('external')));
      const external: ExternalBroker = new ExternalBroker(
        {
          url: m.external_url,
          username: m.external_username,
          password: m.external_password,
          willTopic: this.topics.bridgeState,
          subscriptions: [this.topics.commands, m.ha_status_topic, ...guard.filters],
          clientId: `media-tracker-${nodeIdFor(m.base_topic)}`,
        },
        this.log.child('external'),
        (sink) => {
          // A broker may have lost retained messages: replay everything it should hold.
          const n = this.bus.replay(sink);
          this.log.info(`republished ${n} retained topics to the external broker`);
          // The replay emptied the topics of merged-away requests there too.
          if (this.absorbedPending.length) void this.rememberAbsorbed();
        },
        (topic, payload, retain) => {
          // Stopping: the tracker's own `offline` comes back here and must not be "put back".
          if (!guard.owns(topic)) this.bus.deliver(topic, payload, 'external');
          else if (!this.stopping) guard.observe(topic, payload, retain, external);
        },
      );
      this.external = external;
      this.bus.addSink(this.external);
      this.external.start();
    }
  }

  private publishAll(): void {
    this.publisher.publishBridge();
    for (const r of this.engine.requests()) this.publisher.publishRequest(r);
  }

  /** Clears retained discovery configs published by an earlier run that no request produces now. */
  private async cleanStaleDiscovery(): Promise<void> {
    if (!this.options.mqtt.discovery) return;
    const prefix = this.options.mqtt.discovery_prefix;
    const current = new Set(this.publisher.discoveryTopics(prefix));
    let cleared = 0;
    for (const topic of this.settings.discoveryTopics) {
      if (!current.has(topic)) {
        this.bus.clear(topic);
        cleared++;
      }
    }
    if (cleared) this.log.info(`cleared ${cleared} stale discovery configs`);
    await this.saveDiscoveryTopics();
  }

  /**
   * A request merged into another by the store migration (its id in `absorbed_ids`) may still
   * have retained state, episodes, timeline and an HA device from an earlier run, on an external
   * broker above all. They are cleared at start (and on the external broker when it connects),
   * once: the ids are remembered when every broker had the clear.
   */
  private clearAbsorbed(): void {
    const done = new Set(this.settings.clearedAbsorbedIds);
    const ids = new Set<string>();
    for (const r of this.engine.requests()) for (const id of r.absorbed_ids ?? []) if (!done.has(id) && !this.engine.index.get(id)) ids.add(id);
    if (ids.size === 0) return;
    for (const id of ids) for (const topic of this.publisher.requestTopics(id)) this.bus.clear(topic);
    this.log.info(`cleared the MQTT topics and Home Assistant devices of ${ids.size} requests merged into others (${[...ids].join(', ')})`);
    this.absorbedPending = [...ids];
    if (!this.external || this.external.connected) void this.rememberAbsorbed();
  }

  private async rememberAbsorbed(): Promise<void> {
    const ids = this.absorbedPending;
    this.absorbedPending = [];
    try {
      await this.settings.addClearedAbsorbedIds(ids);
    } catch (err) {
      this.log.warning(`could not save the cleared request ids: ${errorMessage(err)}`);
    }
  }

  private async saveDiscoveryTopics(): Promise<void> {
    if (!this.options.mqtt.discovery) return;
    try {
      await this.settings.saveDiscoveryTopics(this.publisher.discoveryTopics(this.options.mqtt.discovery_prefix));
    } catch (err) {
      this.log.warning(`could not save discovery topics: ${errorMessage(err)}`);
    }
  }

  private sweep(): void {
    const removed = this.publisher.sweepRetention();
    if (removed) this.log.info(`removed the Home Assistant device of ${removed} finished requests (retention ${this.options.ha_retention_days} days)`);
    this.publisher.publishInfo();
    void this.saveDiscoveryTopics();
  }

  private onMessage(topic: string, payload: string, via: string): void {
    if (topic === this.options.mqtt.ha_status_topic) {
      if (payload.trim() === 'online') this.onHaBirth(via);
      return;
    }
    const command = this.topics.parseCommand(topic);
    if (command?.id === 'bridge') void this.onBridgeCommand(command.action, payload);
    else if (command) void this.onCommand(command.id, command.action, payload);
  }

  /** HA restarted: availability first, then configs and states, after a short jittered delay. */
  private onHaBirth(via: string): void {
    if (this.birthTimer) return;
    const delay = this.options.mqtt.ha_birth_delay_s * 1000 * (1 + Math.random() * 0.2);
    this.log.info(`Home Assistant is online (${via}); replaying discovery and state in ${Math.round(delay)} ms`);
    this.birthTimer = setTimeout(() => {
      this.birthTimer = null;
      const prefix = `${this.options.mqtt.discovery_prefix}/`;
      this.bus.replay(null, (t) => t === this.topics.bridgeState);
      this.bus.replay(null, (t) => t.startsWith(prefix));
      this.bus.replay(null, (t) => !t.startsWith(prefix) && t !== this.topics.bridgeState);
    }, delay);
    this.birthTimer.unref();
  }

  private async onCommand(id: string, action: string, payload: string): Promise<void> {
    const transaction = transactionOf(readCommandPayload(payload));
    const respond = (body: Record<string, unknown>) =>
      this.bus.publishJson(`${this.topics.base}/${id}/response`, { action, ...(transaction !== undefined ? { transaction } : {}), ...body }, { retain: false, qos: 1 });
    if (!(COMMANDS as readonly string[]).includes(action)) {
      respond({ status: 'error', error: `unknown action "${action}"; allowed: ${COMMANDS.join(', ')}` });
      return;
    }
    if (!this.engine.index.get(id)) {
      respond({ status: 'error', error: `no request with id "${id}"` });
      return;
    }
    if (action === 'refresh') {
      // Not a tracking change: nothing is journalled; Jellyfin's scan and the next cycle bring the evidence.
      const r = this.engine.index.get(id)!;
      const sent = this.watcherSet?.refreshLibrary(r);
      if (!sent) respond({ status: 'error', error: 'Jellyfin is not configured (jellyfin.url), so there is no library to refresh' });
      else await sent.then((note) => respond({ status: 'ok', refresh: note }), (err: unknown) => respond({ status: 'error', error: errorMessage(err) }));
      return;
    }
    try {
      const [item] = await this.engine.ingest([
        { kind: 'command', key: `command:${id}:${action}:${Date.now()}`, source: 'user', match: { scope: 'any' }, request_id: id, action: action as Exclude<Command, 'refresh'> },
      ]);
      let search: string | undefined;
      const r = this.engine.index.get(id);
      if (action === 'retry' && r && item?.status === 'accepted') {
        // Retry means searching again, not only resetting our own tracking (seed lesson B12).
        const sent = this.watcherSet?.searchFor(r);
        search = sent ? await sent.catch((err: unknown) => `search not sent: ${errorMessage(err)}`) : 'tracking reset; no Radarr/Sonarr configured for this request, so no search was sent';
      }
      respond({ status: 'ok', result: item, ...(search ? { search } : {}) });
    } catch (err) {
      respond({ status: 'error', error: errorMessage(err) });
    }
  }

  /** `<base>/bridge/set/{doctor,autoconfigure}`, answered on `<base>/bridge/response`. */
  private async onBridgeCommand(action: string, payload: string): Promise<void> {
    const parsed = readCommandPayload(payload);
    const transaction = transactionOf(parsed);
    const respond = (body: Record<string, unknown>) => {
      if (!this.stopping) this.bus.publishJson(this.topics.bridgeResponse, { action, ...(transaction !== undefined ? { transaction } : {}), ...body }, { retain: false, qos: 1 });
    };
    if (!(BRIDGE_COMMANDS as readonly string[]).includes(action)) {
      respond({ status: 'error', error: `unknown bridge action "${action}"; allowed: ${BRIDGE_COMMANDS.join(', ')}` });
      return;
    }
    try {
      if (action === 'doctor') {
        if (!this.doctor) throw new Error('the doctor is not running yet');
        respond({ status: 'ok', result: await this.doctor.run() });
        return;
      }
      const command = autoconfigureCommandSchema(this.registry).safeParse(parsed === null || typeof parsed !== 'object' ? {} : parsed);
      if (!command.success) {
        respond({ status: 'error', error: `invalid autoconfigure payload: ${command.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` });
        return;
      }
      const result = await this.runAutoconfigure({
        forwardExisting: command.data.forward_existing ?? this.options.forward_existing,
        ...(command.data.services ? { services: command.data.services } : {}),
      });
      respond({ status: 'ok', result });
    } catch (err) {
      respond({ status: 'error', error: errorMessage(err) });
    }
  }

  /** One run at a time: a second request waits for the run in flight and gets its result. */
  runAutoconfigure(req: { forwardExisting: boolean; services?: readonly string[] }): Promise<AutoconfigResult> {
    if (this.autoconfigRun) return this.autoconfigRun;
    if (!this.base) return Promise.reject(new Error('the tracker is still starting; try again in a moment'));
    const log = this.log.child('autoconfigure');
    this.autoconfigRun = (async () => {
      try {
        const result = await autoconfigure(
          this.options,
          this.settings,
          req,
          { base: this.base, secret: this.webhookSecret, receipts: { count: (key) => this.receipts.get(key) ?? 0 } },
          this.opts.clock,
          this.registry,
        );
        for (const a of result.actions) log[a.action === 'failed' ? 'warning' : 'info'](`${a.service}${a.instance ? `/${a.instance}` : ''}: ${a.action} (test ${a.test}) ${a.detail}`);
        // The doctor's webhook checks change with what was just configured.
        void this.doctor?.run().catch(() => undefined);
        return result;
      } finally {
        this.autoconfigRun = null;
      }
    })();
    return this.autoconfigRun;
  }

  private doctorEnv(): DoctorEnv {
    return {
      options: this.options,
      registry: this.registry,
      base: this.base,
      secret: this.webhookSecret,
      events: () => ({ lastEvents: this.lastEvent, startedAt: this.startedAt, warnAfterHours: this.options.no_event_warning_hours, now: this.now() }),
      forward: () => this.settings.jellyseerrForward,
      running: (id) => this.watcherSet?.running(id) ?? null,
      broker: async () => this.brokerChecks(),
      quarantined: () => this.quarantined,
      clock: () => this.now(),
    };
  }

  private brokerChecks(): DoctorCheck[] {
    const s = { integration: 'mqtt' as const, instance: null };
    const embedded = makeCheck(s, 'broker', 'ok', `Embedded broker on port ${this.broker.tcpPort}${this.options.mqtt.username ? ' (credentials required)' : ' (loopback only)'}`);
    if (!this.external) return [embedded];
    const url = safeUrl(this.options.mqtt.external_url);
    const external = this.external.connected
      ? makeCheck({ ...s, instance: 'external' }, 'broker', 'ok', `Connected to ${url}`)
      : makeCheck({ ...s, instance: 'external' }, 'broker', 'error', `Not connected to ${url}`, 'Home Assistant does not get the state while this lasts; the tracker keeps retrying.');
    return [embedded, external];
  }

  private startDoctor(): void {
    this.doctor = new DoctorService(
      this.doctorEnv(),
      (report) => {
        this.bus.publishJson(this.topics.bridgeDoctor, report, RETAINED);
        this.retakeJellyseerrSlot(report);
      },
      this.log.child('doctor'),
    );
    this.doctor.start(this.options.doctor_interval_min);
  }

  /**
   * Home Assistant's Overseerr integration takes Jellyseerr's webhook slot back whenever it
   * loads. When the doctor sees the slot lost while a forwarding target is stored (consent
   * was given for it), take it again; at most every ten minutes, so this cannot loop.
   */
  private retakeJellyseerrSlot(report: DoctorReport): void {
    const lost = report.checks.some((c) => c.id === 'jellyseerr/webhook' && c.status === 'error');
    const now = this.now().getTime();
    if (!lost || !this.settings.jellyseerrForward || now - this.lastRetake < 600_000) return;
    this.lastRetake = now;
    void this.runAutoconfigure({ services: ['jellyseerr'], forwardExisting: false }).catch(() => undefined);
  }

  private async saveLastEvents(): Promise<void> {
    try {
      await this.settings.saveLastEvents(this.lastEvent);
    } catch (err) {
      this.log.warning(`could not save the last-event times: ${errorMessage(err)}`);
    }
  }

  private async startHttp(set: WatcherSet): Promise<void> {
    const o = this.options;
    const host = this.opts.host ?? '0.0.0.0';
    // Standalone, the panel and its broker WebSocket stay on this machine; as an add-on the
    // Supervisor proxies ingress from its own address, which the WebSocket check enforces.
    const ingressHost = this.opts.host ?? (this.addon ? '0.0.0.0' : '127.0.0.1');
    const webhooks = createWebhookApp({
      secret: this.webhookSecret,
      anime: o.anime,
      engine: this.engine,
      log: this.log.child('webhooks'),
      routes: webhookRoutes(this.registry, { anime: o.anime, shared: set.shared, own: (id) => set.own(id), log: this.log }),
      onReceived: (source, instance) => {
        const key = instance ? `${source}/${instance}` : source;
        this.lastEvent[key] = this.now().toISOString();
        this.receipts.set(key, (this.receipts.get(key) ?? 0) + 1);
      },
    });
    this.webhookServer = await serve(webhooks, o.webhook_port, host);
    const trustedProxies = this.addon ? SUPERVISOR_ADDRESSES : null;
    const origins = createOriginPolicy({ trustedProxies, origins: o.panel_origins });
    const ingress = createIngressApp({
      health: () => ({ version: VERSION, requests: this.engine.index.size }),
      panel: () => panelSettings(o, this.endpoints.webhookPort, this.webhookSecret),
      trustedProxies,
      origins,
      frameAncestors: o.panel_origins,
    });
    this.ingressServer = await serve(ingress, o.ingress_port, ingressHost);
    this.broker.attachWebSocket(this.ingressServer, '/mqtt', origins.checkUpgrade);
    const port = (s: Server) => {
      const a = s.address();
      return typeof a === 'object' && a ? a.port : 0;
    };
    const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
    const webhookPort = port(this.webhookServer);
    const ingressPort = port(this.ingressServer);
    this.base = publicBase(o.public_url, { host, port: webhookPort });
    this.endpoints = {
      webhookPort,
      ingressPort,
      mqttPort: this.broker.tcpPort,
      webhookUrl: `http://${shown}:${webhookPort}`,
      ingressUrl: `http://${shown}:${ingressPort}`,
      mqttUrl: `mqtt://127.0.0.1:${this.broker.tcpPort}`,
      wsUrl: `ws://${shown}:${ingressPort}/mqtt`,
    };
  }

  describe(): string {
    const e = this.endpoints;
    const lines = [
      `Media Tracker ${VERSION} is running (${this.engine.index.size} requests).`,
      `  Webhooks:   ${e.webhookUrl}/hooks/jellyseerr | /hooks/sonarr | /hooks/radarr  (secret: Authorization: Bearer <secret>, Basic password, or ?token=)`,
      `  MQTT:       mqtt://${this.broker.tcpHost}:${e.mqttPort} (embedded broker${this.options.mqtt.username ? ', credentials required' : ', loopback only'})`,
      `  Panel:      ${e.ingressUrl}/ and MQTT over WebSocket at ${e.wsUrl}${this.addon ? ' (Home Assistant ingress only)' : this.opts.host ? '' : ' (this machine only)'}`,
      `  Topics:     ${this.topics.base}/<id>/state, ${this.topics.base}/<id>/episodes, ${this.topics.base}/bridge/#`,
    ];
    if (this.external) lines.push(`  Mirroring:  ${safeUrl(this.options.mqtt.external_url)}`);
    return lines.join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.birthTimer) clearTimeout(this.birthTimer);
    // Neither waits for runs in flight (a service timing out would hold the stop up); their answers are dropped.
    this.doctor?.stop();
    await Promise.all(this.watchers.map((w) => w.stop().catch((err) => this.log.warning(`stopping ${w.name}: ${errorMessage(err)}`))));
    this.broker?.closeWebSockets();
    await closeServer(this.webhookServer);
    await closeServer(this.ingressServer);
    try {
      await this.engine?.close();
    } catch (err) {
      this.log.error(`closing the store failed: ${errorMessage(err)}`);
    }
    this.publisher?.stop();
    if (this.publisher) await this.saveDiscoveryTopics();
    if (this.settings) await this.saveLastEvents();
    await this.external?.close([[this.topics.bridgeState, 'offline']]);
    if (this.broker) {
      await this.broker.publishAndWait(this.topics.bridgeState, 'offline', { retain: true, qos: 1 });
      await this.broker.close();
    }
  }
}

/** A command payload: JSON, or a plain text such as HA's `PRESS` (read as no payload). */
function readCommandPayload(payload: string): unknown {
  try {
    return payload.trim() ? (JSON.parse(payload) as unknown) : null;
  } catch {
    return null;
  }
}

function transactionOf(parsed: unknown): unknown {
  return parsed && typeof parsed === 'object' && 'transaction' in parsed ? (parsed as { transaction: unknown }).transaction : undefined;
}

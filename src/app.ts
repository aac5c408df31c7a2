/**
 * Composition root: builds the store, engine, MQTT transport, integrations' watchers, HTTP
 * listeners and the features, and starts/stops them in order. Constructors only assign;
 * I/O happens in start().
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { boundedSink } from './adapters/bounds.js';
import { ConfigError } from './config/load.js';
import { describeRunning } from './describe.js';
import { configuredIntegrations } from './doctor/run.js';
import { optionSecrets, type Options } from './config/schema.js';
import type { Engine } from './engine/index.js';
import { AutoconfigureFeature } from './features/autoconfigure/index.js';
import { CommandsFeature } from './features/commands/index.js';
import { DoctorFeature } from './features/doctor/index.js';
import { startFeatures, stopFeatures, type Feature } from './features/feature.js';
import { HealthFeature } from './features/health/index.js';
import { HomeAssistantFeature } from './features/home-assistant/index.js';
import { StuckFeature } from './features/stuck/index.js';
import { HttpServers, SUPERVISOR_ADDRESSES, type Endpoints } from './http/servers.js';
import { webhookRoutes } from './http/webhooks.js';
import { createLogger, errorMessage, registerSecret, type Logger } from './log.js';
import type { EmbeddedBroker } from './mqtt/broker.js';
import { MqttBus } from './mqtt/bus.js';
import { Topics } from './contract/index.js';
import type { ExternalBroker } from './mqtt/external.js';
import { safeUrl } from './mqtt/safe-url.js';
import { MqttTransport, type MqttMode } from './mqtt/transport.js';
import type { Publisher } from './features/home-assistant/publisher.js';
import { LocalSettings, resolveWebhookSecret } from './secrets.js';
import { openEngine } from './engine/open.js';
import { sourceLabels } from './labels.js';
import type { Quarantined } from './store/quarantine.js';
import { VERSION } from './version.js';
import { createWatchers, type WatcherSet } from './watchers/index.js';
import { configuredIn, integrationInfo, pvrLabeller, REGISTRY, type Registry } from './integrations/registry.js';
import type { Watcher } from './watchers/loop.js';

export { SUPERVISOR_ADDRESSES, type Endpoints };

export interface TrackerOptions {
  options: Options;
  /** Storage disabled (benchmark baseline): nothing is written to disk. */
  durable?: boolean;
  /** Listen address for the webhook and ingress ports. */
  host?: string;
  /** Add-on mode (the Supervisor's token is present): ingress only answers the Supervisor's proxy. */
  addon?: boolean;
  /** The Supervisor's ingress proxy addresses in add-on mode (default SUPERVISOR_ADDRESSES; a test stands one in on loopback). */
  proxies?: readonly string[];
  log?: Logger;
  clock?: () => Date;
  /** The integrations (default: the built-in registry); the options must have been parsed with the same. */
  registry?: Registry;
  /** Estimates of when requests are watchable (default on; off: the benchmark's baseline for their cost). */
  estimates?: boolean;
}

export class Tracker {
  readonly log: Logger;
  readonly bus: MqttBus;
  readonly topics: Topics;
  engine!: Engine;
  watchers: Watcher[] = [];
  webhookSecret = '';
  /** Stored requests and records left out at start-up (data/quarantine.jsonl), for the doctor. */
  quarantined: Quarantined[] = [];
  private settings!: LocalSettings;
  private transport!: MqttTransport;
  private http: HttpServers | null = null;
  private watcherSet: WatcherSet | null = null;
  private ha: HomeAssistantFeature | null = null;
  private health: HealthFeature | null = null;
  private doctorFeature: DoctorFeature | null = null;
  private autoconfig: AutoconfigureFeature | null = null;
  private started: Feature[] = [];
  private readonly startedAt: string;
  private stopping = false;

  constructor(private readonly opts: TrackerOptions) {
    this.log = opts.log ?? createLogger();
    this.bus = new MqttBus(this.log.child('mqtt'));
    this.topics = new Topics(opts.options.mqtt.base_topic);
    this.startedAt = this.now().toISOString();
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
  get mode(): MqttMode {
    return this.transport?.mode ?? 'embedded';
  }
  get broker(): EmbeddedBroker {
    return this.transport.broker;
  }
  get external(): ExternalBroker | null {
    return this.transport?.external ?? null;
  }
  get publisher(): Publisher {
    if (!this.ha) throw new Error('the tracker has not started');
    return this.ha.publisher;
  }
  get endpoints(): Endpoints {
    if (!this.http) throw new Error('the tracker has not started');
    return this.http.endpoints;
  }
  private now(): Date {
    return this.opts.clock?.() ?? new Date();
  }

  async start(): Promise<Endpoints> {
    const o = this.options;
    const log = this.log;
    const clock = () => this.now();
    for (const s of optionSecrets(o, this.registry)) registerSecret(s);
    if (o.mqtt.mode === 'external' && !o.mqtt.external_url) {
      throw new ConfigError('Invalid options:\n- mqtt.external_url: required when mqtt.mode is "external"');
    }
    const dataDir = resolve(o.data_dir);
    await mkdir(dataDir, { recursive: true });
    this.settings = await LocalSettings.open(dataDir);
    this.webhookSecret = await resolveWebhookSecret(o.webhook_secret, this.settings, dataDir);
    registerSecret(this.webhookSecret);
    const opened = await openEngine({
      dataDir,
      durable: this.opts.durable ?? true,
      verifyAvailability: configuredIn(o, this.registry).some((d) => d.roles.includes('library')),
      labelOf: sourceLabels(this.registry),
      log,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    });
    this.engine = opened.engine;
    this.quarantined = opened.quarantined;

    const health = (this.health = new HealthFeature({
      settings: this.settings,
      log,
      clock,
      watchers: () => this.watchers,
      publishInfo: () => this.ha?.publisher.publishInfo(),
      recheck: () => void this.doctorFeature?.run().catch(() => undefined),
      sources: {
        // A source whose webhooks the tracker waits for: its silence says something.
        subjects: configuredIntegrations(o, this.registry).map((s) => ({ ...s, webhook: this.registry.some((d) => d.id === s.integration && d.webhook !== undefined) })),
        silenceMs: o.source_silence_min * 60_000,
        requests: () => this.engine.index.values(),
        publish: (report) => this.bus.publishJson(this.topics.bridgeSources, report, { retain: true, qos: 1 }),
      },
      firstHeard: () => this.ha?.publisher.publishBridge(),
    }));
    health.load();
    // Built before the bridge is announced so HA gets a health entity per watcher; started last.
    const set = (this.watcherSet = createWatchers({
      options: o,
      registry: this.registry,
      sink: boundedSink(this.engine),
      view: this.engine,
      log,
      settings: this.settings,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    }));
    const stuck = new StuckFeature({
      view: this.engine,
      sink: boundedSink(this.engine),
      thresholds: o.stuck_after,
      libraries: set.libraries,
      pvrLabel: pvrLabeller(this.registry),
      log: log.child('stuck'),
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    });
    // The monitor is listed with the watchers: it has a health status of its own.
    this.watchers = [...set.list, stuck.monitor];

    this.transport = new MqttTransport({
      options: o,
      bus: this.bus,
      topics: this.topics,
      log,
      // Home Assistant's ingress proxy is the only legitimate browser path to an add-on.
      wsAllowedAddresses: this.addon ? [...(this.opts.proxies ?? SUPERVISOR_ADDRESSES)] : null,
      onMirrorReplayed: () => this.ha?.onBrokerReplayed(),
    });
    await this.transport.start();
    this.ha = new HomeAssistantFeature({
      options: o,
      bus: this.bus,
      topics: this.topics,
      engine: this.engine,
      settings: this.settings,
      log,
      clock,
      info: {
        watchers: () => this.watchers.map((w) => w.name).filter((n) => n !== 'stuck'),
        heard: () => health.heard(),
        version: VERSION,
        mode: this.mode,
        started_at: this.startedAt,
        integrations: () => integrationInfo(this.registry),
        extra: () => ({
          requests: this.engine.index.size,
          last_event: health.lastEvent,
          watchers: this.watchers.map((w) => w.status()),
          ...(this.ha?.estimator ? { estimates: this.ha.estimator.accuracySummary() } : {}),
        }),
      },
      diagnostics: () => configuredIntegrations(o, this.registry),
      brokersReached: () => this.transport.reachedAll(),
      approvals: configuredIn(o, this.registry).some((d) => d.roles.includes('request-manager')),
      estimates: this.opts.estimates !== false,
    });
    this.started = await startFeatures([this.ha], log);

    this.http = new HttpServers({
      options: o,
      host: this.opts.host,
      addon: this.addon,
      ...(this.opts.proxies ? { proxies: this.opts.proxies } : {}),
      secret: this.webhookSecret,
      engine: this.engine,
      routes: webhookRoutes(this.registry, { anime: o.anime, shared: set.shared, own: (id) => set.own(id), log }),
      registry: this.registry,
      broker: this.transport.broker,
      log,
      onReceived: (source, instance) => health.received(source, instance),
      onNotices: (source, notices) => health.notices(source, notices),
    });
    await this.http.start();
    for (const w of set.list) w.start();

    const target = () => (this.http?.base ? { base: this.http.base, secret: this.webhookSecret } : null);
    const doctor = (this.doctorFeature = new DoctorFeature({
      options: o,
      bus: this.bus,
      topics: this.topics,
      log: log.child('doctor'),
      clock,
      target: () => target()!,
      events: () => ({ lastEvents: health.lastEvent, startedAt: this.startedAt, warnAfterHours: o.no_event_warning_hours, now: this.now() }),
      forward: () => this.settings.jellyseerrForward,
      registry: this.registry,
      running: (id) => set.running(id),
      broker: () => this.transport.checks(),
      quarantined: () => this.quarantined,
    }));
    const autoconfig = (this.autoconfig = new AutoconfigureFeature({
      options: o,
      registry: this.registry,
      settings: this.settings,
      log: log.child('autoconfigure'),
      clock,
      target,
      receipts: { count: (key) => health.count(key) },
      onRun: () => void doctor.run().catch(() => undefined),
    }));
    doctor.onReport((report) => {
      autoconfig.onDoctorReport(report);
      health.onDoctorReport(report);
    });
    const commands = new CommandsFeature({
      bus: this.bus,
      topics: this.topics,
      engine: this.engine,
      search: (r) => set.searchFor(r),
      decide: (r, decision) => set.decide(r, decision),
      refresh: (r) => set.refreshLibrary(r),
      doctor: () => doctor.run(),
      autoconfigure: (payload) => autoconfig.command(payload),
    });
    this.started.push(...(await startFeatures([stuck, commands, health, doctor, autoconfig], log)));
    return this.endpoints;
  }

  /** Runs the doctor now (a run in flight is shared) and publishes its report. */
  runDoctor(): Promise<unknown> {
    if (!this.doctorFeature) return Promise.reject(new Error('the tracker is still starting; try again in a moment'));
    return this.doctorFeature.run();
  }

  /** Runs auto-configuration now (one run at a time). */
  runAutoconfigure(req: Parameters<AutoconfigureFeature['configure']>[0]): ReturnType<AutoconfigureFeature['configure']> {
    if (!this.autoconfig) return Promise.reject(new Error('the tracker is still starting; try again in a moment'));
    return this.autoconfig.configure(req);
  }

  describe(): string {
    return describeRunning({
      version: VERSION,
      requests: this.engine.index.size,
      endpoints: this.endpoints,
      registry: this.registry,
      brokerHost: this.broker.tcpHost,
      credentials: this.options.mqtt.username !== '',
      exposure: this.addon ? 'add-on' : this.opts.host ? 'network' : 'local',
      baseTopic: this.topics.base,
      mirror: this.external ? safeUrl(this.options.mqtt.external_url) : null,
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.transport?.beginStop();
    // The doctor and auto-configuration do not wait for runs in flight (a service timing out
    // would hold the stop up); their answers are dropped. Home Assistant's last save and the
    // last-event times come after the listeners and the store have closed.
    const last = new Set<Feature | null>([this.ha, this.health]);
    await stopFeatures(
      this.started.filter((f) => !last.has(f)),
      this.log,
    );
    await Promise.all((this.watcherSet?.list ?? []).map((w) => w.stop().catch((err) => this.log.warning(`stopping ${w.name}: ${errorMessage(err)}`))));
    this.transport?.broker?.closeWebSockets();
    await this.http?.stop();
    try {
      await this.engine?.close();
    } catch (err) {
      this.log.error(`closing the store failed: ${errorMessage(err)}`);
    }
    await stopFeatures(
      this.started.filter((f) => last.has(f)),
      this.log,
    );
    await this.transport?.close();
  }
}

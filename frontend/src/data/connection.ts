/**
 * The one place that talks MQTT: connects to the tracker's broker over WebSocket, feeds
 * every message to the store, re-syncs after a reconnect, and sends commands. The MQTT
 * client is injected (mqtt.js's browser build in the panel, its Node build in tests).
 */
import { BRIDGE_ID, type BridgeAction, type CommandResponse, type RequestAction } from '../../../src/contract/index.js';
import { CommandTracker } from './commands.js';
import type { RequestStore } from './store.js';
import { uuid } from './uuid.js';

/** The part of mqtt.js's `MqttClient` the panel uses. */
export interface MqttLike {
  on(event: 'connect' | 'reconnect' | 'close' | 'offline', cb: () => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  on(event: 'message', cb: (topic: string, payload: Uint8Array, packet: { retain?: boolean }) => void): unknown;
  subscribe(topic: string[], opts: { qos: 0 | 1 | 2 }, cb: (err: Error | null | undefined, granted?: Array<{ topic: string; qos: number }>) => void): unknown;
  unsubscribe(topic: string[]): unknown;
  publish(topic: string, message: string, opts: { qos: 0 | 1 | 2; retain: boolean }, cb?: (err?: Error) => void): unknown;
  end(force?: boolean): unknown;
}

export interface MqttConnectOptions {
  clientId: string;
  protocolVersion: 4;
  clean: boolean;
  keepalive: number;
  reconnectPeriod: number;
  connectTimeout: number;
  resubscribe: boolean;
}

export type ConnectFn = (url: string, options: MqttConnectOptions) => MqttLike;

/**
 * `connecting` until the first connection; `connected`; `reconnecting` after a loss;
 * `offline` after several failed attempts in a row (still retrying) or once stopped.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export const CONNECTION_LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
};

export interface ConnectionOptions {
  url: string;
  store: RequestStore;
  connect: ConnectFn;
  reconnectMs?: number;
  /** Consecutive failed attempts after which the status reads `offline`. */
  offlineAfter?: number;
  /** A retained replay is over when no retained message came for this long. */
  resyncQuietMs?: number;
  commandTimeoutMs?: number;
}

export type ConnectionListener = (connection: Connection) => void;

const decoder = new TextDecoder();

export class Connection {
  readonly commands: CommandTracker;
  status: ConnectionStatus = 'offline';
  /** The last error, in words (cleared on connect). */
  error: string | null = null;
  /** When the status last changed (ms since epoch). */
  since = Date.now();
  private client: MqttLike | null = null;
  private readonly listeners = new Set<ConnectionListener>();
  private everConnected = false;
  private failures = 0;
  private resyncTimer: ReturnType<typeof setTimeout> | null = null;
  private resyncing = false;
  /** When the last retained message of a replay arrived (ms, `Date.now()`). */
  private lastRetainedAt = 0;
  /** Requests whose detail topics are subscribed, with how many views watch each. */
  private readonly watched = new Map<string, number>();

  constructor(private readonly opts: ConnectionOptions) {
    this.commands = new CommandTracker(opts.store.base, opts.commandTimeoutMs);
  }

  get url(): string {
    return this.opts.url;
  }

  subscribe(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    return () => this.unsubscribe(listener);
  }

  unsubscribe(listener: ConnectionListener): void {
    this.listeners.delete(listener);
  }

  start(): void {
    if (this.client) return;
    this.setStatus('connecting');
    const client = this.opts.connect(this.opts.url, {
      clientId: `media-tracker-panel-${uuid().slice(0, 8)}`,
      protocolVersion: 4,
      clean: true,
      // Neither HA proxy pings WebSockets: MQTT keepalive is what notices a dead link.
      keepalive: 30,
      reconnectPeriod: this.opts.reconnectMs ?? 2000,
      connectTimeout: 10_000,
      resubscribe: false,
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('close', () => this.onClose());
    client.on('error', (err) => {
      this.error = err.message;
      this.notify();
    });
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain === true));
  }

  stop(): void {
    const client = this.client;
    this.client = null;
    this.commands.cancelAll('the panel closed its connection');
    this.clearResync();
    client?.end(true);
    this.setStatus('offline');
  }

  /**
   * Subscribes to a request's episodes and timeline while a view shows them; call the
   * returned function when it no longer does.
   */
  watch(id: string): () => void {
    const count = this.watched.get(id) ?? 0;
    this.watched.set(id, count + 1);
    if (count === 0 && this.client && this.status === 'connected') this.subscribeTopics(this.client, this.opts.store.topics.detailSubscriptions(id));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watched.get(id) ?? 1) - 1;
      if (left > 0) {
        this.watched.set(id, left);
        return;
      }
      this.watched.delete(id);
      if (this.client && this.status === 'connected') this.client.unsubscribe(this.opts.store.topics.detailSubscriptions(id));
      this.opts.store.forgetDetail(id);
    };
  }

  /** Publishes `<base>/<id>/set/<action>` and resolves with the tracker's answer. */
  command(id: string, action: RequestAction): Promise<CommandResponse> {
    return this.send(id, action, {});
  }

  /** A command to the tracker itself (`<base>/bridge/set/<action>`), answered on `<base>/bridge/response`. */
  bridgeCommand(action: BridgeAction, args: Record<string, unknown> = {}): Promise<CommandResponse> {
    return this.send(BRIDGE_ID, action, args);
  }

  private send(id: string, action: string, args: Record<string, unknown>): Promise<CommandResponse> {
    const client = this.client;
    if (!client || this.status !== 'connected') {
      return Promise.resolve({ action, status: 'error', error: 'not connected to the tracker' });
    }
    const { transaction, response } = this.commands.expect(id, action);
    client.publish(this.opts.store.topics.command(id, action), JSON.stringify({ ...args, transaction }), { qos: 1, retain: false }, (err) => {
      if (err) this.commands.fail(transaction, err.message);
    });
    return response;
  }

  private onConnect(client: MqttLike): void {
    if (client !== this.client) return;
    const store = this.opts.store;
    // The retained replay tells which requests exist (after a reconnect: which still do).
    store.beginResync();
    this.everConnected = true;
    this.failures = 0;
    this.error = null;
    this.setStatus('connected');
    const topics = store.topics;
    this.subscribeTopics(client, [...topics.listSubscriptions, ...[...this.watched.keys()].flatMap((id) => topics.detailSubscriptions(id))], () => this.armResync());
  }

  private subscribeTopics(client: MqttLike, topics: string[], then?: () => void): void {
    // QoS 0: over one live connection with a clean session, QoS 1 adds nothing but a PUBACK
    // per message — 10,000 browser WebSocket sends during a retained replay.
    client.subscribe(topics, { qos: 0 }, (err, granted) => {
      const refused = granted?.filter((g) => g.qos === 0x80).map((g) => g.topic) ?? [];
      if (err || refused.length) {
        this.error = err ? `subscription failed: ${err.message}` : `the broker refused ${refused.join(', ')} (is the tracker's base topic "${this.opts.store.base}"?)`;
        this.notify();
        return;
      }
      then?.();
    });
  }

  private onClose(): void {
    if (!this.client) return;
    this.failures++;
    this.commands.cancelAll('the connection to the tracker was lost');
    const offlineAfter = this.opts.offlineAfter ?? 3;
    this.setStatus(this.failures >= offlineAfter ? 'offline' : this.everConnected ? 'reconnecting' : 'connecting');
  }

  private onMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const text = decoder.decode(payload);
    if (this.commands.handle(topic, text)) return;
    const store = this.opts.store;
    store.handle(topic, text);
    if (!retained || !this.resyncing) return;
    if (store.replayComplete) {
      // Every request is here: show them now rather than after the quiet period.
      this.clearResync();
      store.endResync();
      store.flush();
    } else this.armResync();
  }

  /**
   * Called for every retained message of a replay, so it only notes the time: one timer
   * per quiet period, re-armed for the rest of it when it fires early.
   */
  private armResync(): void {
    this.resyncing = true;
    this.lastRetainedAt = Date.now();
    if (this.resyncTimer) return;
    const quietMs = this.opts.resyncQuietMs ?? 500;
    const fire = () => {
      const left = this.lastRetainedAt + quietMs - Date.now();
      if (left > 0) {
        this.resyncTimer = setTimeout(fire, left);
        return;
      }
      this.resyncTimer = null;
      this.resyncing = false;
      this.opts.store.endResync();
    };
    this.resyncTimer = setTimeout(fire, quietMs);
  }

  private clearResync(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    this.resyncing = false;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) {
      this.notify();
      return;
    }
    this.status = status;
    this.since = Date.now();
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(this);
      } catch (err) {
        console.error('media-tracker panel: connection listener failed', err);
      }
    }
  }
}

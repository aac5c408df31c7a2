/**
 * The embedded aedes broker: TCP for Home Assistant and other clients, MQTT over
 * WebSocket on the ingress port for the panel. It always runs; it is the panel's bus.
 *
 * Access rules (src/mqtt/access.ts): TCP requires the configured credentials, and without
 * credentials it only listens on loopback. Only the tracker publishes its own topics; clients
 * send commands. WebSocket clients (the browser) may only subscribe below the base topic.
 * Every incoming packet is capped at MAX_PACKET_BYTES.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Readable, type Duplex, type Writable } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import { WebSocketServer } from 'ws';
import { BrokerAccess, isBrowser, type ViewerGrant } from './access.js';
import { nodeIdFor } from '../contract/index.js';
import { limitIncomingPackets, MAX_PACKET_BYTES } from './packet-limit.js';
import { coalescingStream } from './ws-stream.js';
import { ThrottledLog } from '../log-throttle.js';
import { safeEqual } from '../platform/secure-compare.js';
import type { Logger } from '../log.js';
import type { Payload, PublishOptions, Sink } from './bus.js';

/** Why an upgrade is refused (an HTTP status and its reason phrase), or null to accept it. */
export type UpgradeCheck = (req: IncomingMessage) => { status: number; reason: string } | null;

/** Whether the viewer behind an upgrade may send commands (src/http/viewer.ts); without one, every viewer may. */
export type ViewerCheck = (req: IncomingMessage) => ViewerGrant;

export interface EmbeddedBrokerOptions {
  port: number;
  username: string;
  password: string;
  baseTopic: string;
  /** Address allowed to open the WebSocket (the Supervisor's when running as an add-on); null allows all. */
  wsAllowedAddresses?: string[] | null;
  /** Home Assistant's discovery prefix: the tracker's node below it is the tracker's alone. */
  discoveryPrefix?: string;
}

/** The part of aedes' persistence used here (its typings do not expose the broker's instance). */
interface RetainedStore {
  storeRetained(packet: AedesPublishPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

function retainedStore(aedes: Aedes): RetainedStore {
  return (aedes as unknown as { persistence: RetainedStore }).persistence;
}

const toBuffer = (p: Payload): Buffer => (typeof p === 'string' ? Buffer.from(p) : p);

/** A subscriber that stops reading for this long is disconnected (it holds every delivery meanwhile). */
const DRAIN_TIMEOUT_MS = 10_000;

/** A retained replay holding live messages longer than this lets them go (see holdLiveDuringRetainedReplay). */
const STREAM_LIMIT_MS = 30_000;

/** Messages handed to aedes at once, at most (a longer run waits for the next round). */
const MAX_RUN = 500;

const sameKind = (a: PublishOptions, b: PublishOptions): boolean => a.retain === b.retain && a.qos === b.qos;

/** Answers an upgrade request with a bare HTTP status and closes the socket once it is sent. */
function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export class EmbeddedBroker implements Sink {
  readonly name = 'embedded';
  readonly connected = true;
  private tcp: NetServer | null = null;
  private readonly tcpSockets = new Set<Socket>();
  private wss: WebSocketServer | null = null;
  tcpPort = 0;
  tcpHost = '127.0.0.1';

  private constructor(
    readonly aedes: Aedes,
    private readonly opts: EmbeddedBrokerOptions,
    private readonly log: Logger,
    private readonly warn: ThrottledLog,
    private readonly access: BrokerAccess,
  ) {}

  static async start(opts: EmbeddedBrokerOptions, log: Logger, onClientMessage: (topic: string, payload: string) => void): Promise<EmbeddedBroker> {
    const base = opts.baseTopic;
    const warn = new ThrottledLog(log);
    const access = new BrokerAccess({ baseTopic: base, discoveryPrefix: opts.discoveryPrefix ?? 'homeassistant', node: nodeIdFor(base) }, warn);
    let broker: EmbeddedBroker | undefined;
    const aedes = await Aedes.createBroker({
      // A frozen subscriber must not stall delivery to everyone else.
      drainTimeout: DRAIN_TIMEOUT_MS,
      preConnect: (client, packet, done) => {
        access.assignId(client, packet);
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        if (access.reservedId(client)) return done(authError('client id reserved for browser connections', 2), false);
        if (isBrowser(client) || !opts.username) return done(null, true);
        const ok = username !== undefined && safeEqual(username, opts.username) && safeEqual(password?.toString() ?? '', opts.password);
        if (ok) return done(null, true);
        done(authError('bad username or password', 4), false);
      },
      authorizePublish: (client, packet, done) => {
        const refused = access.refusePublish(client, packet);
        // A read-only viewer's command is acknowledged (QoS 1) and dropped, connection kept (access.ts).
        if (!refused) access.dropCommand(client, packet);
        done(refused ? new Error(`${refused} is not allowed`) : null);
      },
      authorizeForward: (_client, packet) => access.forward(packet),
      authorizeSubscribe: (client, sub, done) => {
        broker?.onSubscribe();
        // A null subscription answers SUBACK 0x80 (refused) and keeps the connection.
        done(null, access.allowSubscribe(client, sub.topic) ? sub : null);
      },
    });
    broker = new EmbeddedBroker(aedes, opts, log, warn, access);
    broker.holdLiveDuringRetainedReplay();
    aedes.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
      if (client && !access.wasDropped(packet)) onClientMessage(packet.topic, packet.payload.toString());
    });
    aedes.on('clientDisconnect', (client) => access.onDisconnect(client));
    aedes.on('unsubscribe', (topics, client) => access.onUnsubscribe(client, topics));
    aedes.on('clientError', (client, err) => {
      // A subscriber that stopped reading held every delivery for up to the drain timeout.
      if (err.message === 'drain timeout') warn.warning('drain-timeout', `disconnected MQTT client ${client?.id ?? '?'}: it stopped reading for ${DRAIN_TIMEOUT_MS / 1000} s and held up delivery`);
      else log.debug(`client ${client?.id ?? '?'}: ${err.message}`);
    });
    await broker.listenTcp();
    return broker;
  }

  /** Hands a connection to aedes, with every incoming packet capped. */
  private handle(conn: Duplex, req?: IncomingMessage): void {
    limitIncomingPackets(conn, MAX_PACKET_BYTES, (length) => this.warn.warning('oversized-packet', `closed an MQTT connection announcing a ${length} byte packet (limit ${MAX_PACKET_BYTES})`));
    this.aedes.handle(conn, req);
  }

  private listenTcp(): Promise<void> {
    // Without credentials the broker is only reachable from this machine.
    this.tcpHost = this.opts.username ? '0.0.0.0' : '127.0.0.1';
    this.tcp = createServer((socket) => {
      this.tcpSockets.add(socket);
      socket.once('close', () => this.tcpSockets.delete(socket));
      this.handle(socket);
    });
    return new Promise((resolve, reject) => {
      this.tcp!.once('error', (err) => reject(new Error(`cannot listen for MQTT on ${this.tcpHost}:${this.opts.port}: ${err.message}`)));
      this.tcp!.listen(this.opts.port, this.tcpHost, () => {
        const addr = this.tcp!.address();
        this.tcpPort = typeof addr === 'object' && addr ? addr.port : this.opts.port;
        resolve();
      });
    });
  }

  /**
   * MQTT over WebSocket (`mqtt` subprotocol) on exactly `path` of an existing HTTP server;
   * every other upgrade is answered 404 and closed. `check` refuses upgrades by their headers
   * (Origin, Host); `viewer` says whether the viewer the upgrade names may send commands.
   */
  attachWebSocket(server: HttpServer, path = '/mqtt', check: UpgradeCheck = () => null, viewer: ViewerCheck = () => ({ commands: true, who: 'any viewer' })): void {
    const allowed = this.opts.wsAllowedAddresses ?? null;
    this.wss = new WebSocketServer({
      noServer: true,
      // A larger frame is refused by ws before it is buffered; the packet cap covers packets split over frames.
      maxPayload: MAX_PACKET_BYTES + 16,
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== path) return refuseUpgrade(socket, 404, 'Not Found');
      if (allowed && !allowed.includes(req.socket.remoteAddress ?? '')) return refuseUpgrade(socket, 403, 'Forbidden');
      const refused = check(req);
      if (refused) {
        this.warn.warning('refused-upgrade', `refused a WebSocket upgrade (${refused.status} ${refused.reason}) from Origin ${req.headers.origin ?? '-'}, Host ${req.headers.host ?? '-'}`);
        return refuseUpgrade(socket, refused.status, refused.reason);
      }
      this.access.recordViewer(req, viewer(req));
      this.wss!.handleUpgrade(req, socket, head, (ws) => {
        const stream = coalescingStream(ws);
        stream.on('error', () => stream.destroy());
        this.handle(stream, req);
      });
    });
  }

  private queue: Array<{ topic: string; payload: Payload; opts: PublishOptions; done?: () => void }> = [];
  private draining = false;
  /** A run of messages is inside aedes, not yet delivered to every subscriber. */
  private running = false;
  private runWaiters: Array<() => void> = [];
  /** Retained streams to new subscribers not yet written; live runs wait for them. */
  private replays = 0;
  /** Set for good once any client subscription is authorised: from then on every message goes through aedes. */
  private subscribed = false;
  /** Messages written straight into the retained store / dropped before anyone subscribed. */
  readonly direct = { stored: 0, dropped: 0 };

  /**
   * Publishes in order. aedes gives every message a counter and drops, per subscriber, one that
   * arrives after a message with a higher counter (its duplicate check); messages of different
   * kinds (retain flag, QoS) take different numbers of asynchronous steps inside aedes, so a
   * retained publish overlapping a non-retained one could be stored but never delivered. So a
   * run of messages of one kind goes to aedes at once (same steps: they arrive in order), and
   * the next run waits until the previous one has been delivered. Order is kept for every
   * subscriber, state before event included.
   *
   * Until the first client subscribes (start-up, before Home Assistant or the panel is in),
   * nobody can receive a live message: a retained one only has to be in the retained store,
   * where a later subscription reads it, and a non-retained one reaches nobody. Those are
   * written to the store directly, in order (~1 µs instead of ~60 µs through aedes' publish
   * pipeline), which is what makes a cold start with 70k retained topics fast.
   */
  publish(topic: string, payload: Payload, opts: PublishOptions, done?: () => void): void {
    if (!this.subscribed && !this.draining) {
      this.storeDirect(topic, payload, opts);
      done?.();
      return;
    }
    this.queue.push({ topic, payload, opts, ...(done ? { done } : {}) });
    if (!this.draining) this.drain();
  }

  private storeDirect(topic: string, payload: Payload, opts: PublishOptions): void {
    if (!opts.retain) {
      this.direct.dropped++;
      return;
    }
    this.direct.stored++;
    // The in-memory persistence applies the change synchronously; the promise only reports errors.
    retainedStore(this.aedes)
      .storeRetained({ cmd: 'publish', topic, payload: toBuffer(payload), qos: opts.qos, retain: true, dup: false, messageId: 0, brokerId: this.aedes.id, brokerCounter: 0 })
      .catch((err: Error) => this.log.error(`storing retained ${topic} failed: ${err.message}`));
  }

  private endRun(): void {
    this.running = false;
    const waiters = this.runWaiters;
    this.runWaiters = [];
    for (const resolve of waiters) resolve();
    this.drain();
  }

  /** Called (synchronously) by authorizeSubscribe before aedes registers the subscription. */
  private onSubscribe(): void {
    this.subscribed = true;
  }

  private drain(): void {
    const first = this.queue[0];
    if (!first || this.replays > 0) {
      this.draining = false;
      return;
    }
    this.draining = true;
    this.running = true;
    let n = 1;
    while (n < this.queue.length && n < MAX_RUN && sameKind(this.queue[n]!.opts, first.opts)) n++;
    const run = this.queue.splice(0, n);
    let pending = run.length;
    for (const { topic, payload, opts, done } of run) {
      this.aedes.publish({ cmd: 'publish', topic, payload: toBuffer(payload), qos: opts.qos, retain: opts.retain, dup: false }, (err) => {
        if (err) this.log.error(`embedded publish to ${topic} failed: ${err.message}`);
        done?.();
        // The last callback of a run may come synchronously (no subscriber matched): continue
        // on the next tick rather than deeper in this stack.
        if (--pending === 0) process.nextTick(() => this.endRun());
      });
    }
  }

  /**
   * aedes answers a SUBSCRIBE, then streams the matching retained messages to the client while
   * later publishes keep flowing: a change published meanwhile could reach the new subscriber
   * live and then be overwritten by the older retained value still on its way (a panel or HA
   * left showing APPROVED after AVAILABLE). So each retained stream waits until the run handed
   * to aedes is delivered, and further runs wait until every retained stream has been written.
   * A client that stops reading ends its stream through aedes' drain timeout; STREAM_LIMIT_MS
   * is the last resort that keeps live delivery from stopping for good.
   */
  private holdLiveDuringRetainedReplay(): void {
    const store = retainedStore(this.aedes);
    const original = store.createRetainedStreamCombi.bind(store);
    store.createRetainedStreamCombi = (patterns) => {
      this.replays++;
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        clearTimeout(limit);
        this.replays--;
        if (this.replays === 0 && !this.draining) this.drain();
      };
      const limit = setTimeout(() => {
        this.log.warning(`a retained replay to a new subscriber took over ${STREAM_LIMIT_MS / 1000} s; live messages go on`);
        settle();
      }, STREAM_LIMIT_MS);
      limit.unref();
      const inFlight = this.runDone();
      const stream = Readable.from(
        (async function* () {
          await inFlight;
          yield* original(patterns);
        })(),
      );
      // aedes pipes the stream into its sender: 'finish' there means every retained message was written.
      const pipe = stream.pipe.bind(stream);
      stream.pipe = <T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }): T => {
        const w = dest as unknown as Writable;
        w.once('finish', settle);
        w.once('close', settle);
        w.once('error', settle);
        return pipe(dest, opts);
      };
      stream.once('error', settle);
      return stream;
    };
  }

  /** Resolves once the run of messages now inside aedes has been delivered (at once when none is). */
  private runDone(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.runWaiters.push(resolve));
  }

  /** Messages waiting for aedes (a subscriber slower than the publishes makes this grow). */
  get backlog(): number {
    return this.queue.length;
  }

  /** Resolves once aedes has taken the message and everything queued before it. */
  publishAndWait(topic: string, payload: string, opts: PublishOptions): Promise<void> {
    return new Promise((resolve) => this.publish(topic, payload, opts, resolve));
  }

  /** Drops every browser connection (an upgraded socket would keep the ingress server from closing). */
  closeWebSockets(): void {
    for (const c of this.wss?.clients ?? []) c.terminate();
  }

  async close(): Promise<void> {
    for (const c of this.wss?.clients ?? []) c.terminate();
    this.wss?.close();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    // A socket that never sent CONNECT is not an aedes client yet; it must not hold the stop up.
    for (const s of this.tcpSockets) s.destroy();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }
}

/**
 * The SignalR connection to Shoko's aggregate hub (protocols.md §6.1), and the health the
 * watcher reports.
 *
 * `/signalr/aggregate?feeds=shoko&apikey=<key>` with the key also as the access token (v4, v5
 * and v6 all accept one of the two), JSON protocol, automatic reconnect with our delays; when
 * those run out (or the very first start fails) an outer backoff loop starts a new connection,
 * forever, until `stop()`.
 */
import type { HubConnection, ILogger, LogLevel } from '@microsoft/signalr';
import pRetry from 'p-retry';
import { errorMessage, type Logger } from '../../log.js';
import { hubMethod, SHOKO_EVENTS, type ShokoEventName } from './payloads.js';

export const DEFAULT_RECONNECT_DELAYS_MS = [0, 2_000, 5_000, 10_000, 30_000, 60_000];

/** One record for the whole watcher: the connection sets the state, every part notes its errors and counts. */
export class ShokoHealth {
  state = 'Stopped';
  connected = false;
  lastOk: string | null = null;
  lastError: string | null = null;
  lastEventAt: string | null = null;
  readonly counters = { events_received: 0, invalid: 0, ignored: 0, unmatched: 0, emitted: 0, reconnects: 0, connects: 0, catchups: 0 };

  constructor(private readonly clock: () => Date) {}

  now(): string {
    return this.clock().toISOString();
  }

  setState(state: string, connected: boolean): void {
    this.state = state;
    this.connected = connected;
    if (connected) this.lastOk = this.now();
  }

  noteError(message: string): void {
    this.lastError = `${this.now()} ${message}`;
  }
}

export interface HubConnectionOptions {
  url: string;
  apiKey: string;
  log: Logger;
  health: ShokoHealth;
  /** Delays of SignalR's automatic reconnect; the outer loop backs off between the smallest non-zero and the largest. */
  delays: number[];
  /** One invocation of a Shoko event method, with its raw arguments. */
  onInvocation(name: ShokoEventName, args: unknown[]): void;
  /** A fresh connection is up; `again` when an earlier one was (events may have been missed meanwhile). */
  onConnected(again: boolean): void;
  /** SignalR's automatic reconnect succeeded (events may have been missed meanwhile). */
  onReconnected(): void;
}

export class ShokoHubConnection {
  private connection: HubConnection | null = null;
  private loop: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private stopped = true;
  private wasConnected = false;

  constructor(private readonly opts: HubConnectionOptions) {}

  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Ends the connection and the retries; settles once the loop has returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort(new Error('stopped'));
    const conn = this.connection;
    if (conn) await conn.stop().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.loop = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { delays, health, log } = this.opts;
    const positive = delays.filter((d) => d > 0);
    const minTimeout = Math.max(50, positive.length ? Math.min(...positive) : 1_000);
    const maxTimeout = Math.max(minTimeout, ...delays);
    while (!this.stopped) {
      let closed: Promise<void>;
      try {
        ({ closed } = await pRetry(() => this.connectOnce(), {
          retries: Number.POSITIVE_INFINITY,
          factor: 2,
          minTimeout,
          maxTimeout,
          randomize: true,
          signal,
          unref: true,
          onFailedAttempt: ({ error, attemptNumber }) => {
            health.noteError(errorMessage(error));
            if (attemptNumber === 1 || attemptNumber % 10 === 0) {
              log.warning(`Shoko hub: cannot connect (${errorMessage(error)}); retrying (attempt ${attemptNumber})`);
            }
          },
        }));
      } catch {
        return; // aborted by stop()
      }
      await closed;
    }
  }

  private hubUrl(): string {
    return `${this.opts.url}/signalr/aggregate?feeds=shoko&apikey=${encodeURIComponent(this.opts.apiKey)}`;
  }

  /** Starts one connection; `closed` settles when it closes for good. */
  private async connectOnce(): Promise<{ closed: Promise<void> }> {
    if (this.stopped) throw new Error('stopped');
    const { apiKey: key, delays, health, log } = this.opts;
    // Loaded on the first connection: a tracker without Shoko never loads the SignalR client.
    const signalr = await import('@microsoft/signalr');
    const signalrLog: ILogger = {
      log: (level: LogLevel, message: string) => {
        if (level >= signalr.LogLevel.Debug) log.debug(`signalr: ${message}`);
      },
    };
    const conn = new signalr.HubConnectionBuilder()
      .withUrl(this.hubUrl(), { accessTokenFactory: () => key })
      .withHubProtocol(new signalr.JsonHubProtocol())
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (ctx) => (this.stopped || ctx.previousRetryCount >= delays.length ? null : delays[ctx.previousRetryCount]!),
      })
      .configureLogging(signalrLog)
      .build();
    for (const name of SHOKO_EVENTS) conn.on(hubMethod(name), (...args: unknown[]) => this.opts.onInvocation(name, args));
    conn.on('ShokoEvent:OnConnected', () => log.debug('Shoko hub: joined the shoko feed'));

    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    conn.onreconnecting((err) => {
      health.setState('Reconnecting', false);
      if (err) health.noteError(errorMessage(err));
      log.warning(`Shoko hub: connection lost${err ? ` (${errorMessage(err)})` : ''}; reconnecting`);
    });
    conn.onreconnected(() => {
      health.counters.reconnects++;
      health.setState('Connected', true);
      log.info('Shoko hub: reconnected; catching up on missed events');
      this.opts.onReconnected();
    });
    conn.onclose((err) => {
      health.setState(this.stopped ? 'Stopped' : 'Disconnected', false);
      if (err) health.noteError(errorMessage(err));
      if (!this.stopped) log.warning(`Shoko hub: connection closed${err ? ` (${errorMessage(err)})` : ''}; starting a new one`);
      if (this.connection === conn) this.connection = null;
      resolveClosed();
    });

    this.connection = conn;
    health.setState('Connecting', false);
    log.debug(`Shoko hub: connecting to ${this.opts.url}/signalr/aggregate`);
    try {
      await conn.start();
    } catch (err) {
      if (this.connection === conn) this.connection = null;
      health.setState(this.stopped ? 'Stopped' : 'Disconnected', false);
      // Plain Error: p-retry gives up on TypeErrors that are not network errors.
      const message = errorMessage(err);
      throw new Error(/\b401\b|Unauthorized/i.test(message) ? `${message} (check the Shoko API key)` : message);
    }
    if (this.stopped) {
      await conn.stop().catch(() => undefined);
      throw new Error('stopped');
    }
    const again = this.wasConnected;
    this.wasConnected = true;
    health.counters.connects++;
    if (again) health.counters.reconnects++;
    health.setState('Connected', true);
    log.info(`Shoko hub: connected to ${this.opts.url} (feed shoko)${again ? '; catching up on missed events' : ''}`);
    this.opts.onConnected(again);
    return { closed };
  }
}

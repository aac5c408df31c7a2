/**
 * Shoko watcher: a SignalR client of Shoko's aggregate hub (docs/upstreams.md §6.1–6.3) that
 * turns file events into `anime_match` events, plus REST look-ups for what the hub cannot
 * tell (import folder paths, events lost while disconnected).
 *
 * - Connection: `/signalr/aggregate?feeds=shoko&apikey=<key>` with the key also as the
 *   access token (v4, v5 and v6 all accept one of the two), JSON protocol, automatic
 *   reconnect with our delays; when those run out (or the very first start fails) an outer
 *   backoff loop starts a new connection, forever, until `stop()`.
 * - Every argument of every invocation is parsed by its event's own schema (D1, D11);
 *   invalid payloads are logged and ignored; an empty path or a missing file id never
 *   matches anything (D10).
 * - Events arriving within `coalesceMs` go to the sink in one `ingest` call (C5).
 * - After each (re)connect, and every `catchupIntervalMs`, open anime requests whose
 *   imported file Shoko has not reported yet are looked up through REST (bounded per pass).
 * - A FileMatched without cross-references (C6) is re-checked through REST when Shoko later
 *   says metadata was added (SeriesUpdated / EpisodeUpdated / MovieUpdated).
 */
import type { HubConnection, ILogger, LogLevel } from '@microsoft/signalr';
import pRetry from 'p-retry';
import { pathKey } from '../../domain/index.js';
import type { MediaRequest } from '../../domain/model.js';
import { errorMessage, registerSecret, type Logger } from '../../log.js';
import type { Watcher, WatcherStatus } from '../../watchers/loop.js';
import type { EventSink, TrackedView } from '../../watchers/types.js';
import { ShokoClient, type ShokoFile } from './client.js';
import { crossRefSignature, fileEvent, isAddedReason, matchedReason, movieAddedEvent, REASONS, type AnimeMatch } from './map.js';
import { hubMethod, parseShokoEvent, SHOKO_EVENTS, type ShokoEventName, type ShokoMessage } from './payloads.js';
import { isBlankPath, joinImportPath, sameTail, segments, tail } from './paths.js';
import { animeMovieByTmdb, buildCatalog, resolveFile, type Catalog, type Resolution } from './resolve.js';

export interface ShokoWatcherOptions {
  url: string;
  apiKey: string;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** Delays of SignalR's automatic reconnect; the outer loop backs off between the smallest non-zero and the largest. */
  reconnectDelaysMs?: number[];
  /** Events arriving within this window are ingested together (default 250 ms). */
  coalesceMs?: number;
  /** REST look-ups per catch-up pass (default 10). */
  catchupLimit?: number;
  /** Periodic catch-up while connected (default 5 min; 0 = only after a (re)connect). */
  catchupIntervalMs?: number;
  /** Delay before re-checking files that were waiting for cross-references (default 2 s). */
  recheckDelayMs?: number;
  /** REST timeout (default 15 s). */
  timeoutMs?: number;
}

export type ShokoWatcher = Watcher & { connected(): boolean };

export const DEFAULT_RECONNECT_DELAYS_MS = [0, 2_000, 5_000, 10_000, 30_000, 60_000];
/** Request/episode states a catch-up looks at: imported, Shoko not heard from (or not matched). */
const CATCHUP_STATES = new Set(['IMPORTING', 'ANIME_MATCHING']);
/** An unknown import folder id triggers a refresh at most this often. */
const FOLDER_RETRY_MS = 60_000;
const MAX_AWAITING = 500;

interface Queued {
  message: ShokoMessage;
  attempts: number;
}

interface Awaiting {
  requestId: string;
  filePath: string | null;
}

/** A tracked file the catch-up asks Shoko about. */
interface CatchupCandidate {
  requestId: string;
  path: string;
  /** Known Shoko file id (re-check of a file not matched yet), or null (find it by path). */
  fileId: number | null;
}

export function createShokoWatcher(opts: ShokoWatcherOptions): ShokoWatcher {
  return new ShokoSignalRWatcher(opts);
}

export class ShokoSignalRWatcher implements ShokoWatcher {
  readonly name = 'shoko';
  readonly client: ShokoClient;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly delays: number[];
  private readonly coalesceMs: number;
  private readonly catchupLimit: number;
  private readonly catchupIntervalMs: number;
  private readonly recheckDelayMs: number;

  private connection: HubConnection | null = null;
  private loop: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private stopped = true;
  private wasConnected = false;
  private state = 'Stopped';
  private isConnected = false;
  private lastOk: string | null = null;
  private lastError: string | null = null;
  readonly counters = { events_received: 0, invalid: 0, ignored: 0, unmatched: 0, emitted: 0, reconnects: 0, connects: 0, catchups: 0 };
  private lastEventAt: string | null = null;

  private folders = new Map<number, string>();
  /** Unknown folder id → when a refresh was last tried for it. */
  private readonly folderMisses = new Map<number, number>();
  private folderFetch: Promise<void> | null = null;

  private buffer: Queued[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushChain: Promise<void> = Promise.resolve();

  /** Shoko file id → where it goes, for files seen without cross-references (C6) or not matched. */
  private readonly awaiting = new Map<number, Awaiting>();
  private recheckTimer: NodeJS.Timeout | null = null;
  private catchupTimer: NodeJS.Timeout | null = null;
  private catchupRunning: Promise<void> | null = null;
  private catchupCursor = 0;

  constructor(private readonly opts: ShokoWatcherOptions) {
    registerSecret(opts.apiKey);
    this.log = opts.log;
    this.clock = opts.clock ?? (() => new Date());
    this.delays = opts.reconnectDelaysMs?.length ? opts.reconnectDelaysMs : DEFAULT_RECONNECT_DELAYS_MS;
    this.coalesceMs = opts.coalesceMs ?? 250;
    this.catchupLimit = opts.catchupLimit ?? 10;
    this.catchupIntervalMs = opts.catchupIntervalMs ?? 5 * 60_000;
    this.recheckDelayMs = opts.recheckDelayMs ?? 2_000;
    this.client = new ShokoClient({ url: opts.url, apiKey: opts.apiKey, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  }

  connected(): boolean {
    return this.isConnected;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
    if (this.catchupIntervalMs > 0) {
      this.catchupTimer = setInterval(() => {
        if (this.isConnected) void this.catchUp('periodic');
      }, this.catchupIntervalMs);
      this.catchupTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort?.abort(new Error('stopped'));
    for (const t of [this.catchupTimer, this.recheckTimer]) if (t) clearInterval(t);
    this.catchupTimer = this.recheckTimer = null;
    const conn = this.connection;
    if (conn) await conn.stop().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.loop = null;
    await this.catchupRunning?.catch(() => undefined);
    // What already arrived is still delivered.
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
    this.setState('Stopped', false);
  }

  /** Flushes the coalescing buffer now (tests). */
  poke(): Promise<void> {
    return this.flush();
  }

  status(): WatcherStatus {
    return {
      name: this.name,
      healthy: this.isConnected,
      last_ok: this.lastOk,
      last_error: this.lastError,
      detail: {
        connected: this.isConnected,
        state: this.state,
        events_received: this.counters.events_received,
        last_event_at: this.lastEventAt,
        reconnects: this.counters.reconnects,
        /** Fresh connections (the first, and each one the outer loop started after a close). */
        connects: this.counters.connects,
        catchups: this.counters.catchups,
        invalid: this.counters.invalid,
        ignored: this.counters.ignored,
        unmatched: this.counters.unmatched,
        emitted: this.counters.emitted,
        import_folders: this.folders.size,
      },
    };
  }

  // -------------------------------------------------------------------------------------
  // Connection

  private now(): string {
    return this.clock().toISOString();
  }

  private setState(state: string, connected: boolean): void {
    this.state = state;
    this.isConnected = connected;
    if (connected) this.lastOk = this.now();
  }

  private noteError(message: string): void {
    this.lastError = `${this.now()} ${message}`;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const positive = this.delays.filter((d) => d > 0);
    const minTimeout = Math.max(50, positive.length ? Math.min(...positive) : 1_000);
    const maxTimeout = Math.max(minTimeout, ...this.delays);
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
            this.noteError(errorMessage(error));
            if (attemptNumber === 1 || attemptNumber % 10 === 0) {
              this.log.warning(`Shoko hub: cannot connect (${errorMessage(error)}); retrying (attempt ${attemptNumber})`);
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
    const key = this.opts.apiKey;
    // Loaded on the first connection: a tracker without Shoko never loads the SignalR client.
    const signalr = await import('@microsoft/signalr');
    const signalrLog: ILogger = {
      log: (level: LogLevel, message: string) => {
        if (level >= signalr.LogLevel.Debug) this.log.debug(`signalr: ${message}`);
      },
    };
    const conn = new signalr.HubConnectionBuilder()
      .withUrl(this.hubUrl(), { accessTokenFactory: () => key })
      .withHubProtocol(new signalr.JsonHubProtocol())
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (ctx) => (this.stopped || ctx.previousRetryCount >= this.delays.length ? null : this.delays[ctx.previousRetryCount]!),
      })
      .configureLogging(signalrLog)
      .build();
    for (const name of SHOKO_EVENTS) conn.on(hubMethod(name), (...args: unknown[]) => this.receive(name, args));
    conn.on('ShokoEvent:OnConnected', () => this.log.debug('Shoko hub: joined the shoko feed'));

    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    conn.onreconnecting((err) => {
      this.setState('Reconnecting', false);
      if (err) this.noteError(errorMessage(err));
      this.log.warning(`Shoko hub: connection lost${err ? ` (${errorMessage(err)})` : ''}; reconnecting`);
    });
    conn.onreconnected(() => {
      this.counters.reconnects++;
      this.setState('Connected', true);
      this.log.info('Shoko hub: reconnected; catching up on missed events');
      void this.catchUp('reconnect');
    });
    conn.onclose((err) => {
      this.setState(this.stopped ? 'Stopped' : 'Disconnected', false);
      if (err) this.noteError(errorMessage(err));
      if (!this.stopped) this.log.warning(`Shoko hub: connection closed${err ? ` (${errorMessage(err)})` : ''}; starting a new one`);
      if (this.connection === conn) this.connection = null;
      resolveClosed();
    });

    this.connection = conn;
    this.setState('Connecting', false);
    this.log.debug(`Shoko hub: connecting to ${this.opts.url}/signalr/aggregate`);
    try {
      await conn.start();
    } catch (err) {
      if (this.connection === conn) this.connection = null;
      this.setState(this.stopped ? 'Stopped' : 'Disconnected', false);
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
    this.counters.connects++;
    if (again) this.counters.reconnects++;
    this.setState('Connected', true);
    this.log.info(`Shoko hub: connected to ${this.opts.url} (feed shoko)${again ? '; catching up on missed events' : ''}`);
    void this.refreshFolders().catch(() => undefined);
    void this.catchUp(again ? 'reconnect' : 'connect');
    return { closed };
  }

  // -------------------------------------------------------------------------------------
  // Receiving and coalescing

  /** One invocation: every argument is a payload (D11), and an argument that is a list holds several. */
  receive(name: ShokoEventName, args: unknown[]): void {
    const payloads = args.flatMap((a) => (Array.isArray(a) ? a : [a]));
    for (const payload of payloads) {
      this.counters.events_received++;
      this.lastEventAt = this.now();
      this.lastOk = this.lastEventAt;
      const parsed = parseShokoEvent(name, payload);
      if (!parsed.ok) {
        this.counters.invalid++;
        this.log.warning(`Shoko ${name}: invalid payload ignored (${parsed.error})`);
        continue;
      }
      this.buffer.push({ message: parsed.message, attempts: 0 });
    }
    this.scheduleFlush(this.coalesceMs);
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushTimer || this.buffer.length === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, delayMs);
    this.flushTimer.unref();
  }

  /** Resolves and ingests everything buffered, in one `ingest` call; serialised. */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.flushNow()).catch((err) => this.log.error(`Shoko: ${errorMessage(err)}`));
    return this.flushChain;
  }

  private async flushNow(): Promise<void> {
    const items = this.buffer.splice(0);
    if (!items.length) return;
    const folderIds = new Set<number>();
    for (const { message } of items) {
      if ('file' in message && message.file.importFolderId) folderIds.add(message.file.importFolderId);
    }
    await this.ensureFolders(folderIds);
    const catalog = buildCatalog(this.opts.view.openRequests());
    const events: AnimeMatch[] = [];
    let recheck = false;
    for (const { message } of items) {
      const out = this.handle(message, catalog);
      if (out.event) events.push(out.event);
      recheck ||= out.recheck;
    }
    if (events.length) {
      try {
        await this.opts.sink.ingest(events);
        this.counters.emitted += events.length;
      } catch (err) {
        this.noteError(errorMessage(err));
        const retry = items.filter((i) => ++i.attempts < 3);
        this.log.warning(`Shoko: could not store ${events.length} event(s) (${errorMessage(err)})${retry.length ? '; retrying' : '; dropped'}`);
        this.buffer.unshift(...retry);
        this.scheduleFlush(1_000);
      }
    }
    if (recheck) this.scheduleRecheck();
  }

  private absolutePath(folderId: number | null, relativePath: string): string | null {
    if (folderId === null) return null;
    const base = this.folders.get(folderId);
    return base === undefined ? null : joinImportPath(base, relativePath);
  }

  /** What one message means: at most one event, and whether waiting files should be re-checked. */
  private handle(m: ShokoMessage, catalog: Catalog): { event: AnimeMatch | null; recheck: boolean } {
    const none = { event: null, recheck: false };
    switch (m.event) {
      case 'SeriesUpdated':
      case 'EpisodeUpdated':
        this.log.debug(`Shoko ${m.event}: ${m.source ?? '?'} ${m.reason ?? '?'} ${m.event === 'SeriesUpdated' ? `series ${m.seriesId}` : `episode ${m.episodeId}`}`);
        return { event: null, recheck: this.awaiting.size > 0 };
      case 'MovieUpdated': {
        if (!isAddedReason(m.reason)) {
          this.log.debug(`Shoko MovieUpdated ${m.reason} for TMDB movie ${m.movieId}: ignored`);
          return none;
        }
        if (m.source && m.source.toLowerCase() !== 'tmdb') return { event: null, recheck: this.awaiting.size > 0 };
        const r = animeMovieByTmdb(this.opts.view.openRequests(), m.movieId);
        if (!r) {
          this.log.debug(`Shoko MovieUpdated Added for TMDB movie ${m.movieId}: no open anime movie request`);
          return { event: null, recheck: this.awaiting.size > 0 };
        }
        return { event: movieAddedEvent(m.movieId, m.source), recheck: this.awaiting.size > 0 };
      }
      default:
        break;
    }
    const f = m.file;
    const ids = `file ${f.fileId ?? 'none'}, location ${f.locationId ?? 'none'}, import folder ${f.importFolderId ?? 'none'}, path "${f.relativePath}"`;
    // D10: a file event without a path or (once hashed) without a file id is about nothing we can tell.
    if (isBlankPath(f.relativePath) || (m.event !== 'FileDetected' && !(f.fileId && f.fileId > 0))) {
      this.counters.ignored++;
      this.log.info(`Shoko ${m.event} ignored: no usable ${isBlankPath(f.relativePath) ? 'path' : 'file id'} (${ids})`);
      return none;
    }
    const absolute = this.absolutePath(f.importFolderId, f.relativePath);
    const res = resolveFile(catalog, { fileId: f.fileId, absolutePath: absolute, relativePath: f.relativePath });
    if (res.via === 'none') {
      this.counters.unmatched++;
      const line = `Shoko ${m.event}: not a tracked file (${res.why}; ${ids}${absolute ? `, absolute "${absolute}"` : ', import folder path unknown'})`;
      if (m.event === 'FileMatched' || m.event === 'FileNotMatched') this.log.info(line);
      else this.log.debug(line);
      if (m.event === 'FileDeleted' && f.fileId) this.awaiting.delete(f.fileId);
      return none;
    }
    const where = `request ${res.requestId} via ${res.via}`;
    switch (m.event) {
      case 'FileMoved':
        this.log.info(`Shoko moved file ${f.fileId} of ${where}: "${m.previous?.relativePath ?? '?'}" → "${f.relativePath}"`);
        return none;
      case 'FileRenamed':
        this.log.info(`Shoko renamed file ${f.fileId} of ${where}: "${m.previousFileName ?? '?'}" → "${m.fileName ?? f.relativePath}"`);
        return none;
      case 'FileDeleted':
        if (f.fileId) this.awaiting.delete(f.fileId);
        this.log.info(`Shoko removed file ${f.fileId} of ${where} (${f.relativePath})`);
        return none;
      default:
        break;
    }
    const event = fileEvent(m, res, absolute);
    if (!event) return none;
    if (f.fileId) {
      if (event.result === 'matched') this.awaiting.delete(f.fileId);
      else if (m.event !== 'FileDetected') this.remember(f.fileId, res);
    }
    this.log.debug(`Shoko ${m.event} → ${event.result} for ${where}`);
    return { event, recheck: false };
  }

  private remember(fileId: number, res: Exclude<Resolution, { via: 'none' }>): void {
    if (!this.awaiting.has(fileId) && this.awaiting.size >= MAX_AWAITING) {
      const oldest = this.awaiting.keys().next().value;
      if (oldest !== undefined) this.awaiting.delete(oldest);
    }
    this.awaiting.set(fileId, { requestId: res.requestId, filePath: res.filePath });
  }

  // -------------------------------------------------------------------------------------
  // Import folders

  private async ensureFolders(ids: Set<number>): Promise<void> {
    if (this.folderFetch) await this.folderFetch.catch(() => undefined);
    const now = Date.now();
    const unknown = [...ids].filter((id) => !this.folders.has(id) && now - (this.folderMisses.get(id) ?? -Infinity) >= FOLDER_RETRY_MS);
    if (!unknown.length) return;
    if (this.folderMisses.size > 1_000) this.folderMisses.clear();
    for (const id of unknown) this.folderMisses.set(id, now);
    await this.refreshFolders().catch(() => undefined);
  }

  /** `GET /api/v3/ImportFolder` → the id → base path cache. */
  refreshFolders(): Promise<void> {
    this.folderFetch ??= (async () => {
      try {
        const list = await this.client.importFolders();
        this.folders = new Map(list.map((f) => [f.id, f.path]));
        this.log.debug(`Shoko: ${list.length} import folder(s): ${list.map((f) => `${f.id}=${f.path}`).join(', ')}`);
      } catch (err) {
        this.noteError(errorMessage(err));
        this.log.warning(`Shoko: cannot read the import folders (${errorMessage(err)}); matching by path tail only`);
        throw err;
      } finally {
        this.folderFetch = null;
      }
    })();
    return this.folderFetch;
  }

  // -------------------------------------------------------------------------------------
  // Catch-up and re-checks through REST

  private scheduleRecheck(): void {
    if (this.recheckTimer || this.stopped) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = null;
      void this.catchUp('recheck');
    }, this.recheckDelayMs);
    this.recheckTimer.unref();
  }

  /** Open anime files that were imported but that Shoko has not (fully) reported. */
  candidates(): CatchupCandidate[] {
    const out: CatchupCandidate[] = [];
    const waiting = (r: MediaRequest, id: number | null | undefined): boolean => !!id && (this.awaiting.has(id) || r.stuck?.source === 'shoko');
    for (const r of this.opts.view.openRequests()) {
      if (!r.is_anime) continue;
      if (r.media_type === 'movie') {
        if (!r.file_path || !CATCHUP_STATES.has(r.state)) continue;
        if (!r.shoko_file_id) out.push({ requestId: r.id, path: r.file_path, fileId: null });
        else if (waiting(r, r.shoko_file_id)) out.push({ requestId: r.id, path: r.file_path, fileId: r.shoko_file_id });
        continue;
      }
      const files = new Map<string, { path: string; ids: Set<number>; missing: boolean }>();
      for (const e of Object.values(r.episodes)) {
        if (!e.file_path || !CATCHUP_STATES.has(e.state)) continue;
        const k = pathKey(e.file_path);
        const f = files.get(k) ?? { path: e.file_path, ids: new Set<number>(), missing: false };
        if (e.shoko_file_id) f.ids.add(e.shoko_file_id);
        else f.missing = true;
        files.set(k, f);
      }
      for (const f of files.values()) {
        if (f.missing && f.ids.size === 0) out.push({ requestId: r.id, path: f.path, fileId: null });
        else for (const id of f.ids) if (waiting(r, id)) out.push({ requestId: r.id, path: f.path, fileId: id });
      }
    }
    return out.sort((a, b) => (a.requestId + a.path < b.requestId + b.path ? -1 : 1));
  }

  /** One bounded pass; concurrent calls share it. */
  catchUp(why: string): Promise<void> {
    this.catchupRunning ??= this.catchUpNow(why)
      .catch((err) => this.log.warning(`Shoko catch-up (${why}) failed: ${errorMessage(err)}`))
      .finally(() => (this.catchupRunning = null));
    return this.catchupRunning;
  }

  private async catchUpNow(why: string): Promise<void> {
    const all = this.candidates();
    if (!all.length) return;
    this.counters.catchups++;
    // Round-robin, so a large backlog is covered over several passes.
    const start = this.catchupCursor % all.length;
    const ordered = [...all.slice(start), ...all.slice(0, start)];
    let budget = this.catchupLimit;
    let done = 0;
    const events: AnimeMatch[] = [];
    for (const c of ordered) {
      if (budget <= 0 || this.stopped) break;
      try {
        if (c.fileId !== null) {
          budget--;
          const file = await this.client.file(c.fileId);
          if (!file) this.awaiting.delete(c.fileId);
          else if (file.crossRefs.length) {
            this.awaiting.delete(c.fileId);
            events.push(this.restEvent(c, file, 'recheck'));
          }
        } else {
          budget--;
          const found = await this.findByPath(c.path);
          if (found) events.push(this.restEvent(c, found, 'catchup'));
        }
      } catch (err) {
        this.noteError(errorMessage(err));
        this.log.warning(`Shoko catch-up (${why}) stopped: ${errorMessage(err)}`);
        break;
      }
      done++;
    }
    this.catchupCursor = start + done;
    if (events.length) {
      this.log.info(`Shoko catch-up (${why}): ${events.length} file(s) found for ${new Set(events.map((e) => e.match.request_id ?? e.match.file_path)).size} request(s)`);
      try {
        await this.opts.sink.ingest(events);
        this.counters.emitted += events.length;
      } catch (err) {
        this.noteError(errorMessage(err));
        this.log.warning(`Shoko catch-up: could not store the events (${errorMessage(err)})`);
      }
    }
  }

  /**
   * `File/PathEndsWith` with the last 2 path segments (folder / file name): one request per
   * file, since most files asked about are not in Shoko yet. Several hits are narrowed down
   * by the longest common tail of their locations; a unique file or null.
   */
  private async findByPath(path: string): Promise<ShokoFile | null> {
    const t = tail(path, 2);
    if (!t) return null;
    const files = await this.client.filesByPathEnd(t, 5);
    const byId = new Map(files.map((f) => [f.id, f]));
    if (byId.size <= 1) return [...byId.values()][0] ?? null;
    const depth = segments(path).length;
    for (let n = 3; n <= depth; n++) {
      const closer = [...byId.values()].filter((f) =>
        f.locations.some((l) => sameTail(l.absolutePath ?? this.absolutePath(l.importFolderId, l.relativePath) ?? l.relativePath, path, n)),
      );
      if (closer.length === 1) return closer[0]!;
      if (closer.length === 0) break;
    }
    this.log.info(`Shoko catch-up: ${byId.size} Shoko files end with "${t}"; not guessing`);
    return null;
  }

  private restEvent(c: CatchupCandidate, file: ShokoFile, kind: 'catchup' | 'recheck'): AnimeMatch {
    const matched = file.crossRefs.length > 0;
    return {
      kind: 'anime_match',
      key: `shoko:${kind}:${file.id}:${crossRefSignature(file.crossRefs)}`,
      source: 'shoko',
      match: { request_id: c.requestId, file_path: c.path, scope: 'active' },
      result: matched ? 'matched' : 'detected',
      episodes: [],
      shoko_file_id: file.id,
      reason: matched ? matchedReason(file.crossRefs) : REASONS.known,
    };
  }
}


/**
 * Shoko hub events → `anime_match` events.
 *
 * - Every argument of every invocation is parsed by its event's own schema (D1, D11);
 *   invalid payloads are logged and ignored; an empty path or a missing file id never
 *   matches anything (D10).
 * - Events arriving within `coalesceMs` go to the sink in one `ingest` call (C5).
 * - A FileMatched without cross-references (C6) waits for the catch-up's re-check, which
 *   runs when Shoko later says metadata was added (SeriesUpdated / EpisodeUpdated / MovieUpdated).
 */
import { errorMessage } from '../../log.js';
import type { ShokoParts } from './catchup.js';
import { fileEvent, isAddedReason, movieAddedEvent, type AnimeMatch } from './map.js';
import { parseShokoEvent, type ShokoEventName, type ShokoMessage } from './payloads.js';
import { isBlankPath } from './paths.js';
import { animeMovieByTmdb, buildCatalog, resolveFile, type Catalog } from './resolve.js';

interface Queued {
  message: ShokoMessage;
  attempts: number;
}

export interface HubEventsOptions extends ShokoParts {
  /** Events arriving within this window are ingested together. */
  coalesceMs: number;
  /** Metadata was added while files wait for cross-references: they should be re-checked. */
  onRecheck(): void;
}

export class ShokoHubEvents {
  private buffer: Queued[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushChain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: HubEventsOptions) {}

  /** One invocation: every argument is a payload (D11), and an argument that is a list holds several. */
  receive(name: ShokoEventName, args: unknown[]): void {
    const { health } = this.opts;
    const payloads = args.flatMap((a) => (Array.isArray(a) ? a : [a]));
    for (const payload of payloads) {
      health.counters.events_received++;
      health.lastEventAt = health.now();
      health.lastOk = health.lastEventAt;
      const parsed = parseShokoEvent(name, payload);
      if (!parsed.ok) {
        health.counters.invalid++;
        this.opts.log.warning(`Shoko ${name}: invalid payload ignored (${parsed.error})`);
        continue;
      }
      this.buffer.push({ message: parsed.message, attempts: 0 });
    }
    this.scheduleFlush(this.opts.coalesceMs);
  }

  /** Resolves and ingests everything buffered, in one `ingest` call; serialised. */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.flushNow()).catch((err) => this.opts.log.error(`Shoko: ${errorMessage(err)}`));
    return this.flushChain;
  }

  /** On stop: what already arrived is still delivered, now rather than after the window. */
  drain(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    return this.flush();
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushTimer || this.buffer.length === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, delayMs);
    this.flushTimer.unref();
  }

  private async flushNow(): Promise<void> {
    const { health } = this.opts;
    const items = this.buffer.splice(0);
    if (!items.length) return;
    const folderIds = new Set<number>();
    for (const { message } of items) {
      if ('file' in message && message.file.importFolderId) folderIds.add(message.file.importFolderId);
    }
    await this.opts.folders.ensure(folderIds);
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
        health.counters.emitted += events.length;
      } catch (err) {
        health.noteError(errorMessage(err));
        const retry = items.filter((i) => ++i.attempts < 3);
        this.opts.log.warning(`Shoko: could not store ${events.length} event(s) (${errorMessage(err)})${retry.length ? '; retrying' : '; dropped'}`);
        this.buffer.unshift(...retry);
        this.scheduleFlush(1_000);
      }
    }
    if (recheck) this.opts.onRecheck();
  }

  /** What one message means: at most one event, and whether waiting files should be re-checked. */
  private handle(m: ShokoMessage, catalog: Catalog): { event: AnimeMatch | null; recheck: boolean } {
    const { awaiting, log } = this.opts;
    const { counters } = this.opts.health;
    const none = { event: null, recheck: false };
    switch (m.event) {
      case 'SeriesUpdated':
      case 'EpisodeUpdated':
        log.debug(`Shoko ${m.event}: ${m.source ?? '?'} ${m.reason ?? '?'} ${m.event === 'SeriesUpdated' ? `series ${m.seriesId}` : `episode ${m.episodeId}`}`);
        return { event: null, recheck: awaiting.size > 0 };
      case 'MovieUpdated': {
        if (!isAddedReason(m.reason)) {
          log.debug(`Shoko MovieUpdated ${m.reason} for TMDB movie ${m.movieId}: ignored`);
          return none;
        }
        if (m.source && m.source.toLowerCase() !== 'tmdb') return { event: null, recheck: awaiting.size > 0 };
        const r = animeMovieByTmdb(this.opts.view.openRequests(), m.movieId);
        if (!r) {
          log.debug(`Shoko MovieUpdated Added for TMDB movie ${m.movieId}: no open anime movie request`);
          return { event: null, recheck: awaiting.size > 0 };
        }
        return { event: movieAddedEvent(m.movieId, m.source), recheck: awaiting.size > 0 };
      }
      default:
        break;
    }
    const f = m.file;
    const ids = `file ${f.fileId ?? 'none'}, location ${f.locationId ?? 'none'}, import folder ${f.importFolderId ?? 'none'}, path "${f.relativePath}"`;
    // D10: a file event without a path or (once hashed) without a file id is about nothing we can tell.
    if (isBlankPath(f.relativePath) || (m.event !== 'FileDetected' && !(f.fileId && f.fileId > 0))) {
      counters.ignored++;
      log.info(`Shoko ${m.event} ignored: no usable ${isBlankPath(f.relativePath) ? 'path' : 'file id'} (${ids})`);
      return none;
    }
    const absolute = this.opts.folders.absolutePath(f.importFolderId, f.relativePath);
    const res = resolveFile(catalog, { fileId: f.fileId, absolutePath: absolute, relativePath: f.relativePath });
    if (res.via === 'none') {
      counters.unmatched++;
      const line = `Shoko ${m.event}: not a tracked file (${res.why}; ${ids}${absolute ? `, absolute "${absolute}"` : ', import folder path unknown'})`;
      if (m.event === 'FileMatched' || m.event === 'FileNotMatched') log.info(line);
      else log.debug(line);
      if (m.event === 'FileDeleted' && f.fileId) awaiting.delete(f.fileId);
      return none;
    }
    const where = `request ${res.requestId} via ${res.via}`;
    switch (m.event) {
      case 'FileMoved':
        log.info(`Shoko moved file ${f.fileId} of ${where}: "${m.previous?.relativePath ?? '?'}" → "${f.relativePath}"`);
        return none;
      case 'FileRenamed':
        log.info(`Shoko renamed file ${f.fileId} of ${where}: "${m.previousFileName ?? '?'}" → "${m.fileName ?? f.relativePath}"`);
        return none;
      case 'FileDeleted':
        if (f.fileId) awaiting.delete(f.fileId);
        log.info(`Shoko removed file ${f.fileId} of ${where} (${f.relativePath})`);
        return none;
      default:
        break;
    }
    const event = fileEvent(m, res, absolute);
    if (!event) return none;
    if (f.fileId) {
      if (event.result === 'matched') awaiting.delete(f.fileId);
      else if (m.event !== 'FileDetected') awaiting.remember(f.fileId, res.requestId, res.filePath);
    }
    log.debug(`Shoko ${m.event} → ${event.result} for ${where}`);
    return { event, recheck: false };
  }
}

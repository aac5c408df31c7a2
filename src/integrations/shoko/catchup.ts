/**
 * The catch-up through Shoko's REST API, for what the hub did not (or could not yet) say.
 * After each (re)connect, and every `intervalMs` while connected, open anime requests whose
 * imported file Shoko has not reported yet are looked up (bounded per pass, round-robin). A
 * file seen without cross-references (C6) or not matched waits in `AwaitingFiles`, and is
 * re-checked shortly after Shoko says metadata was added.
 */
import { pathKey } from '../../domain/index.js';
import type { MediaRequest } from '../../domain/model.js';
import { errorMessage, type Logger } from '../../log.js';
import type { EventSink, TrackedView } from '../../watchers/types.js';
import type { ShokoClient, ShokoFile } from './client.js';
import type { ShokoHealth } from './connection.js';
import type { ImportFolders } from './folders.js';
import { crossRefSignature, matchedReason, REASONS, type AnimeMatch } from './map.js';
import { sameTail, segments, tail } from './paths.js';

/** Request/episode states a catch-up looks at: imported, Shoko not heard from (or not matched). */
const CATCHUP_STATES = new Set(['IMPORTING', 'ANIME_MATCHING']);
const MAX_AWAITING = 500;

/** Shoko file id → where it goes, for files seen without cross-references (C6) or not matched; bounded, oldest dropped first. */
export class AwaitingFiles {
  private readonly files = new Map<number, { requestId: string; filePath: string | null }>();

  get size(): number {
    return this.files.size;
  }

  has(fileId: number): boolean {
    return this.files.has(fileId);
  }

  delete(fileId: number): void {
    this.files.delete(fileId);
  }

  remember(fileId: number, requestId: string, filePath: string | null): void {
    if (!this.files.has(fileId) && this.files.size >= MAX_AWAITING) {
      const oldest = this.files.keys().next().value;
      if (oldest !== undefined) this.files.delete(oldest);
    }
    this.files.set(fileId, { requestId, filePath });
  }
}

/** A tracked file the catch-up asks Shoko about. */
interface CatchupCandidate {
  requestId: string;
  path: string;
  /** Known Shoko file id (re-check of a file not matched yet), or null (find it by path). */
  fileId: number | null;
}

/** What the watcher's parts share: the tracker's view and sink, and the connection's state. */
export interface ShokoParts {
  view: TrackedView;
  sink: EventSink;
  log: Logger;
  health: ShokoHealth;
  folders: ImportFolders;
  awaiting: AwaitingFiles;
}

export interface CatchUpOptions extends ShokoParts {
  client: ShokoClient;
  /** REST look-ups per pass. */
  limit: number;
  /** Periodic pass while connected (0 = only when asked). */
  intervalMs: number;
  /** Delay before re-checking files that were waiting for cross-references. */
  recheckDelayMs: number;
}

export class ShokoCatchUp {
  private stopped = true;
  private recheckTimer: NodeJS.Timeout | null = null;
  private periodicTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private cursor = 0;

  constructor(private readonly opts: CatchUpOptions) {}

  start(): void {
    this.stopped = false;
    if (this.opts.intervalMs > 0) {
      this.periodicTimer = setInterval(() => {
        if (this.opts.health.connected) void this.run('periodic');
      }, this.opts.intervalMs);
      this.periodicTimer.unref();
    }
  }

  /** No new pass from here on; the one running ends after its current look-up (see `settled`). */
  stop(): void {
    this.stopped = true;
    for (const t of [this.periodicTimer, this.recheckTimer]) if (t) clearInterval(t);
    this.periodicTimer = this.recheckTimer = null;
  }

  /** Settles when the pass in flight (if any) has ended. */
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** A re-check pass soon (debounced): metadata was added, waiting files may be matched now. */
  scheduleRecheck(): void {
    if (this.recheckTimer || this.stopped) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = null;
      void this.run('recheck');
    }, this.opts.recheckDelayMs);
    this.recheckTimer.unref();
  }

  /** Open anime files that were imported but that Shoko has not (fully) reported. */
  candidates(): CatchupCandidate[] {
    const out: CatchupCandidate[] = [];
    const waiting = (r: MediaRequest, id: number | null | undefined): boolean => !!id && (this.opts.awaiting.has(id) || r.stuck?.source === 'shoko');
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
  run(why: string): Promise<void> {
    this.running ??= this.runNow(why)
      .catch((err) => this.opts.log.warning(`Shoko catch-up (${why}) failed: ${errorMessage(err)}`))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async runNow(why: string): Promise<void> {
    const { awaiting, client, health, log } = this.opts;
    const all = this.candidates();
    if (!all.length) return;
    health.counters.catchups++;
    // Round-robin, so a large backlog is covered over several passes.
    const start = this.cursor % all.length;
    const ordered = [...all.slice(start), ...all.slice(0, start)];
    let budget = this.opts.limit;
    let done = 0;
    const events: AnimeMatch[] = [];
    for (const c of ordered) {
      if (budget <= 0 || this.stopped) break;
      try {
        if (c.fileId !== null) {
          budget--;
          const file = await client.file(c.fileId);
          if (!file) awaiting.delete(c.fileId);
          else if (file.crossRefs.length) {
            awaiting.delete(c.fileId);
            events.push(restEvent(c, file, 'recheck'));
          }
        } else {
          budget--;
          const found = await this.findByPath(c.path);
          if (found) events.push(restEvent(c, found, 'catchup'));
        }
      } catch (err) {
        health.noteError(errorMessage(err));
        log.warning(`Shoko catch-up (${why}) stopped: ${errorMessage(err)}`);
        break;
      }
      done++;
    }
    this.cursor = start + done;
    if (events.length) {
      log.info(`Shoko catch-up (${why}): ${events.length} file(s) found for ${new Set(events.map((e) => e.match.request_id ?? e.match.file_path)).size} request(s)`);
      try {
        await this.opts.sink.ingest(events);
        health.counters.emitted += events.length;
      } catch (err) {
        health.noteError(errorMessage(err));
        log.warning(`Shoko catch-up: could not store the events (${errorMessage(err)})`);
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
    const files = await this.opts.client.filesByPathEnd(t, 5);
    const byId = new Map(files.map((f) => [f.id, f]));
    if (byId.size <= 1) return [...byId.values()][0] ?? null;
    const depth = segments(path).length;
    for (let n = 3; n <= depth; n++) {
      const closer = [...byId.values()].filter((f) => f.locations.some((l) => sameTail(l.absolutePath ?? this.opts.folders.absolutePath(l.importFolderId, l.relativePath) ?? l.relativePath, path, n)));
      if (closer.length === 1) return closer[0]!;
      if (closer.length === 0) break;
    }
    this.opts.log.info(`Shoko catch-up: ${byId.size} Shoko files end with "${t}"; not guessing`);
    return null;
  }
}

function restEvent(c: CatchupCandidate, file: ShokoFile, kind: 'catchup' | 'recheck'): AnimeMatch {
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

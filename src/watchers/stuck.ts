/**
 * Every stage has a threshold; past it the request is flagged stuck with a reason a user
 * understands. The flag is an event like any other (journaled, published); a transition
 * clears it, and so does this monitor when the cause is gone.
 */
import type { UnstampedEvent } from '../domain/events.js';
import type { MediaRequest } from '../domain/model.js';
import type { Options } from '../config/schema.js';
import type { Logger } from '../log.js';
import { PolledWatcher, PollLoop, type WatcherStatus } from './loop.js';
import type { EventSink, TrackedView } from './types.js';

export type StuckThresholds = Options['stuck_after'];

export interface StuckContext {
  /** Jellyfin is configured, so "not in the library" can be said. */
  jellyfin: boolean;
}

export function formatDuration(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 90) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

function lastProgress(r: MediaRequest): number {
  let t = Date.parse(r.state_since);
  for (const d of Object.values(r.downloads)) {
    if (d.progress_at) t = Math.max(t, Date.parse(d.progress_at));
  }
  return t;
}

/** The reason a request is stuck now, or null. Pure: time comes from `now`. */
export function stuckReason(r: MediaRequest, now: Date, t: StuckThresholds, ctx: StuckContext): string | null {
  const arr = r.arr?.service === 'sonarr' || (!r.arr && r.media_type === 'tv') ? 'Sonarr' : 'Radarr';
  const since = now.getTime() - Date.parse(r.state_since);
  const past = (min: number) => since >= min * 60_000;
  const dur = formatDuration(since);
  switch (r.state) {
    case 'REQUESTED':
      return past(t.requested_min) ? `Waiting for approval in Jellyseerr for ${dur}` : null;
    case 'APPROVED':
      return past(t.approved_min) ? `Approved ${dur} ago, but ${arr} has reported nothing (is its webhook to Media Tracker configured?)` : null;
    case 'SEARCHING':
      return past(t.searching_min) ? `${arr}: no release grabbed after ${dur} of searching` : null;
    case 'GRABBING':
      return past(t.grabbing_min) ? `Grabbed ${dur} ago, but the download has not started` : null;
    case 'DOWNLOADING': {
      const idle = now.getTime() - lastProgress(r);
      return idle >= t.downloading_min * 60_000 ? `Download made no progress for ${formatDuration(idle)}` : null;
    }
    case 'DOWNLOADED':
      return past(t.downloaded_min) ? `Downloaded ${dur} ago, but ${arr} has not imported it` : null;
    case 'IMPORTING':
      if (!past(t.importing_min)) return null;
      if (r.is_anime) return `Shoko: no sign of the file ${dur} after import (is the folder an import folder in Shoko?)`;
      return ctx.jellyfin ? `Jellyfin: not in library ${dur} after import` : `Imported ${dur} ago; no library has confirmed it yet`;
    case 'ANIME_MATCHING':
      return past(t.anime_matching_min)
        ? `Shoko matched it ${dur} ago, but Jellyfin does not show it (check Shokofin's SignalR connection and library mapping)`
        : null;
    default:
      return null;
  }
}

/** The events that bring every open request's flag in line with `stuckReason`. */
export function stuckEvents(view: TrackedView, now: Date, t: StuckThresholds, ctx: StuckContext): UnstampedEvent[] {
  const out: UnstampedEvent[] = [];
  for (const r of view.openRequests()) {
    const reason = stuckReason(r, now, t, ctx);
    const key = `stuck:${r.id}:${r.state}:${r.state_since}`;
    if (reason && !r.stuck) {
      out.push({ kind: 'stuck', key, source: 'system', match: { request_id: r.id, scope: 'any' }, reason });
    } else if (!reason && r.stuck?.source === 'system') {
      out.push({ kind: 'stuck', key: `${key}:clear`, source: 'system', match: { request_id: r.id, scope: 'any' }, reason: null });
    }
  }
  return out;
}

export class StuckMonitor extends PolledWatcher {
  readonly name = 'stuck';
  protected readonly loop: PollLoop;

  constructor(
    private readonly view: TrackedView,
    private readonly sink: EventSink,
    private readonly thresholds: StuckThresholds,
    private readonly ctx: StuckContext,
    log: Logger,
    intervalMs = 60_000,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
    this.loop = new PollLoop('stuck monitor', intervalMs, () => this.cycle(), log, clock);
  }

  /** Called once per newly raised flag (e.g. to ask Jellyfin for a library scan for anime stuck in matching). */
  onFlag: ((request: MediaRequest, reason: string) => void) | null = null;

  private async cycle(): Promise<void> {
    const events = stuckEvents(this.view, this.clock(), this.thresholds, this.ctx);
    if (!events.length) return;
    await this.sink.ingest(events);
    for (const e of events) {
      if (e.kind !== 'stuck' || !e.reason || !e.match.request_id) continue;
      const r = this.view.request(e.match.request_id);
      if (r) this.onFlag?.(r, e.reason);
    }
  }

  override status(): WatcherStatus {
    return { name: this.name, healthy: true, last_ok: this.loop.lastOk, last_error: this.loop.lastError };
  }
}

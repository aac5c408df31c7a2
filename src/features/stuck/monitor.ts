/**
 * Every stage has a threshold; past it the request is flagged stuck with a reason a user
 * understands. The flag is an event like any other (journaled, published); a transition
 * clears it, and so does this monitor when the cause is gone.
 */
import type { UnstampedEvent } from '../../domain/events.js';
import type { MediaRequest } from '../../domain/model.js';
import type { Logger } from '../../log.js';
import { PolledWatcher, PollLoop, type WatcherStatus } from '../../watchers/loop.js';
import { episodesStuckReason } from './episodes.js';
import { capitalise, fetchingMetadata, formatDuration, PHRASES, type PhraseContext, type StuckContext, type StuckThresholds } from './phrases.js';
import type { EventSink, TrackedView } from '../../engine/index.js';

export { formatDuration, type StuckContext, type StuckThresholds } from './phrases.js';

function lastProgress(r: MediaRequest): number {
  let t = Date.parse(r.state_since);
  for (const d of Object.values(r.downloads)) {
    if (d.progress_at) t = Math.max(t, Date.parse(d.progress_at));
  }
  return t;
}

/**
 * The reason a request is stuck now, or null. Pure: time comes from `now`. A TV request whose
 * episodes are known is judged per episode once it is past approval (stuck-episodes.ts).
 */
export function stuckReason(r: MediaRequest, now: Date, t: StuckThresholds, ctx: StuckContext): string | null {
  const arr = ctx.pvrLabel(r.media_type, r.arr?.service ?? null);
  if (r.media_type === 'tv' && Object.keys(r.episodes).length > 0 && r.state !== 'REQUESTED' && r.state !== 'APPROVED') {
    return episodesStuckReason(r, now, t, ctx);
  }
  const since = now.getTime() - Date.parse(r.state_since);
  const past = (min: number) => since >= min * 60_000;
  const dur = formatDuration(since);
  const c: PhraseContext = { ...ctx, arr, anime: r.is_anime };
  switch (r.state) {
    case 'REQUESTED':
      return past(t.requested_min) ? `Waiting for approval in Jellyseerr for ${dur}` : null;
    case 'APPROVED':
      return past(t.approved_min) ? capitalise(PHRASES.APPROVED(dur, c)) : null;
    case 'SEARCHING':
      return past(t.searching_min) ? `${arr}: ${PHRASES.SEARCHING(dur, c)} of searching` : null;
    case 'GRABBING': {
      if (!past(t.grabbing_min)) return null;
      const metadata = Object.values(r.downloads).some((d) => !d.superseded && !d.upgrade && fetchingMetadata(d));
      return capitalise(PHRASES[metadata ? 'metadata' : 'GRABBING'](dur, c));
    }
    case 'DOWNLOADING': {
      const idle = now.getTime() - lastProgress(r);
      return idle >= t.downloading_min * 60_000 ? capitalise(PHRASES.DOWNLOADING(formatDuration(idle), c)) : null;
    }
    case 'DOWNLOADED':
      return past(t.downloaded_min) ? capitalise(PHRASES.DOWNLOADED(dur, c)) : null;
    case 'IMPORTING':
      return past(t.importing_min) ? capitalise(PHRASES.IMPORTING(dur, c)) : null;
    case 'ANIME_MATCHING':
      return past(t.anime_matching_min) ? PHRASES.ANIME_MATCHING(dur, c) : null;
    default:
      return null;
  }
}

/** A reason with its durations blanked: the same problem said again later is not a new flag. */
function shape(reason: string): string {
  return reason.replace(/\d+ (min|h|days)\b/g, '…');
}

/**
 * The events that bring every open request's flag in line with `stuckReason`. The monitor's own
 * flag is replaced when what is stuck changes (other episodes, another stage), not when only
 * the time in it grows; a flag raised by a service is left to that service.
 */
export function stuckEvents(view: TrackedView, now: Date, t: StuckThresholds, ctx: StuckContext): UnstampedEvent[] {
  const out: UnstampedEvent[] = [];
  for (const r of view.openRequests()) {
    const reason = stuckReason(r, now, t, ctx);
    const key = `stuck:${r.id}:${r.state}:${r.state_since}`;
    const mine = r.stuck?.source === 'system';
    if (reason && (!r.stuck || (mine && shape(reason) !== shape(r.stuck!.reason)))) {
      out.push({ kind: 'stuck', key, source: 'system', match: { request_id: r.id, scope: 'any' }, reason });
    } else if (!reason && mine) {
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

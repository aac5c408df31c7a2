/**
 * The JSON published on the contract's topics (src/contract, docs/mqtt.md), built from
 * stored requests only. Nothing here may carry a secret or an e-mail address.
 */
import { NO_ESTIMATE, type Watchable } from '../estimates/index.js';
import { stateEvent, UPGRADE_STATES, type EpisodePayload, type EventPayload, type StatePayload, type TimelineEntry, type UpgradePayload } from '../../contract/index.js';
import { isAired, summarise } from '../../domain/episodes.js';
import type { Effect } from '../../domain/draft.js';
import type { Download, Episode, MediaRequest, Upgrade } from '../../domain/model.js';
import { isPipeline, rank, STATE_LABELS } from '../../domain/states.js';

/** Who to notify about a request, from the `notify` option; nulls when the requester is not mapped. */
export interface Recipient {
  person: string | null;
  notify_service: string | null;
}

export type RecipientLookup = (requestedBy: string | null) => Recipient;

export const NO_RECIPIENT: Recipient = { person: null, notify_service: null };

/** The `notify` option as a lookup: requester names compared case-insensitively. */
export function recipientLookup(mappings: ReadonlyArray<{ requester: string; person: string; service: string }>): RecipientLookup {
  const byName = new Map(mappings.map((m) => [m.requester.toLowerCase(), { person: m.person || null, notify_service: m.service || null }]));
  return (requestedBy) => (requestedBy ? (byName.get(requestedBy.toLowerCase()) ?? NO_RECIPIENT) : NO_RECIPIENT);
}

function upgradeOf(u: Upgrade, episodes: string[]): UpgradePayload {
  return { state: u.state, progress: u.progress, release: u.release, since: u.since, episodes };
}

/** Movie: the block; TV: the least advanced episode's block, with every episode being upgraded. */
export function upgradeSummary(r: MediaRequest): UpgradePayload | null {
  if (r.upgrade) return upgradeOf(r.upgrade, []);
  let least: Upgrade | null = null;
  const keys: string[] = [];
  for (const [key, ep] of Object.entries(r.episodes)) {
    if (!ep.upgrade) continue;
    keys.push(key);
    if (!least || UPGRADE_STATES.indexOf(ep.upgrade.state) < UPGRADE_STATES.indexOf(least.state)) least = ep.upgrade;
  }
  return least ? upgradeOf(least, keys.sort()) : null;
}

function nextAirDate(eps: readonly Episode[], now: string): string | null {
  let next: string | null = null;
  for (const e of eps) {
    if (e.state === 'AVAILABLE' || e.state === 'DELETED' || isAired(e, now) || !e.air_date_utc) continue;
    if (!next || Date.parse(e.air_date_utc) < Date.parse(next)) next = e.air_date_utc;
  }
  return next;
}

const FETCHING_METADATA: ReadonlySet<string> = new Set(['metaDL', 'forcedMetaDL']);

/** The client state of the downloads in flight: one still fetching metadata is the one to show. */
function inFlightState(downloads: readonly Download[]): string | null {
  const running = downloads.filter((d) => !d.complete && !d.removed && d.client_state);
  return (running.find((d) => FETCHING_METADATA.has(d.client_state!)) ?? running[0])?.client_state ?? null;
}

/** The client (and protocol) of the downloads followed: one in flight first, else the latest known. */
function clientOf(downloads: readonly Download[]): { download_client: string | null; protocol: string | null } {
  const known = downloads.filter((d) => d.client || d.protocol);
  const d = known.find((x) => !x.complete && !x.removed) ?? known[known.length - 1];
  return { download_client: d?.client ?? null, protocol: d?.protocol ?? null };
}

export interface DownloadSummary {
  progress: number | null;
  speed_bps: number | null;
  eta_s: number | null;
  size: number | null;
  client_state: string | null;
  download_client: string | null;
  protocol: string | null;
}

/** Size-weighted progress over the downloads the request follows (not replaced ones, not upgrades); speed summed; ETA of the slowest. */
export function downloadSummary(r: MediaRequest): DownloadSummary {
  const downloads = Object.values(r.downloads).filter((d) => !d.superseded && !d.upgrade);
  if (downloads.length === 0) return { progress: null, speed_bps: null, eta_s: null, size: null, client_state: null, download_client: null, protocol: null };
  let weighted = 0;
  let weight = 0;
  let speed: number | null = null;
  let eta: number | null = null;
  let size = 0;
  let sized = true;
  for (const d of downloads) {
    const p = d.complete ? 1 : d.progress;
    const w = d.size && d.size > 0 ? d.size : 1;
    weighted += p * w;
    weight += w;
    if (d.size) size += d.size;
    else sized = false;
    if (!d.complete) {
      if (d.speed_bps !== null) speed = (speed ?? 0) + d.speed_bps;
      if (d.eta_s !== null) eta = Math.max(eta ?? 0, d.eta_s);
    }
  }
  const downloading = isPipeline(r.state) && rank(r.state) <= rank('DOWNLOADED');
  return {
    progress: Math.round((weighted / weight) * 10_000) / 10_000,
    speed_bps: downloading ? speed : null,
    eta_s: downloading ? eta : null,
    size: sized ? size : null,
    client_state: inFlightState(downloads),
    ...clientOf(downloads),
  };
}

export function statePayload(r: MediaRequest, recipients: RecipientLookup = () => NO_RECIPIENT, now: string = new Date().toISOString(), watchable: Watchable = NO_ESTIMATE): StatePayload {
  const eps = Object.values(r.episodes);
  const summary = summarise(eps);
  const dl = downloadSummary(r);
  const last = r.timeline[r.timeline.length - 1];
  return {
    id: r.id,
    state: r.state,
    state_label: STATE_LABELS[r.state],
    state_since: r.state_since,
    title: r.title,
    year: r.year,
    media_type: r.media_type,
    is_anime: r.is_anime,
    anime_source: r.anime_source,
    origin: r.origin,
    tmdb_id: r.tmdb_id,
    tvdb_id: r.tvdb_id,
    imdb_id: r.imdb_id,
    jellyseerr_request_id: r.jellyseerr_request_id,
    arr: r.arr,
    jellyfin_id: r.jellyfin_id,
    requested_by: r.requested_by,
    ...recipients(r.requested_by),
    requested_seasons: r.requested_seasons,
    is_4k: r.is_4k ?? false,
    roster: r.media_type === 'tv' ? (r.roster?.from ?? null) : null,
    next_air_date: r.media_type === 'tv' ? nextAirDate(eps, now) : null,
    upgrade: upgradeSummary(r),
    ...watchable,
    issues: (r.issues ?? []).filter((i) => i.status === 'open').map(({ id, type, reported_by, message, last_comment, since }) => ({ id, type, reported_by, message, last_comment, since })),
    poster_url: r.poster_url,
    progress: dl.progress,
    speed_bps: dl.speed_bps,
    eta_s: dl.eta_s,
    size: dl.size,
    client_state: dl.client_state,
    download_client: dl.download_client,
    protocol: dl.protocol,
    downloads: Object.keys(r.downloads).length,
    episodes:
      r.media_type === 'tv'
        ? { total: summary.total, available: summary.available, by_state: summary.by_state as Record<string, number> }
        : { total: 1, available: r.state === 'AVAILABLE' ? 1 : 0, by_state: { [r.state]: 1 } },
    stuck: r.stuck,
    last_reason: last?.reason ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function episodesPayload(r: MediaRequest, now: string = new Date().toISOString()): EpisodePayload[] {
  return Object.values(r.episodes)
    .sort((a, b) => a.season - b.season || a.episode - b.episode)
    .map((e) => {
      const dl = e.hash ? r.downloads[e.hash] : undefined;
      const progress = e.state === 'DOWNLOADING' || e.state === 'GRABBING' ? (dl ? (dl.complete ? 1 : dl.progress) : e.progress) : e.progress;
      return {
        season: e.season,
        episode: e.episode,
        title: e.title,
        state: e.state,
        progress,
        air_date_utc: e.air_date_utc,
        aired: isAired(e, now),
        file: e.file_path ? (e.file_path.split(/[\\/]/).pop() ?? null) : null,
        release: e.release,
        jellyfin_id: e.jellyfin_id ?? null,
        upgrade: e.upgrade ? upgradeOf(e.upgrade, []) : null,
        client_state: dl && (e.state === 'GRABBING' || e.state === 'DOWNLOADING') ? inFlightState([dl]) : null,
      };
    });
}

export const TIMELINE_PUBLISHED = 100;

export function timelinePayload(r: MediaRequest): TimelineEntry[] {
  return r.timeline.slice(-TIMELINE_PUBLISHED);
}

/** The non-retained message for HA's `event` entity; `event_type` is one of EVENT_TYPES. */
export function eventPayload(r: MediaRequest, effect: Effect, recipients: RecipientLookup = () => NO_RECIPIENT): EventPayload | null {
  const common = {
    id: r.id,
    title: r.title,
    year: r.year,
    media_type: r.media_type,
    is_anime: r.is_anime,
    is_4k: r.is_4k ?? false,
    requested_by: r.requested_by,
    ...recipients(r.requested_by),
    poster_url: r.poster_url,
  };
  if (effect.type === 'transition') {
    if (effect.quiet) return null;
    // One "ready" per request: a later return to AVAILABLE announces the episodes, not the request.
    if (effect.repeat) return { event_type: 'episodes_available', from: effect.from ? effect.from.toLowerCase() : null, ...common, source: effect.source, episodes: effect.episodes };
    return {
      event_type: stateEvent(effect.to),
      from: effect.from ? effect.from.toLowerCase() : null,
      ...common,
      reason: effect.reason,
      source: effect.source,
      episodes: effect.episodes,
    };
  }
  if (effect.type === 'upgraded') {
    return { event_type: 'upgraded', from: null, ...common, source: effect.source, episodes: effect.episodes, release: effect.release };
  }
  if (effect.type === 'episodes_available') {
    return { event_type: 'episodes_available', from: null, ...common, source: effect.source, episodes: effect.episodes };
  }
  return null;
}

/**
 * Sonarr/Radarr queue and history → grab, blocked-import and failed-download events for one
 * request (the rules and dedup keys are listed in map.ts). Pure.
 */
import { blockedMessage, compact, normaliseHash, type StatusMessage } from '../../adapters/validation.js';
import type { EpisodeRef, ReleaseInfo, UnstampedEvent } from '../../domain/events.js';
import { episodeKey } from '../../domain/model.js';
import type { HistoryRecord, QueueRecord } from './api.js';
import { digest, episodeWantsFile, epState, isTv, keyList, matchOf, movieWantsFile, recordEpisodes, type ArrInstance, type Target } from './map.js';

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

export interface QueueGroup {
  /** Lower-case download id (the torrent's info-hash). */
  hash: string;
  records: QueueRecord[];
  state: string;
}

/** One group per download: Sonarr lists a season pack once per episode. */
export function groupQueue(records: readonly QueueRecord[]): QueueGroup[] {
  const groups = new Map<string, QueueGroup>();
  for (const rec of records) {
    const hash = normaliseHash(rec.downloadId);
    if (!hash) continue;
    let g = groups.get(hash);
    if (!g) groups.set(hash, (g = { hash, records: [], state: rec.trackedDownloadState ?? 'unknown' }));
    g.records.push(rec);
  }
  return [...groups.values()];
}

const FAILED_STATES = new Set(['failedPending', 'failed']);

/** `failedPending` (the client said Failed), or the client's own `failed` status. */
export function isFailed(g: QueueGroup): boolean {
  return FAILED_STATES.has(g.state) || g.records.some((r) => r.status === 'failed');
}

/** `importBlocked`, or `importPending` with a warning/error: the *arr waits for a human. */
export function isBlocked(g: QueueGroup): boolean {
  if (g.state === 'importBlocked') return true;
  if (g.state !== 'importPending') return false;
  return g.records.some((r) => r.trackedDownloadStatus === 'warning' || r.trackedDownloadStatus === 'error' || (r.statusMessages ?? []).some((m) => (m.messages ?? []).length > 0));
}

function statusMessages(g: QueueGroup): StatusMessage[] {
  const withMessages = g.records.find((r) => (r.statusMessages ?? []).length > 0);
  if (withMessages) return withMessages.statusMessages ?? [];
  const error = g.records.find((r) => r.errorMessage)?.errorMessage;
  return error ? [{ messages: [error] }] : [];
}

/** `Sonarr: import blocked — <title>: <messages>`, from the queue's own status messages. */
export function queueBlockedMessage(inst: ArrInstance, g: QueueGroup): string {
  return blockedMessage(inst.label as 'Sonarr' | 'Radarr', statusMessages(g), g.records[0]?.trackedDownloadStatus);
}

/** `Radarr: <error message>` for a failed queue item. */
export function queueFailedMessage(inst: ArrInstance, g: QueueGroup): string {
  const parts: string[] = [];
  const error = g.records.find((r) => r.errorMessage)?.errorMessage?.trim();
  if (error) parts.push(error);
  for (const m of statusMessages(g)) for (const line of m.messages ?? []) if (line.trim() && !parts.includes(line.trim())) parts.push(line.trim());
  return `${inst.label}: ${parts.length ? parts.join('; ') : 'the download failed in the download client'}`;
}

function grabbedEvent(t: Target, g: QueueGroup, episodes: EpisodeRef[]): UnstampedEvent {
  const rec = g.records[0]!;
  const { service, name } = t.inst;
  const ids = isTv(t) ? keyList(g.records.map((r) => r.episode?.id ?? r.episodeId ?? 0).filter((n) => n > 0)) : String(t.arr.id);
  const release = compact<ReleaseInfo>({
    title: rec.title ?? undefined,
    size: rec.size ? rec.size : null,
    indexer: rec.indexer ?? undefined,
    download_client: rec.downloadClient ?? undefined,
  });
  return compact<UnstampedEvent>({
    kind: 'grabbed',
    key: `${service}:${name}:grab:${g.hash}:${ids}`,
    source: service,
    match: matchOf(t, g.hash, 'active'),
    arr: t.arr,
    media: t.media,
    anime: t.anime,
    hash: g.hash,
    release,
    episodes,
  });
}

function failedEvent(t: Target, hash: string, message: string, episodes: EpisodeRef[]): UnstampedEvent {
  return {
    kind: 'download_failed',
    key: `reconcile:${t.inst.name}:failed:${hash}`,
    source: t.inst.service,
    match: matchOf(t, hash, 'active'),
    hash,
    message,
    episodes,
  };
}

export interface QueueOptions {
  /** The whole queue was read (not cut by the page cap). */
  complete: boolean;
  /** ISO time the snapshot was taken: a flag raised after it is not cleared by it. */
  fetchedAt: string;
}

/**
 * Events from the queue downloads of one request's movie/series. `groups` are that media's
 * downloads only.
 */
export function queueEvents(t: Target, groups: readonly QueueGroup[], opts: QueueOptions): UnstampedEvent[] {
  const r = t.request;
  const { service, name } = t.inst;
  const events: UnstampedEvent[] = [];
  let blockedNow = false;
  for (const g of groups) {
    if (g.state === 'ignored') continue;
    let all: EpisodeRef[] = [];
    let open: EpisodeRef[] = [];
    if (isTv(t)) {
      all = recordEpisodes(r, g.records);
      const withFile = new Set(g.records.filter((x) => x.episodeHasFile).map((x) => x.episode?.id ?? x.episodeId));
      open = all.filter((e) => episodeWantsFile(r, e.season, e.episode) && !withFile.has(e.sonarr_episode_id ?? undefined));
      if (open.length === 0) continue;
    } else if (!movieWantsFile(r) || t.hasFile) {
      // Imported already: a queued download now is an upgrade, not this request's business.
      continue;
    }

    if (isFailed(g)) {
      // Something else queued for the same movie/episodes replaced the failed download.
      const others = groups.filter((o) => o !== g && !isFailed(o) && o.state !== 'ignored');
      let failing = open;
      if (isTv(t)) {
        const covered = new Set(others.flatMap((o) => recordEpisodes(r, o.records)).map((e) => episodeKey(e.season, e.episode)));
        failing = open.filter((e) => {
          const ep = epState(r, e);
          return !covered.has(episodeKey(e.season, e.episode)) && ep?.state !== 'FAILED' && (!ep?.hash || ep.hash === g.hash);
        });
        if (failing.length === 0) continue;
      } else if (others.length > 0 || r.state === 'FAILED') {
        continue;
      }
      events.push(failedEvent(t, g.hash, queueFailedMessage(t.inst, g), failing));
      continue;
    }

    if (!r.downloads[g.hash]) events.push(grabbedEvent(t, g, all));

    if (isBlocked(g)) {
      blockedNow = true;
      const message = queueBlockedMessage(t.inst, g);
      if (r.stuck?.reason !== message) {
        events.push({
          kind: 'import_blocked',
          key: `reconcile:${name}:blocked:${g.hash}:${digest(message)}`,
          source: service,
          match: matchOf(t, g.hash, 'active'),
          arr: t.arr,
          hash: g.hash,
          message,
          episodes: open,
        });
      }
    }
  }

  // A block this *arr reported is gone from a complete queue: the flag goes too (the stuck
  // monitor speaks up again if the request then sits still). A flag raised after the snapshot
  // was taken (a webhook racing this cycle) is left alone.
  const stuck = r.stuck;
  if (!blockedNow && opts.complete && stuck && stuck.source === service && stuck.reason.startsWith(`${t.inst.label}: import blocked`) && stuck.since < opts.fetchedAt) {
    events.push({
      kind: 'stuck',
      key: `reconcile:${name}:unblocked:${t.arr.id}:${digest(stuck.reason)}`,
      source: service,
      match: { request_id: r.id, scope: 'any' },
      reason: null,
    });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------

const at = (date: string): number => {
  const t = Date.parse(date);
  return Number.isNaN(t) ? 0 : t;
};

/**
 * `downloadFailed` history records (of this request's movie/series) for a hash the request
 * tracks → `download_failed`, unless something replaced the download: a later `grabbed` for
 * the same movie/episodes, another download queued for them, or a file.
 *
 * @param withFile TV: Sonarr episode ids that have a file now.
 */
export function historyEvents(t: Target, history: readonly HistoryRecord[], groups: readonly QueueGroup[], withFile: ReadonlySet<number> = new Set()): UnstampedEvent[] {
  const r = t.request;
  const failed = new Map<string, HistoryRecord[]>();
  for (const h of history) {
    if (h.eventType !== 'downloadFailed') continue;
    const hash = normaliseHash(h.downloadId);
    if (!hash || !r.downloads[hash]) continue;
    failed.set(hash, [...(failed.get(hash) ?? []), h]);
  }
  const events: UnstampedEvent[] = [];
  const active = groups.filter((g) => !isFailed(g) && g.state !== 'ignored');
  for (const [hash, recs] of failed) {
    const when = Math.max(...recs.map((h) => at(h.date)));
    const raw = recs.find((h) => typeof h.data?.message === 'string' && h.data.message.trim())?.data?.message;
    const message = `${t.inst.label}: ${typeof raw === 'string' ? raw.trim() : 'the download failed'}`;
    const laterGrabs = history.filter((h) => h.eventType === 'grabbed' && at(h.date) > when && normaliseHash(h.downloadId) !== hash);
    if (!isTv(t)) {
      if (!movieWantsFile(r) || t.hasFile || r.state === 'FAILED') continue;
      if (laterGrabs.length > 0 || active.some((g) => g.hash !== hash)) continue;
      events.push(failedEvent(t, hash, message, []));
      continue;
    }
    let eps = recordEpisodes(r, recs);
    if (eps.length === 0) {
      eps = Object.values(r.episodes)
        .filter((e) => e.hash === hash)
        .map((e) => compact<EpisodeRef>({ season: e.season, episode: e.episode, sonarr_episode_id: e.sonarr_episode_id ?? undefined }));
    }
    const regrabbed = new Set(laterGrabs.map((h) => h.episode?.id ?? h.episodeId));
    const queued = new Set(
      active
        .filter((g) => g.hash !== hash)
        .flatMap((g) => recordEpisodes(r, g.records))
        .map((e) => episodeKey(e.season, e.episode)),
    );
    eps = eps.filter((e) => {
      const ep = epState(r, e);
      if (!ep || ep.state === 'FAILED' || (ep.hash && ep.hash !== hash)) return false;
      if (!episodeWantsFile(r, e.season, e.episode)) return false;
      const sid = e.sonarr_episode_id ?? ep.sonarr_episode_id;
      if (sid && (regrabbed.has(sid) || withFile.has(sid))) return false;
      return !queued.has(episodeKey(e.season, e.episode));
    });
    if (eps.length) events.push(failedEvent(t, hash, message, eps));
  }
  return events;
}

/**
 * The download stages: grab, progress, import, blocked import and failure, for movies and per
 * episode. A grab for something already playable is an upgrade (upgrade.ts); a new download
 * for something not yet playable is a re-grab that replaces the old one.
 */
import { judge } from '../advance.js';
import type { Draft } from '../draft.js';
import { describeEpisodes, keysOf } from '../episodes.js';
import type { DownloadFailedEvent, DownloadProgressEvent, EpisodeRef, GrabbedEvent, ImportBlockedEvent, ImportedEvent } from '../events.js';
import { episodeKey, type Download, type Episode, type MediaRequest } from '../model.js';
import { isPipeline, rank, STATE_LABELS, type EpisodeState, type State } from '../states.js';
import { fillAnime, fillArr, fillMedia, isTv, moveEpisodes, moveRequest, noteIgnoredEpisodes, recordVouched, setStuck } from './steps.js';
import { advance, failUpgrade, finishUpgrade, newUpgrade, setEpisodeUpgrades, setMovieUpgrade, upgradingWith } from './upgrade.js';

/** Grabbed but not imported: a new release for it replaces the one being followed (a re-grab). */
function pastGrab(state: State): boolean {
  return isPipeline(state) && rank(state) >= rank('GRABBING') && rank(state) < rank('IMPORTING');
}

/** The file is in the library (imported, matched or playable): a new release for it is an upgrade. */
function imported(state: State): boolean {
  return isPipeline(state) && rank(state) >= rank('IMPORTING');
}

function putDownload(d: Draft, hash: string, patch: Partial<Download>): void {
  const cur = d.r.downloads[hash];
  const base: Download = cur ?? { hash, progress: 0, speed_bps: null, eta_s: null, size: null, complete: false, release: null };
  const next = { ...base, ...patch };
  if (cur && Object.entries(patch).every(([k, v]) => cur[k as keyof Download] === v)) return;
  d.set('downloads', { ...d.r.downloads, [hash]: next });
}

/** Downloads no episode (or, for a movie, no longer the request) follows are kept as history only. */
function supersede(d: Draft, hashes: Iterable<string>): void {
  for (const h of hashes) {
    const dl = d.r.downloads[h];
    if (!dl || dl.superseded || dl.upgrade) continue;
    if (isTv(d) && Object.values(d.r.episodes).some((e) => e.hash === h)) continue;
    putDownload(d, h, { superseded: true, speed_bps: null, eta_s: null });
  }
}

export function onGrabbed(d: Draft, ev: GrabbedEvent): string {
  fillMedia(d, ev.media);
  fillArr(d, ev.arr);
  fillAnime(d, ev.anime);
  const release = ev.release.title ?? 'unknown release';
  const newHash = ev.hash !== null && !d.r.downloads[ev.hash];
  const record = (upgrade: boolean): void => {
    if (!ev.hash || !newHash) return;
    const { download_client: client, protocol } = ev.release;
    putDownload(d, ev.hash, { size: ev.release.size ?? null, release, ...(client ? { client } : {}), ...(protocol ? { protocol } : {}), ...(upgrade ? { upgrade: true } : {}) });
  };
  return isTv(d) ? grabEpisodes(d, ev, release, newHash, record) : grabMovie(d, ev, release, newHash, record);
}

function grabMovie(d: Draft, ev: GrabbedEvent, release: string, newHash: boolean, record: (upgrade: boolean) => void): string {
  if ((newHash && imported(d.r.state)) || d.r.upgrade) {
    record(true);
    if (d.r.upgrade && d.r.upgrade.hash === ev.hash) return 'upgrade (known)';
    setMovieUpgrade(d, newUpgrade(ev.hash, release, d.at), `Upgrade grabbed by ${d.sourceLabel}: ${release}`);
    return 'upgrade';
  }
  const previous = Object.values(d.r.downloads)
    .filter((x) => !x.superseded && !x.upgrade && x.hash !== ev.hash)
    .map((x) => x.hash);
  record(false);
  const reason = `Grabbed by ${d.sourceLabel}: ${release}`;
  const regrab = d.r.state === 'FAILED' || d.r.state === 'DELETED' || (newHash && previous.length > 0 && pastGrab(d.r.state));
  if (regrab) {
    supersede(d, previous);
    const why = d.r.state === 'FAILED' ? 'Re-grabbed after failure' : d.r.state === 'DELETED' ? 'Re-grabbed after deletion' : `Re-grabbed by ${d.sourceLabel}`;
    if (!moveRequest(d, 'GRABBING', `${why}: ${release}`, true)) d.note(`Another release grabbed by ${d.sourceLabel}: ${release}; it replaces the previous one`);
    return 'regrab';
  }
  const verdict = judge(d.r.state, 'GRABBING');
  if (verdict.move) moveRequest(d, 'GRABBING', reason);
  else if (verdict.late) d.note(`${reason} — ignored, already ${STATE_LABELS[d.r.state]}`);
  return 'grabbed';
}

function grabEpisodes(d: Draft, ev: GrabbedEvent, release: string, newHash: boolean, record: (upgrade: boolean) => void): string {
  noteIgnoredEpisodes(d, ev.episodes);
  recordVouched(d, ev.episodes);
  const upgrades: Episode[] = [];
  const regrabs: EpisodeRef[] = [];
  const fresh: EpisodeRef[] = [];
  const replaced = new Set<string>();
  for (const ref of ev.episodes) {
    const ep = d.r.episodes[episodeKey(ref.season, ref.episode)];
    const other = newHash && ep?.hash !== ev.hash;
    if (ep && (ep.upgrade || (other && imported(ep.state)))) {
      upgrades.push(ep);
    } else if (ep && (ep.state === 'FAILED' || ep.state === 'DELETED' || (other && ep.hash && pastGrab(ep.state)))) {
      regrabs.push(ref);
      if (ep.hash && ep.hash !== ev.hash) replaced.add(ep.hash);
    } else {
      fresh.push(ref);
    }
  }
  record(upgrades.length > 0 && regrabs.length === 0 && fresh.length === 0);
  // The new download's progress starts over; the old one no longer moves these episodes.
  const attach = (ep: Episode) => ({ hash: ev.hash, release, ...(ep.hash && ep.hash !== ev.hash ? { progress: null } : {}) });
  if (regrabs.length) moveEpisodes(d, regrabs, 'GRABBING', `Re-grabbed by ${d.sourceLabel}: ${release}`, true, attach);
  if (fresh.length) moveEpisodes(d, fresh, 'GRABBING', `Grabbed by ${d.sourceLabel}: ${release}`, false, attach);
  if (upgrades.length) {
    const make = (ep: Episode) => (ep.upgrade && ep.upgrade.hash === ev.hash ? ep.upgrade : newUpgrade(ev.hash, release, d.at));
    setEpisodeUpgrades(d, upgrades, make, `Upgrade grabbed by ${d.sourceLabel}: ${release}`);
  }
  supersede(d, replaced);
  return upgrades.length && !regrabs.length && !fresh.length ? 'upgrade' : regrabs.length ? 'regrab' : 'grabbed';
}

/** qBittorrent fetching a magnet's metadata: grabbed, nothing to download yet. */
function fetchingMetadata(ev: DownloadProgressEvent): boolean {
  return ev.client_state === 'metaDL' || ev.client_state === 'forcedMetaDL';
}

export function onProgress(d: Draft, ev: DownloadProgressEvent): string {
  const dl = d.r.downloads[ev.hash];
  if (!dl) return 'unknown download';
  if (dl.superseded) return 'superseded';
  if (ev.removed) {
    if (!dl.removed && !dl.complete) d.set('downloads', { ...d.r.downloads, [ev.hash]: { ...dl, removed: true, speed_bps: null, eta_s: null } });
    return 'removed';
  }
  const next: Download = {
    ...dl,
    progress: ev.progress,
    speed_bps: ev.speed_bps,
    eta_s: ev.eta_s,
    size: ev.size ?? dl.size,
    complete: ev.complete || dl.complete,
    client_state: ev.client_state ?? dl.client_state ?? null,
    seeds: ev.seeds ?? dl.seeds ?? null,
    progress_at: ev.progress !== dl.progress || !dl.progress_at ? d.at : dl.progress_at,
    removed: false,
    ...(ev.size_left !== undefined ? { size_left: ev.size_left } : {}),
    ...(ev.client ? { client: ev.client } : {}),
    ...(ev.protocol ? { protocol: ev.protocol } : {}),
  };
  if (JSON.stringify(next) !== JSON.stringify(dl)) d.set('downloads', { ...d.r.downloads, [ev.hash]: next });
  if (fetchingMetadata(ev) && !ev.complete) return 'fetching metadata';
  const stage = ev.complete ? 'DOWNLOADED' : 'DOWNLOADING';
  // Progress the PVR's queue reports names the client it comes from.
  const where = ev.client && ev.client !== d.sourceLabel ? `${ev.client} (${d.sourceLabel}'s queue)` : d.sourceLabel;
  if (!isTv(d)) {
    if (d.r.upgrade?.hash === ev.hash) {
      setMovieUpgrade(d, advance(d.r.upgrade, stage, ev.progress), `Upgrade ${ev.complete ? 'downloaded' : 'downloading'} in ${d.sourceLabel}`);
      return 'upgrade progress';
    }
    if (dl.upgrade) return 'upgrade progress';
    if (judge(d.r.state, stage).move) moveRequest(d, stage, ev.complete ? `Download complete in ${where}` : `Downloading in ${where}`);
    return 'progress';
  }
  const upgrading = upgradingWith(d.r, ev.hash);
  if (upgrading.length) setEpisodeUpgrades(d, upgrading, (ep) => advance(ep.upgrade!, stage, ev.progress), `Upgrade ${ev.complete ? 'downloaded' : 'downloading'} in ${d.sourceLabel}`);
  const refs = Object.values(d.r.episodes).filter((e) => e.hash === ev.hash && !e.upgrade);
  const toMove = refs.filter((e) => judge(e.state, stage).move);
  if (toMove.length) moveEpisodes(d, toMove, stage, ev.complete ? `Download complete in ${where}` : `Downloading in ${where}`);
  for (const ep of refs) {
    const key = episodeKey(ep.season, ep.episode);
    const cur = d.r.episodes[key]!;
    if (cur.state === 'DOWNLOADING' && cur.progress !== ev.progress) d.setEpisode(key, { ...cur, progress: ev.progress });
  }
  return 'progress';
}

export function onImported(d: Draft, ev: ImportedEvent, verify: boolean): string {
  fillMedia(d, ev.media);
  fillArr(d, ev.arr);
  fillAnime(d, ev.anime);
  if (ev.hash) {
    // An import proves the download finished, even when its grab was never seen.
    const known = d.r.downloads[ev.hash];
    if (!known?.complete) putDownload(d, ev.hash, { complete: true, progress: 1, eta_s: 0 });
  }
  const first = ev.files[0];
  const fileName = first ? first.path.split(/[\\/]/).pop() : undefined;
  const how = ev.key.startsWith('reconcile:') ? ` (file found in ${d.sourceLabel}; no import event was received)` : ev.hash ? '' : ' (manual import)';
  const reason = `Imported by ${d.sourceLabel}${how}${fileName && !isTv(d) ? `: ${fileName}` : ''}`;
  // Without a library to check, the imported file is the playable one.
  const playableNow = !verify;
  if (!isTv(d)) {
    if (d.r.state === 'AVAILABLE' || d.r.upgrade) {
      if (first && d.r.file_path !== first.path) d.set('file_path', first.path);
      const u = d.r.upgrade ?? newUpgrade(ev.hash, fileName ?? null, d.at);
      setMovieUpgrade(d, advance(u, 'IMPORTING', 1), `Upgrade imported by ${d.sourceLabel}${fileName ? `: ${fileName}` : ''}`);
      if (playableNow) finishUpgrade(d, null, '');
      return 'upgrade imported';
    }
    if (first && d.r.file_path !== first.path) d.set('file_path', first.path);
    moveRequest(d, 'IMPORTING', reason, d.r.state === 'DELETED');
    return 'imported';
  }
  // Only episodes that have a file move; an import whose files could not be mapped moves all it lists.
  const byFile = new Map<string, string>();
  for (const file of ev.files) for (const ref of file.episodes) byFile.set(episodeKey(ref.season, ref.episode), file.path);
  const refs = byFile.size ? ev.episodes.filter((e) => byFile.has(episodeKey(e.season, e.episode))) : [...ev.episodes];
  const known = new Set(keysOf(refs));
  for (const file of ev.files) for (const ref of file.episodes) if (!known.has(episodeKey(ref.season, ref.episode))) refs.push(ref);
  noteIgnoredEpisodes(d, refs);
  recordVouched(d, refs);
  const epOf = (ref: EpisodeRef) => d.r.episodes[episodeKey(ref.season, ref.episode)];
  const upgrades = refs.map(epOf).filter((ep): ep is Episode => ep !== undefined && ep.state !== 'DELETED' && (ep.state === 'AVAILABLE' || Boolean(ep.upgrade)));
  const upgradeKeys = new Set(upgrades.map((e) => episodeKey(e.season, e.episode)));
  const deleted = refs.filter((ref) => epOf(ref)?.state === 'DELETED');
  const rest = refs.filter((ref) => !deleted.includes(ref) && !upgradeKeys.has(episodeKey(ref.season, ref.episode)));
  const withFile = (ep: Episode) => ({
    file_path: byFile.get(episodeKey(ep.season, ep.episode)) ?? ep.file_path,
    // The import proves which download held the file.
    hash: ev.hash ?? ep.hash,
  });
  if (deleted.length) moveEpisodes(d, deleted, 'IMPORTING', reason, true, withFile);
  if (rest.length) moveEpisodes(d, rest, 'IMPORTING', reason, false, withFile);
  if (upgrades.length) {
    const make = (ep: Episode) => advance(ep.upgrade ?? newUpgrade(ev.hash, null, d.at), 'IMPORTING', 1);
    setEpisodeUpgrades(d, upgrades, make, `Upgrade imported by ${d.sourceLabel}`);
    for (const ep of upgrades) {
      const key = episodeKey(ep.season, ep.episode);
      const path = byFile.get(key);
      const cur = d.r.episodes[key]!;
      if (path && cur.file_path !== path) d.setEpisode(key, { ...cur, file_path: path });
    }
    if (playableNow)
      finishUpgrade(
        d,
        upgrades.map((e) => d.r.episodes[episodeKey(e.season, e.episode)]!),
        '',
      );
  }
  return 'imported';
}

// "One or more episodes expected in this release were not imported or missing from the release"
// (Sonarr's words). "Episode 2x01 was not found in the grabbed release" is the opposite case: an
// extra file the grab did not expect, which is not a reason to search the expected ones again.
const MISSING = /missing from the release|were not imported/i;

/**
 * A completed download the *arr cannot import. When it says episodes are missing from the
 * release, those not imported from it go back to searching; the others wait for the user.
 */
export function onImportBlocked(d: Draft, ev: ImportBlockedEvent): string {
  if (!isTv(d)) {
    if (d.r.upgrade && (!ev.hash || d.r.upgrade.hash === ev.hash)) {
      setMovieUpgrade(d, advance(d.r.upgrade, 'DOWNLOADED', 1), `Upgrade downloaded in ${d.sourceLabel}`);
    } else if (d.r.state === 'AVAILABLE') {
      d.note(`${ev.message} — the available file is not affected`);
      return 'blocked (available)';
    } else {
      moveRequest(d, 'DOWNLOADED', `Download complete in ${d.sourceLabel}`);
    }
    setStuck(d, ev.message);
    return 'blocked';
  }
  recordVouched(d, ev.episodes);
  const ofHash = (e: Episode): boolean => ev.hash !== null && e.hash === ev.hash;
  const listed = new Set(keysOf(ev.episodes));
  const eps = Object.values(d.r.episodes).filter((e) => listed.has(episodeKey(e.season, e.episode)) || ofHash(e));
  const upgrading = ev.hash ? upgradingWith(d.r, ev.hash) : [];
  if (upgrading.length) setEpisodeUpgrades(d, upgrading, (ep) => advance(ep.upgrade!, 'DOWNLOADED', 1), `Upgrade downloaded in ${d.sourceLabel}`);
  const pending = eps.filter((e) => !e.upgrade && isPipeline(e.state) && rank(e.state) < rank('IMPORTING'));
  const fresh = ev.episodes.filter((ref) => !d.r.episodes[episodeKey(ref.season, ref.episode)]);
  const someImported = eps.some((e) => ofHash(e) && (e.state === 'AVAILABLE' || (isPipeline(e.state) && rank(e.state) >= rank('IMPORTING'))));
  if (MISSING.test(ev.message) && someImported && pending.length) {
    // The release did not hold these: Sonarr searches them again.
    const keys = pending.map((e) => episodeKey(e.season, e.episode));
    moveEpisodes(d, pending, 'SEARCHING', `Not in the downloaded release (${describeEpisodes(keys)}); ${ev.message}`, true, () => ({ hash: null, progress: null }));
    d.note(ev.message, { episodes: keys });
    return 'missing episodes';
  }
  if (pending.length || fresh.length) moveEpisodes(d, [...pending, ...fresh], 'DOWNLOADED' as EpisodeState, `Download complete in ${d.sourceLabel}`);
  setStuck(d, ev.message);
  return 'blocked';
}

export function onDownloadFailed(d: Draft, ev: DownloadFailedEvent): string {
  const reason = `Download failed: ${ev.message}`;
  if (!isTv(d)) {
    if (d.r.upgrade && (!ev.hash || d.r.upgrade.hash === ev.hash)) {
      failUpgrade(d, null, ev.message);
      return 'upgrade failed';
    }
    if (d.r.state === 'AVAILABLE' || (ev.hash && d.r.downloads[ev.hash]?.superseded)) {
      d.note(`${reason} — ignored, ${d.r.state === 'AVAILABLE' ? 'already available' : 'a later release replaced it'}`);
      return 'ignored';
    }
    moveRequest(d, 'FAILED', reason);
    return 'failed';
  }
  if (ev.hash) failUpgrade(d, upgradingWith(d.r, ev.hash), ev.message);
  const refs: EpisodeRef[] = ev.episodes.length ? ev.episodes : Object.values(d.r.episodes).filter((e) => ev.hash && e.hash === ev.hash);
  const open = refs.filter((ref) => {
    const ep = d.r.episodes[episodeKey(ref.season, ref.episode)];
    // A failure of a release the episode no longer follows (re-grabbed since) is history.
    if (!ep || (ev.hash && ep.hash && ep.hash !== ev.hash)) return false;
    return ep.state !== 'AVAILABLE' && ep.state !== 'DELETED';
  });
  moveEpisodes(d, open, 'FAILED', reason);
  return 'failed';
}

/** Requests whose downloads should still be watched: open ones, and finished ones with an upgrade in flight. */
export function hasUpgradeInFlight(r: MediaRequest): boolean {
  if (r.upgrade) return true;
  for (const ep of Object.values(r.episodes)) if (ep.upgrade) return true;
  return false;
}

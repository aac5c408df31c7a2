/**
 * Upgrades: a better release of something already playable. The request (or, for TV, the
 * episode) keeps AVAILABLE and carries an `upgrade` block that follows the new download;
 * when the new file is playable the block clears and `upgraded` is announced — never a
 * second `available`. A failed upgrade clears the block; the old file is still there.
 */
import type { Draft } from '../draft.js';
import { describeEpisodes } from '../episodes.js';
import { episodeKey, type Episode, type MediaRequest, type Upgrade } from '../model.js';

const ORDER: Record<Upgrade['state'], number> = { GRABBING: 0, DOWNLOADING: 1, DOWNLOADED: 2, IMPORTING: 3 };

export function newUpgrade(hash: string | null, release: string | null, at: string): Upgrade {
  return { state: 'GRABBING', progress: 0, release, hash, since: at };
}

/** Moves the block forward only; the same object when nothing changes. */
export function advance(u: Upgrade, state: Upgrade['state'], progress: number | null): Upgrade {
  const next = ORDER[state] > ORDER[u.state] ? state : u.state;
  const p = next === 'DOWNLOADING' ? progress : ORDER[next] >= ORDER.DOWNLOADED ? 1 : u.progress;
  return next === u.state && p === u.progress ? u : { ...u, state: next, progress: p };
}

/** An episode (or movie) the user can already play, or whose new file the *arr says replaces one. */
export function hasPlayable(state: string, upgrade: Upgrade | null | undefined): boolean {
  return state === 'AVAILABLE' || Boolean(upgrade);
}

/** Movie: the request's block; sets it and notes `what` when it changed. */
export function setMovieUpgrade(d: Draft, next: Upgrade, what: string): void {
  if (d.r.upgrade === next) return;
  const moved = !d.r.upgrade || d.r.upgrade.state !== next.state;
  d.set('upgrade', next);
  if (moved) d.note(what);
}

/** TV: sets the block of each episode; one timeline note for all of them. */
export function setEpisodeUpgrades(d: Draft, eps: readonly Episode[], make: (ep: Episode) => Upgrade, what: string): void {
  const moved: string[] = [];
  for (const given of eps) {
    // Re-read: an earlier step of the same event may have replaced the episode object.
    const ep = current(d, given);
    const next = make(ep);
    if (ep.upgrade === next) continue;
    if (!ep.upgrade || ep.upgrade.state !== next.state) moved.push(keyOf(ep));
    d.setEpisode(keyOf(ep), { ...ep, upgrade: next });
  }
  if (moved.length) d.note(`${what}: ${describeEpisodes(moved)}`, { episodes: moved });
}

/** The new file is playable: clear the block(s) and announce `upgraded`. */
export function finishUpgrade(d: Draft, eps: readonly Episode[] | null, how: string): void {
  if (eps === null) {
    const u = d.r.upgrade;
    if (!u) return;
    d.set('upgrade', null);
    d.note(`Upgrade playable${how}${u.release ? `: ${u.release}` : ''}`);
    d.effects.push({ type: 'upgraded', request_id: d.r.id, episodes: [], release: u.release, source: d.source });
    return;
  }
  const done = eps.map((e) => current(d, e)).filter((e) => e.upgrade);
  if (!done.length) return;
  for (const ep of done) d.setEpisode(keyOf(ep), { ...ep, upgrade: null });
  const keys = done.map(keyOf);
  const release = done[0]!.upgrade!.release;
  d.note(`Upgrade playable${how}: ${describeEpisodes(keys)}`, { episodes: keys });
  d.effects.push({ type: 'upgraded', request_id: d.r.id, episodes: keys, release, source: d.source });
}

/** The upgrade's download failed: drop the block, keep what is playable. */
export function failUpgrade(d: Draft, eps: readonly Episode[] | null, message: string): void {
  if (eps === null) {
    if (!d.r.upgrade) return;
    d.set('upgrade', null);
    d.note(`Upgrade failed in ${d.sourceLabel}: ${message}; the current file stays available`);
    return;
  }
  const failed = eps.map((e) => current(d, e)).filter((e) => e.upgrade);
  if (!failed.length) return;
  for (const ep of failed) d.setEpisode(keyOf(ep), { ...ep, upgrade: null });
  d.note(`Upgrade failed in ${d.sourceLabel}: ${message}; the current files stay available: ${describeEpisodes(failed.map(keyOf))}`);
}

/** Episodes whose upgrade follows this download. */
export function upgradingWith(r: MediaRequest, hash: string): Episode[] {
  return Object.values(r.episodes).filter((e) => e.upgrade?.hash === hash);
}

function current(d: Draft, ep: Episode): Episode {
  return d.r.episodes[keyOf(ep)] ?? ep;
}

/** A deleted movie or episode has nothing left to upgrade. */
export function dropUpgrades(d: Draft): void {
  if (d.r.upgrade) d.set('upgrade', null);
  for (const ep of Object.values(d.r.episodes)) if (ep.upgrade && ep.state === 'DELETED') d.setEpisode(keyOf(ep), { ...ep, upgrade: null });
}

function keyOf(ep: Episode): string {
  return episodeKey(ep.season, ep.episode);
}

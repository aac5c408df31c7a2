/**
 * Words for how far a request has come beyond its state: the episode count with the next air
 * date, an upgrade in flight, and one episode's line in the grid. Pure, shared by the card,
 * the detail and the episode grid.
 */
import { isState, STATE_LABELS, type EpisodePayload, type StatePayload, type UpgradePayload, type UpgradeState } from '../../../src/contract/index.js';
import { day, episodeCode, percent } from './format.js';

/** A pseudo-state for the grid and its legend: wanted, but not out yet. */
export const UNAIRED = 'UNAIRED';
export const UNAIRED_LABEL = 'Not aired yet';

const UPGRADE_WORDS: Record<UpgradeState, string> = {
  GRABBING: 'grabbed',
  DOWNLOADING: 'downloading',
  DOWNLOADED: 'downloaded',
  IMPORTING: 'importing',
};

/** TV: ["8/10 available", "next episode airs 2026-12-14"]: a narrow card breaks between them. */
export function availabilityParts(r: StatePayload): string[] {
  const parts = [`${r.episodes.available}/${r.episodes.total} available`];
  if (r.next_air_date) parts.push(`next episode airs ${day(r.next_air_date)}`);
  // Without an episode list the count is of the episodes seen so far, not of the season.
  else if (r.roster === null && r.state !== 'AVAILABLE' && r.episodes.total > 0) parts.push('episode list not read yet');
  return parts;
}

/** TV: "8/10 available · next episode airs 2026-12-14". */
export function availabilityText(r: StatePayload): string {
  return availabilityParts(r).join(' · ');
}

/**
 * When it should be watchable, as a person on the sofa wants it: "ready in ~25 min" within the
 * next 90 minutes, "ready around 21:40" (the viewer's clock) after that, "ready any moment now"
 * once the time has passed; null without an estimate. `why` says how it was made, for the hover.
 */
export function watchableText(r: Pick<StatePayload, 'watchable_at' | 'watchable_confidence'>, now: number, timeZone?: string): { text: string; why: string } | null {
  if (!r.watchable_at || r.watchable_confidence === 'unknown') return null;
  const at = Date.parse(r.watchable_at);
  if (!Number.isFinite(at)) return null;
  const why = r.watchable_confidence === 'history' ? 'Estimated from how long each stage took in this home' : 'Estimated from default stage durations (too little history here yet)';
  const left = (at - now) / 60_000;
  if (left <= 0.5) return { text: 'ready any moment now', why };
  if (left < 90) return { text: `ready in ~${Math.max(1, Math.round(left))} min`, why };
  const clock = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false, ...(timeZone ? { timeZone } : {}) });
  return { text: `ready around ${clock}`, why };
}

/** "downloading 42 %", "importing". */
export function upgradeStage(u: UpgradePayload): string {
  const p = u.state === 'DOWNLOADING' ? percent(u.progress) : '';
  return p ? `${UPGRADE_WORDS[u.state]} ${p}` : UPGRADE_WORDS[u.state];
}

/** "Upgrading: downloading 42 %", "Upgrading S01E01, S01E02: importing". */
export function upgradeText(u: UpgradePayload): string {
  const which = u.episodes.length === 0 ? '' : u.episodes.length <= 2 ? ` ${u.episodes.join(', ')}` : ` ${u.episodes.length} episodes`;
  return `Upgrading${which}: ${upgradeStage(u)}`;
}

/** What the grid shows for an episode: its state, or UNAIRED for a wanted episode that has not aired. */
export function shownState(e: EpisodePayload): string {
  return !e.aired && e.state !== 'AVAILABLE' ? UNAIRED : e.state;
}

export function stateLabel(state: string): string {
  if (state === UNAIRED) return UNAIRED_LABEL;
  return isState(state) ? STATE_LABELS[state] : state;
}

/** One episode in words: code and title, state, progress, air date, upgrade, release, file. */
export function episodeText(e: EpisodePayload): string {
  const state = shownState(e);
  const parts = [`${episodeCode(e.season, e.episode)}${e.title ? ` ${e.title}` : ''}`, stateLabel(state)];
  if (e.progress !== null && (e.state === 'DOWNLOADING' || e.state === 'GRABBING')) parts.push(percent(e.progress));
  if (e.air_date_utc) parts.push(`${state === UNAIRED ? 'airs' : 'aired'} ${day(e.air_date_utc)}`);
  if (e.upgrade) parts.push(`upgrade ${upgradeStage(e.upgrade)}${e.upgrade.release ? ` (${e.upgrade.release})` : ''}`);
  if (e.release) parts.push(`release: ${e.release}`);
  if (e.file) parts.push(`file: ${e.file}`);
  return parts.join(' · ');
}

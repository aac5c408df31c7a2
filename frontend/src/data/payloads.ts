/**
 * Parsers for what arrives on `media/<id>/{state,episodes,timeline}` and the integrations of
 * `media/bridge/info`: shape checks, and the fields a tracker older than the payload (or a
 * retained message it left) does not carry filled with what they mean when absent, so
 * components never test for `undefined`.
 */
import { isState, UPGRADE_STATES, type EpisodePayload, type IntegrationInfo, type IssuePayload, type StatePayload, type TimelineEntry, type UpgradePayload } from '../../../src/contract/index.js';
import { isObject, oneOf } from './guards.js';

const ROSTERS = ['sonarr', 'jellyseerr'] as const;
const WATCHABLE_CONFIDENCES = ['history', 'default', 'unknown'] as const;

const stringOrNull = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** An `upgrade` block, or null when absent or malformed (no upgrade is shown rather than a wrong one). */
export function parseUpgrade(x: unknown): UpgradePayload | null {
  if (!isObject(x)) return null;
  const state = oneOf(x.state, UPGRADE_STATES);
  if (!state || typeof x.since !== 'string') return null;
  return {
    state,
    progress: typeof x.progress === 'number' && Number.isFinite(x.progress) ? x.progress : null,
    release: stringOrNull(x.release),
    since: x.since,
    episodes: Array.isArray(x.episodes) ? x.episodes.filter((e): e is string => typeof e === 'string') : [],
  };
}

/** Open issues; a tracker older than issues sends none, and a malformed entry is left out. */
export function parseIssues(x: unknown): IssuePayload[] {
  if (!Array.isArray(x)) return [];
  return x.flatMap((i): IssuePayload[] => {
    if (!isObject(i) || typeof i.id !== 'number' || typeof i.since !== 'string') return [];
    const c = i.last_comment;
    const comment = isObject(c) && typeof c.message === 'string' ? { by: stringOrNull(c.by), message: c.message } : null;
    return [{ id: i.id, type: stringOrNull(i.type), reported_by: stringOrNull(i.reported_by), message: stringOrNull(i.message), last_comment: comment, since: i.since }];
  });
}

export function parseRequestState(x: unknown): StatePayload | null {
  if (
    !isObject(x) ||
    typeof x.id !== 'string' ||
    typeof x.title !== 'string' ||
    !isState(x.state) ||
    (x.media_type !== 'movie' && x.media_type !== 'tv') ||
    typeof x.updated_at !== 'string' ||
    !isObject(x.episodes)
  ) {
    return null;
  }
  return {
    ...(x as unknown as StatePayload),
    is_4k: x.is_4k === true,
    roster: oneOf(x.roster, ROSTERS),
    next_air_date: stringOrNull(x.next_air_date),
    upgrade: parseUpgrade(x.upgrade),
    // A tracker older than the estimates sends none: nothing can be said.
    watchable_at: stringOrNull(x.watchable_at),
    watchable_in_s: typeof x.watchable_in_s === 'number' && Number.isFinite(x.watchable_in_s) ? x.watchable_in_s : null,
    watchable_confidence: oneOf(x.watchable_confidence, WATCHABLE_CONFIDENCES) ?? 'unknown',
    issues: parseIssues(x.issues),
  };
}

/** Whether an air date is still ahead of `now` (an unknown or unreadable date counts as aired, as on the tracker). */
export function airsLater(airDate: string | null, now: number): boolean {
  if (!airDate) return false;
  const t = Date.parse(airDate);
  return Number.isFinite(t) && t > now;
}

export function parseEpisode(x: unknown, now: number = Date.now()): EpisodePayload | null {
  if (!isObject(x) || typeof x.season !== 'number' || typeof x.episode !== 'number' || typeof x.state !== 'string') return null;
  const air = stringOrNull(x.air_date_utc);
  return {
    ...(x as unknown as EpisodePayload),
    air_date_utc: air,
    aired: typeof x.aired === 'boolean' ? x.aired : !airsLater(air, now),
    upgrade: parseUpgrade(x.upgrade),
  };
}

export function parseTimelineEntry(x: unknown): TimelineEntry | null {
  return isObject(x) && typeof x.at === 'string' && typeof x.reason === 'string' ? (x as unknown as TimelineEntry) : null;
}

/** The integrations listed in `bridge/info` (labels of the services); malformed entries are left out. */
export function parseIntegrations(x: unknown): IntegrationInfo[] {
  if (!Array.isArray(x)) return [];
  return x.flatMap((i): IntegrationInfo[] =>
    isObject(i) && typeof i.id === 'string' && i.id !== '' && typeof i.label === 'string'
      ? [{ id: i.id, label: i.label, roles: Array.isArray(i.roles) ? i.roles.filter((r): r is string => typeof r === 'string') : [] }]
      : [],
  );
}

/**
 * "Last event received": when a webhook source was last heard from. Silence longer than
 * `no_event_warning_hours` is a warning, because a webhook that stopped arriving (a URL
 * changed, a connection deleted, a secret rotated) otherwise goes unnoticed (docs/lessons.md B3).
 */
import { makeCheck, subjectLabel, type DoctorCheck, type Subject } from './types.js';

const HOUR = 3_600_000;

export function ago(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'less than a minute';
  if (min < 120) return `${min} min`;
  const h = Math.round(ms / HOUR);
  return h < 72 ? `${h} h` : `${Math.round(ms / (24 * HOUR))} days`;
}

export interface EventClock {
  lastEvents: Record<string, string>;
  /** When the running tracker started; null when it is not running (the CLI). */
  startedAt: string | null;
  warnAfterHours: number;
  now: Date;
}

/** The newest of the given receipt keys (`sonarr/main`, `sonarr`). */
export function latestOf(events: Record<string, string>, keys: readonly string[]): string | null {
  let best: string | null = null;
  for (const k of keys) {
    const v = events[k];
    if (v && (!best || Date.parse(v) > Date.parse(best))) best = v;
  }
  return best;
}

export function lastEventCheck(s: Subject, keys: readonly string[], c: EventClock, optional = false): DoctorCheck {
  const label = subjectLabel(s);
  const last = latestOf(c.lastEvents, keys);
  const limit = c.warnAfterHours * HOUR;
  const now = c.now.getTime();
  if (last) {
    const age = now - Date.parse(last);
    if (!optional && limit > 0 && age > limit) {
      return makeCheck(
        s,
        'last_event',
        'warning',
        `No ${label} webhook for ${ago(age)}`,
        `The last one arrived at ${last}. If nothing was requested, grabbed or imported since, this is expected; otherwise run ${label}'s Test on the "Media Tracker" webhook, or auto-configuration.`,
        'autoconfigure',
      );
    }
    return makeCheck(s, 'last_event', 'ok', `Last ${label} webhook ${ago(age)} ago`, `at ${last}`);
  }
  if (optional) return makeCheck(s, 'last_event', 'skipped', `No ${label} webhook received (optional)`);
  const up = c.startedAt ? now - Date.parse(c.startedAt) : null;
  if (up !== null && (limit === 0 || up <= limit)) {
    return makeCheck(s, 'last_event', 'ok', `No ${label} webhook yet; the tracker started ${ago(up)} ago`);
  }
  return makeCheck(
    s,
    'last_event',
    'warning',
    up !== null ? `No ${label} webhook since the tracker started ${ago(up)} ago` : `No ${label} webhook was ever recorded`,
    `Webhooks are how the tracker hears about ${label} at once. Run auto-configuration, or ${label}'s Test on the "Media Tracker" webhook.`,
    'autoconfigure',
  );
}

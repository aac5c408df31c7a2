/**
 * Source health, decided from what the tracker already knows (pure: no I/O, no clock). A source
 * has a problem when its watcher cannot reach it (down, key refused), the doctor's last run
 * found an error or a warning, one of its instances reported a health check that has not been
 * restored (Sonarr/Radarr `Health` webhooks), or requests wait on its webhook and none came for
 * longer than the configured silence. docs/home-assistant.md shows what each looks like.
 */
import type { DoctorReport, SourceHealthMessage, SourceStatus, SourcesReport, WatcherStatus } from '../../contract/index.js';
import type { MediaRequest } from '../../domain/model.js';
import { ago, latestOf } from '../../doctor/events.js';

export interface SourceSubject {
  integration: string;
  label: string;
  /** It sends webhooks the tracker waits for: silence is a sign of trouble. */
  webhook: boolean;
}

/** Requests waiting on one source's next event: how many, and since when the oldest has. */
export interface Waiting {
  count: number;
  /** Epoch ms: the oldest wait's start. */
  since: number;
}

export interface AssessInput {
  now: Date;
  subjects: readonly SourceSubject[];
  lastEvents: Readonly<Record<string, string>>;
  watchers: readonly WatcherStatus[];
  doctor: DoctorReport | null;
  health: readonly (SourceHealthMessage & { integration: string })[];
  waiting: ReadonlyMap<string, Waiting>;
  /** Silence (ms) after which waiting requests make a webhook source a problem; 0: never. */
  silenceMs: number;
}

/** Health levels that are a problem (Sonarr/Radarr send `warning` and `error`; `notice` and `ok` are not). */
const PROBLEM_LEVELS = new Set(['warning', 'error']);

/**
 * The source whose next event a request in this state waits for, as the stuck monitor reads the
 * stages (features/stuck): the PVR after an approval and after a download, the library after an
 * import (Shoko for anime, then Jellyfin through Shokofin). Null: a person, a download client or
 * nothing.
 */
export function waitsOn(r: Pick<MediaRequest, 'state' | 'media_type' | 'is_anime' | 'arr'>): string | null {
  const pvr = r.arr?.service ?? (r.media_type === 'tv' ? 'sonarr' : 'radarr');
  switch (r.state) {
    case 'APPROVED':
    case 'DOWNLOADED':
      return pvr;
    case 'IMPORTING':
      return r.is_anime ? 'shoko' : 'jellyfin';
    case 'ANIME_MATCHING':
      return 'jellyfin';
    default:
      return null;
  }
}

/** Per source, the requests waiting on it. */
export function collectWaiting(requests: Iterable<Pick<MediaRequest, 'state' | 'media_type' | 'is_anime' | 'arr' | 'state_since'>>): Map<string, Waiting> {
  const out = new Map<string, Waiting>();
  for (const r of requests) {
    const source = waitsOn(r);
    if (!source) continue;
    const since = Date.parse(r.state_since);
    const w = out.get(source);
    if (!w) out.set(source, { count: 1, since });
    else {
      w.count++;
      if (since < w.since) w.since = since;
    }
  }
  return out;
}

/** `sonarr/main/reconcile` → `sonarr` and `main`; `jellyfin` → `jellyfin` and null. */
function watcherParts(name: string): { integration: string; instance: string | null } {
  const [integration = name, instance = null] = name.split('/');
  return { integration, instance };
}

const named = (label: string, instance: string | null, integration: string) => (instance && instance !== integration ? `${label} (${instance})` : label);

function assessOne(s: SourceSubject, input: AssessInput): SourceStatus {
  const now = input.now.getTime();
  const reasons: string[] = [];
  for (const w of input.watchers) {
    const { integration, instance } = watcherParts(w.name);
    // A watcher that has not finished its first cycle has no verdict yet.
    if (integration !== s.integration || w.healthy || !w.last_error) continue;
    // Most errors already name their service (`sonarr/4k: …`, `Shoko: …`): not twice.
    const lower = w.last_error.toLowerCase();
    const says = lower.startsWith(s.label.toLowerCase()) || lower.startsWith(s.integration);
    reasons.push(says ? w.last_error : `${named(s.label, instance, s.integration)}: ${w.last_error}`);
  }
  const checks = input.doctor?.checks.filter((c) => c.integration === s.integration) ?? [];
  for (const c of checks) if (c.status === 'error' || c.status === 'warning') reasons.push(c.summary);
  const health = input.health.filter((h) => h.integration === s.integration).map(({ integration: _, ...h }) => h);
  for (const h of health) if (PROBLEM_LEVELS.has(h.level)) reasons.push(`${named(s.label, h.instance, s.integration)} reports: ${h.message}`);
  // Receipts are kept per `source[/instance]`.
  const keys = Object.keys(input.lastEvents).filter((k) => k === s.integration || k.startsWith(`${s.integration}/`));
  const last = latestOf(input.lastEvents as Record<string, string>, keys);
  const waiting = input.waiting.get(s.integration);
  if (s.webhook && waiting && input.silenceMs > 0) {
    // Silent since the later of its last webhook and the oldest wait's start.
    const quietSince = Math.max(waiting.since, last ? Date.parse(last) : Number.NEGATIVE_INFINITY);
    const quiet = now - quietSince;
    if (quiet > input.silenceMs) {
      const who = waiting.count === 1 ? 'a request waits' : `${waiting.count} requests wait`;
      reasons.push(`No ${s.label} webhook for ${ago(quiet)} while ${who} on it`);
    }
  }
  return { integration: s.integration, label: s.label, problem: reasons.length > 0, reasons, last_event: last, health, checked_at: input.doctor?.checked_at ?? null };
}

export function assessSources(input: AssessInput): SourcesReport {
  const sources = input.subjects.map((s) => assessOne(s, input));
  return { updated_at: input.now.toISOString(), ok: sources.every((s) => !s.problem), sources };
}

/** Two reports say the same (their time apart): nothing to publish. */
export function sameReport(a: SourcesReport | null, b: SourcesReport): boolean {
  if (!a) return false;
  return JSON.stringify(a.sources) === JSON.stringify(b.sources);
}

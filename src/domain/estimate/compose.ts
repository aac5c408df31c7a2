/**
 * When a request (and each wanted episode) should be watchable: the download client's ETA for
 * the bytes still to come, plus the learned durations of the stages still ahead. Without a grab
 * there is nothing to time (the wait for a release has no history worth the name), and a
 * stalled download or a raised problem has no honest ETA: both say `unknown` rather than guess.
 */
import { STATE_LABELS, type State } from '../states.js';
import type { Download, Episode, MediaRequest } from '../model.js';
import { estimateStage, type LearnedDurations, type StageEstimateResult } from './learn.js';
import { kindOf, type MediaKind, type Stage } from './stages.js';

export type Confidence = 'history' | 'default' | 'unknown';

export interface StageAhead {
  stage: Stage;
  seconds: number;
  /** `client`: the download client's ETA; else where the learned duration came from. */
  source: 'history' | 'default' | 'client';
  /** The current stage already ran past its 90th percentile: it is counted as about to end. */
  overdue?: boolean;
}

export interface Estimate {
  state: State;
  watchable_at: string | null;
  watchable_in_s: number | null;
  confidence: Confidence;
  /** Why there is no estimate (`unknown`), in plain words; null otherwise. */
  why: string | null;
  stages: StageAhead[];
}

/** TV carries one estimate per wanted episode not yet watchable; the request's is the last of them. */
export interface RequestEstimate extends Estimate {
  episodes: Record<string, Estimate>;
}

/** The download of what is being estimated, as far as the client says. */
export interface DownloadLeft {
  eta_s: number | null;
  /** Of the slowest download in flight; null when unknown. */
  progress: number | null;
  stalled: boolean;
}

// Client states of a download that is not moving (qBittorrent `stalledDL`, a paused or failed
// item in SABnzbd/NZBGet/Deluge, a PVR queue `warning`): its ETA, if any, means nothing.
const NOT_MOVING = /stall|paus|stop|error|fail|warn/i;

/** The in-flight downloads among `hashes` (every one the request follows when null). */
export function downloadLeft(r: MediaRequest, hashes: readonly string[] | null): DownloadLeft | null {
  const wanted = hashes?.map((h) => h.toLowerCase());
  const live = Object.entries(r.downloads)
    .filter(([hash, d]) => !d.superseded && !d.upgrade && !d.complete && !d.removed && (!wanted || wanted.includes(hash)))
    .map(([, d]) => d);
  if (live.length === 0) return null;
  let eta: number | null = null;
  let progress: number | null = null;
  for (const d of live) {
    if (d.eta_s !== null) eta = Math.max(eta ?? 0, d.eta_s);
    progress = progress === null ? d.progress : Math.min(progress, d.progress);
  }
  const stalled = live.every((d: Download) => d.eta_s === null && Boolean(d.client_state && NOT_MOVING.test(d.client_state)));
  return { eta_s: eta, progress, stalled };
}

const unknown = (state: State, why: string, stages: StageAhead[] = []): Estimate => ({ state, watchable_at: null, watchable_in_s: null, confidence: 'unknown', why, stages });

const isAnime = (kind: MediaKind) => kind === 'anime_movie' || kind === 'anime_tv';

/**
 * The stages from the import on. Anime normally goes through Shoko; an anime kind whose history
 * shows direct IMPORTING → AVAILABLE and no Shoko match (a home without Shoko) goes that way.
 */
function afterImport(learned: LearnedDurations, kind: MediaKind, instance: string | null, now: string): Stage[] {
  if (!isAnime(kind)) return ['library'];
  const match = estimateStage(learned, 'match', kind, instance, now);
  const library = estimateStage(learned, 'library', kind, instance, now);
  return match.source === 'default' && library.source === 'history' ? ['library'] : ['match', 'anime_library'];
}

/** What is still ahead, from the stage the state is in. */
function pathFrom(state: State, post: Stage[]): Stage[] | null {
  // Shoko already matching: whatever the history says about homes without it.
  if (state === 'ANIME_MATCHING') return ['anime_library'];
  const path: Stage[] = ['grab', 'start', 'download', 'import', ...post];
  const first: Partial<Record<State, Stage>> = {
    APPROVED: 'grab',
    SEARCHING: 'grab',
    GRABBING: 'start',
    DOWNLOADING: 'download',
    DOWNLOADED: 'import',
    IMPORTING: post[0],
  };
  const stage = first[state];
  const i = stage ? path.indexOf(stage) : -1;
  return i >= 0 ? path.slice(i) : null;
}

/** Time left in a stage already `elapsed` seconds in: past the median, expect the 90th percentile. */
function remaining(d: StageEstimateResult, elapsed: number): { seconds: number; overdue: boolean } {
  if (elapsed < d.median_s) return { seconds: d.median_s - elapsed, overdue: false };
  if (elapsed < d.p90_s) return { seconds: d.p90_s - elapsed, overdue: false };
  return { seconds: 0, overdue: true };
}

interface Subject {
  state: State;
  /** When the current state was entered. */
  since: string;
  /** A known future air date (TV episodes): the grab cannot start before it. */
  airs: string | null;
  /** When it became watchable, for the AVAILABLE state. */
  availableAt: string | null;
  download: DownloadLeft | null;
  /** A raised problem (`stuck`), in plain words. */
  problem: string | null;
}

function estimateSubject(s: Subject, learned: LearnedDurations, kind: MediaKind, instance: string | null, now: string): Estimate {
  if (s.state === 'AVAILABLE') return { state: s.state, watchable_at: s.availableAt ?? s.since, watchable_in_s: 0, confidence: 'history', why: null, stages: [] };
  if (s.state === 'FAILED' || s.state === 'DECLINED' || s.state === 'DELETED') return unknown(s.state, STATE_LABELS[s.state]);
  if (s.state === 'REQUESTED') return unknown(s.state, 'waiting for approval');
  if (s.problem) return unknown(s.state, s.problem);
  const nowMs = Date.parse(now);
  const unaired = s.airs !== null && Date.parse(s.airs) > nowMs;
  const waiting = s.state === 'APPROVED' || s.state === 'SEARCHING';
  if (waiting && !unaired) return unknown(s.state, 'nothing grabbed yet');
  const path = pathFrom(s.state, afterImport(learned, kind, instance, now));
  if (!path) return unknown(s.state, `no estimate while ${STATE_LABELS[s.state]}`);
  // An unaired episode waiting for its release starts at its air date; otherwise (an early
  // release grabbed before it airs included) the first stage is under way.
  const fromAir = waiting && unaired;
  const base = fromAir ? Date.parse(s.airs!) : nowMs;
  const elapsed = fromAir ? 0 : Math.max(0, (nowMs - Date.parse(s.since)) / 1000);
  const eta = s.download?.eta_s ?? null;
  const stages: StageAhead[] = [];
  // Summed unrounded: the current stage's remainder is anchored to when it began, so the same
  // inputs give the same time whenever they are looked at (a restart republishes it unchanged).
  let exact = 0;
  for (const [i, stage] of path.entries()) {
    // A client already giving an ETA has started: the ETA covers the rest of the download.
    if (stage === 'start' && eta !== null) continue;
    if (stage === 'download' && eta !== null) {
      exact += eta;
      stages.push({ stage, seconds: Math.round(eta), source: 'client' });
      continue;
    }
    if (stage === 'download' && s.download?.stalled) return unknown(s.state, 'download stalled', stages);
    const learnedStage = estimateStage(learned, stage, kind, instance, now);
    let seconds = learnedStage.median_s;
    let overdue = false;
    if (stage === 'download' && s.state === 'DOWNLOADING' && s.download?.progress != null) {
      // No ETA but a progress: the learned duration scaled to what is left.
      seconds = learnedStage.median_s * (1 - Math.min(1, Math.max(0, s.download.progress)));
    } else if (i === 0 && !fromAir) {
      ({ seconds, overdue } = remaining(learnedStage, elapsed));
    }
    exact += seconds;
    stages.push({ stage, seconds: Math.round(seconds), source: learnedStage.source, ...(overdue ? { overdue } : {}) });
  }
  const at = Math.round(base + exact * 1000);
  return {
    state: s.state,
    watchable_at: new Date(at).toISOString(),
    watchable_in_s: Math.max(0, Math.round((at - nowMs) / 1000)),
    confidence: stages.some((x) => x.source === 'default') ? 'default' : 'history',
    why: null,
    stages,
  };
}

function episodeSince(ep: Episode, fallback: string): string {
  return ep.history[ep.history.length - 1]?.at ?? fallback;
}

const RANK: Record<Confidence, number> = { unknown: 0, default: 1, history: 2 };

/**
 * The estimate for a request. `downloadEtaS` is the client's ETA for the request's remaining
 * bytes when the caller has it (the state payload's `eta_s`); left out, it is read from the
 * request's downloads. TV with episodes is estimated per wanted episode (its own download, its
 * air date), and the request is watchable when the last of them is.
 */
export function estimateWatchable(r: MediaRequest, learned: LearnedDurations, now: string, downloadEtaS?: number | null): RequestEstimate {
  const kind = kindOf(r);
  const instance = r.arr?.instance ?? null;
  const problem = r.stuck?.reason ?? null;
  const wanted = Object.entries(r.episodes).filter(([, ep]) => ep.monitored !== false && ep.state !== 'DELETED');
  if (r.media_type === 'movie' || wanted.length === 0) {
    const left = downloadLeft(r, null);
    const download = downloadEtaS === undefined ? left : { eta_s: downloadEtaS, progress: left?.progress ?? null, stalled: downloadEtaS === null && Boolean(left?.stalled) };
    const one = estimateSubject({ state: r.state, since: r.state_since, airs: null, availableAt: r.available_at ?? null, download, problem }, learned, kind, instance, now);
    return { ...one, episodes: {} };
  }
  const episodes: Record<string, Estimate> = {};
  // Episodes of one pack share their state, its start, their download and air date: one estimate
  // serves them all (a 100-episode request is asked on every change it gets).
  const same = new Map<string, Estimate>();
  const downloads = new Map<string, DownloadLeft | null>();
  for (const [key, ep] of wanted) {
    if (ep.state === 'AVAILABLE') continue;
    let download: DownloadLeft | null = null;
    if (ep.hash) {
      if (!downloads.has(ep.hash)) downloads.set(ep.hash, downloadLeft(r, [ep.hash]));
      download = downloads.get(ep.hash)!;
    }
    const since = episodeSince(ep, r.state_since);
    const inputs = `${ep.state}|${since}|${ep.air_date_utc ?? ''}|${ep.hash ?? ''}`;
    let e = same.get(inputs);
    if (!e) {
      e = estimateSubject({ state: ep.state, since, airs: ep.air_date_utc, availableAt: null, download, problem }, learned, kind, instance, now);
      same.set(inputs, e);
    }
    episodes[key] = e;
  }
  const keys = Object.keys(episodes).sort();
  if (keys.length === 0) {
    return { state: r.state, watchable_at: r.available_at ?? r.state_since, watchable_in_s: 0, confidence: 'history', why: null, stages: [], episodes };
  }
  const blocked = keys.find((k) => episodes[k]!.confidence === 'unknown');
  if (blocked) return { ...unknown(r.state, `${blocked}: ${episodes[blocked]!.why}`), episodes };
  let last = episodes[keys[0]!]!;
  let confidence: Confidence = 'history';
  for (const k of keys) {
    const e = episodes[k]!;
    if (e.watchable_at! > last.watchable_at!) last = e;
    if (RANK[e.confidence] < RANK[confidence]) confidence = e.confidence;
  }
  return { ...last, state: r.state, confidence, episodes };
}

/** Anything but a new state is republished at most this often. */
export const PUBLISH_INTERVAL_S = 30;
/** A move smaller than this (and than `DRIFT_SHARE` of the time left) is not news. */
export const DRIFT_MIN_S = 60;
export const DRIFT_SHARE = 0.1;

export interface Published {
  estimate: RequestEstimate;
  /** When it was published (ISO). */
  at: string;
}

/** Publish now, or not; `recheck_in_s` says when a held-back move may go out (null: nothing pending). */
export type PublishDecision = { publish: true } | { publish: false; recheck_in_s: number | null };

/** What it says beyond when: confidence, the reason, whether there is a time, the stages and their sources. */
function saysOtherwise(a: Estimate, b: Estimate): boolean {
  if (a.confidence !== b.confidence || a.why !== b.why) return true;
  if ((a.watchable_at === null) !== (b.watchable_at === null)) return true;
  return a.stages.map((x) => `${x.stage}:${x.source}`).join() !== b.stages.map((x) => `${x.stage}:${x.source}`).join();
}

/** Whether the estimate moved past the drift threshold. */
function drifted(a: Estimate, b: Estimate, nowMs: number): boolean {
  if (a.watchable_at === null || b.watchable_at === null) return false;
  const next = Date.parse(b.watchable_at);
  const moved = Math.abs(next - Date.parse(a.watchable_at)) / 1000;
  const left = Math.max(0, (next - nowMs) / 1000);
  return moved > Math.max(DRIFT_MIN_S, DRIFT_SHARE * left);
}

/**
 * Whether a new estimate goes out. A new state (of the request or an episode) or an episode
 * added or done goes out at once: those are the inputs changing, and they come from real events.
 * Anything else (a move past max(60 s, 10 % of the time left), a new confidence, the client's ETA
 * appearing or going) goes out at most once per 30 s: a client whose ETA jitters, or comes and
 * goes with its peers, would otherwise republish a retained payload every few seconds. A move
 * smaller than that is not news at all.
 */
export function shouldPublish(prev: Published | null, next: RequestEstimate, now: string): PublishDecision {
  if (!prev) return { publish: true };
  const p = prev.estimate;
  const keys = new Set([...Object.keys(p.episodes), ...Object.keys(next.episodes)]);
  const pairs: [Estimate, Estimate][] = [[p, next]];
  for (const k of keys) {
    const a = p.episodes[k];
    const b = next.episodes[k];
    if (!a || !b) return { publish: true };
    pairs.push([a, b]);
  }
  if (pairs.some(([a, b]) => a.state !== b.state)) return { publish: true };
  const nowMs = Date.parse(now);
  if (!pairs.some(([a, b]) => saysOtherwise(a, b) || drifted(a, b, nowMs))) return { publish: false, recheck_in_s: null };
  const since = (nowMs - Date.parse(prev.at)) / 1000;
  if (since >= PUBLISH_INTERVAL_S) return { publish: true };
  return { publish: false, recheck_in_s: Math.ceil(PUBLISH_INTERVAL_S - since) };
}

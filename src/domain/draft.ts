/**
 * A copy-on-write working copy of a request. Stored requests are never mutated, so a
 * snapshot can serialise them while new events are being applied.
 */
import type { Source } from './events.js';
import { APPLIED_LIMIT, TIMELINE_LIMIT, type Episode, type MediaRequest, type TimelineEntry } from './model.js';
import type { State } from './states.js';

export type Effect =
  /** The request's state changed: published once on `media/<id>/event`. */
  | {
      type: 'transition';
      request_id: string;
      from: State | null;
      to: State;
      reason: string;
      source: Source;
      episodes: string[];
      /** A return to AVAILABLE after the first: published as `episodes_available`. */
      repeat?: boolean;
      /** Imported history (see MediaRequest.history_since): stored and published as state, not as an event. */
      quiet?: boolean;
    }
  /** Episodes became available without the request's own state changing. */
  | { type: 'episodes_available'; request_id: string; episodes: string[]; source: Source }
  /** An upgrade became playable: announced instead of a second `available`. */
  | { type: 'upgraded'; request_id: string; episodes: string[]; release: string | null; source: Source }
  /** The request is removed from the tracker (its topics and HA device are cleared). */
  | { type: 'forget'; request_id: string };

export class Draft {
  readonly r: MediaRequest;
  readonly effects: Effect[] = [];
  changed = false;
  /** This event's transitions are stored and published as state, not announced (imported history). */
  quiet = false;
  private episodesCopied = false;

  constructor(
    base: MediaRequest,
    readonly at: string,
    readonly source: Source,
    /** The source's name in timeline reasons. */
    readonly sourceLabel: string,
  ) {
    this.r = { ...base };
  }

  touch(): void {
    this.changed = true;
  }

  set<K extends keyof MediaRequest>(key: K, value: MediaRequest[K]): void {
    if (this.r[key] === value) return;
    this.r[key] = value;
    this.changed = true;
  }

  setEpisode(key: string, ep: Episode): void {
    if (this.r.episodes[key] === ep) return;
    if (!this.episodesCopied) {
      this.r.episodes = { ...this.r.episodes };
      this.episodesCopied = true;
    }
    this.r.episodes[key] = ep;
    this.changed = true;
  }

  /** Drops an episode from the roster (unmonitored or removed upstream before anything happened to it). */
  deleteEpisode(key: string): void {
    if (!(key in this.r.episodes)) return;
    if (!this.episodesCopied) {
      this.r.episodes = { ...this.r.episodes };
      this.episodesCopied = true;
    }
    delete this.r.episodes[key];
    this.changed = true;
  }

  note(reason: string, extra: Partial<TimelineEntry> = {}): void {
    const entry: TimelineEntry = { at: this.at, source: this.source, reason, ...extra };
    this.r.timeline = [...this.r.timeline, entry].slice(-TIMELINE_LIMIT);
    this.changed = true;
  }

  /** Records a state change: timeline, effect, `state_since`; fresh evidence clears `stuck`. */
  transition(to: State, reason: string, episodes: string[] = []): void {
    const from = this.r.state;
    if (from === to) return;
    // Imported history is recorded, not announced: nobody is waiting for it.
    const quiet = this.quiet || Boolean(this.r.history_since);
    this.r.state = to;
    this.r.state_since = this.at;
    if (to === 'AVAILABLE' && this.r.history_since) {
      this.r.state_since = this.r.history_since < this.at ? this.r.history_since : this.at;
      this.r.available_at ??= this.r.state_since;
      this.r.history_since = null;
    }
    // Fresh evidence of progress clears a flag, except one that names a problem at the new stage itself.
    if (to !== 'FAILED') this.r.stuck = null;
    this.note(reason, { from, to, ...(episodes.length ? { episodes } : {}) });
    // One "ready" per request for its whole life: a later return to AVAILABLE (a new episode
    // added to an already complete season, a re-download after a delete) is not announced as one.
    const repeat = to === 'AVAILABLE' && Boolean(this.r.available_at);
    if (to === 'AVAILABLE' && !this.r.available_at) this.r.available_at = this.at;
    this.effects.push({ type: 'transition', request_id: this.r.id, from, to, reason, source: this.source, episodes, ...(repeat ? { repeat } : {}), ...(quiet ? { quiet } : {}) });
  }

  markApplied(key: string): void {
    this.r.applied = [...this.r.applied, key].slice(-APPLIED_LIMIT);
  }

  finish(): MediaRequest {
    if (this.changed) this.r.updated_at = this.at;
    return this.r;
  }
}

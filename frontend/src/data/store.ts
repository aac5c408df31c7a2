/**
 * The panel's single source of truth: a reducer over the MQTT messages of the contract
 * (docs/mqtt.md). Components never see MQTT; they read this store and subscribe to its
 * changes, which are batched (a retained replay of 10,000 requests is 30,000 messages, and
 * the list must not be recomputed for each).
 */
import { Topics, type BridgeInfo, type BridgeState, type DoctorReport, type EpisodePayload, type StatePayload, type TimelineEntry } from '../../../src/contract/index.js';
import { parseDoctorReport } from './doctor.js';
import { isObject } from './guards.js';
import { parseEpisode, parseIntegrations, parseRequestState, parseTimelineEntry } from './payloads.js';

export interface RequestRecord {
  /** Null while only the episodes or timeline arrived (they are published before the state). */
  readonly state: StatePayload | null;
  readonly episodes: readonly EpisodePayload[] | null;
  readonly timeline: readonly TimelineEntry[] | null;
}

export interface StoreChange {
  /** Requests whose state, episodes or timeline changed (or disappeared). */
  readonly ids: ReadonlySet<string>;
  /** `bridge/state`, `bridge/info` or `bridge/doctor` changed. */
  readonly bridge: boolean;
  /** The first retained replay is complete (`synced` turned true). */
  readonly synced: boolean;
  readonly revision: number;
}

export type StoreListener = (change: StoreChange) => void;
/**
 * Schedules a flush of pending changes. `replaying` is true while a retained replay is being
 * received and the first batch of it has already been delivered: thousands of messages are
 * still to come, so the list is better redrawn a few times a second than twenty.
 */
export type Scheduler = (flush: () => void, replaying: boolean) => void;

export interface StoreOptions {
  /** Base topic; `media` unless the tracker was configured otherwise. */
  base?: string;
  /** How change notifications are batched; default: one macrotask later. */
  schedule?: Scheduler;
}

const EMPTY: RequestRecord = { state: null, episodes: null, timeline: null };

export class RequestStore {
  readonly base: string;
  readonly topics: Topics;
  private readonly records = new Map<string, RequestRecord>();
  private readonly listeners = new Set<StoreListener>();
  private readonly schedule: Scheduler;
  private pending: { ids: Set<string>; bridge: boolean; synced: boolean } | null = null;
  private list: StatePayload[] | null = null;
  private unconfirmed: Set<string> | null = null;
  /** States received since `beginResync()` (null outside a replay). */
  private replayed: Set<string> | null = null;
  private flushedDuringReplay = false;
  private _revision = 0;
  private _requestsRevision = 0;
  private _bridgeState: BridgeState = 'unknown';
  private _bridgeInfo: BridgeInfo | null = null;
  private _doctor: DoctorReport | null = null;
  private _synced = false;
  /** Messages that could not be understood (bad JSON, wrong shape); they are ignored. */
  invalid = 0;

  constructor(opts: StoreOptions = {}) {
    this.base = opts.base ?? 'media';
    this.topics = new Topics(this.base);
    this.schedule = opts.schedule ?? ((flush) => setTimeout(flush, 0));
  }

  get revision(): number {
    return this._revision;
  }

  /** Changes only when a request changed (not on bridge messages): the list's cache key. */
  get requestsRevision(): number {
    return this._requestsRevision;
  }

  get bridgeState(): BridgeState {
    return this._bridgeState;
  }

  get bridgeInfo(): BridgeInfo | null {
    return this._bridgeInfo;
  }

  /** The doctor's last report; null until the tracker published one. */
  get doctor(): DoctorReport | null {
    return this._doctor;
  }

  /**
   * Whether the broker's retained replay has been received at least once: until then a
   * missing request may simply not have arrived yet ("loading" rather than "not found").
   */
  get synced(): boolean {
    return this._synced;
  }

  get size(): number {
    return this.requests().length;
  }

  get(id: string): RequestRecord | undefined {
    return this.records.get(id);
  }

  /** Every request with a known state, in no particular order (cached until the next change). */
  requests(): readonly StatePayload[] {
    if (!this.list) {
      this.list = [];
      for (const r of this.records.values()) if (r.state) this.list.push(r.state);
    }
    return this.list;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.unsubscribe(listener);
  }

  unsubscribe(listener: StoreListener): void {
    this.listeners.delete(listener);
  }

  /**
   * Reduces one MQTT message. Returns whether the store changed. An empty payload clears a
   * retained topic (a forgotten request clears its state, episodes and timeline).
   */
  handle(topic: string, payload: string): boolean {
    const parsed = this.topics.parse(topic);
    if (!parsed) return false;
    switch (parsed.kind) {
      case 'bridge-state': {
        const value = payload.trim();
        const next: BridgeState = value === 'online' || value === 'offline' ? value : 'unknown';
        if (next === this._bridgeState) return false;
        this._bridgeState = next;
        this.changed(null);
        return true;
      }
      case 'bridge-info': {
        const info = payload === '' ? null : parseJson(payload);
        if (info !== null && !isObject(info)) return this.reject();
        this._bridgeInfo = info === null ? null : ({ ...info, integrations: parseIntegrations(info.integrations) } as BridgeInfo);
        this.changed(null);
        return true;
      }
      case 'bridge-doctor': {
        // Checks of integrations the tracker does not list are dropped (all are kept until it lists some).
        const listed = this._bridgeInfo?.integrations.length ? this._bridgeInfo.integrations : null;
        const report = payload === '' ? null : parseDoctorReport(parseJson(payload), listed);
        if (report === null && payload !== '') return this.reject();
        this._doctor = report;
        this.changed(null);
        return true;
      }
      case 'state':
        // Replayed or live, a state proves the request exists (an empty one removes it below).
        this.unconfirmed?.delete(parsed.id);
        if (payload !== '') this.replayed?.add(parsed.id);
        return this.setState(parsed.id, payload);
      case 'episodes':
        return this.setPart(parsed.id, 'episodes', payload, (x) => parseEpisode(x));
      case 'timeline':
        return this.setPart(parsed.id, 'timeline', payload, parseTimelineEntry);
      default:
        return false;
    }
  }

  /**
   * On every (re)connection the broker replays every retained topic; a request forgotten
   * while the panel was away is simply not replayed. Call before subscribing, and
   * `endResync()` once the replay is over: requests not seen again are dropped, and the
   * store counts as `synced`.
   */
  beginResync(): void {
    this.unconfirmed = new Set(this.records.keys());
    this.replayed = new Set();
    this.flushedDuringReplay = false;
  }

  /**
   * Whether the replay has brought as many states as the tracker says it holds
   * (`bridge/info` → `counts.total`, subscribed first so it arrives before the states). Lets
   * the replay end without waiting for a quiet period; if the count is stale, the quiet
   * period still ends it.
   */
  get replayComplete(): boolean {
    const total = this._bridgeInfo?.counts?.total;
    return this.replayed !== null && typeof total === 'number' && this.replayed.size >= total;
  }

  endResync(): string[] {
    const gone = [...(this.unconfirmed ?? [])];
    this.unconfirmed = null;
    this.replayed = null;
    for (const id of gone) {
      this.records.delete(id);
      this.changed(id);
    }
    if (!this._synced) {
      this._synced = true;
      this.changed(null, 'synced');
    }
    return gone;
  }

  /** Drops a request's episodes and timeline (nobody watches them any more: they would go stale). */
  forgetDetail(id: string): void {
    const before = this.records.get(id);
    if (!before || (before.episodes === null && before.timeline === null)) return;
    if (before.state === null) this.records.delete(id);
    else this.records.set(id, { ...before, episodes: null, timeline: null });
    this.changed(id);
  }

  /** Delivers pending change notifications now. */
  flush(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    if (this.replayed) this.flushedDuringReplay = true;
    const change: StoreChange = { ids: pending.ids, bridge: pending.bridge, synced: pending.synced, revision: this._revision };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        console.error('media-tracker panel: store listener failed', err);
      }
    }
  }

  private setState(id: string, payload: string): boolean {
    const before = this.records.get(id);
    if (payload === '') {
      if (!before) return false;
      // The state is the request: without it, episodes and timeline mean nothing.
      this.records.delete(id);
      this.changed(id);
      return true;
    }
    const value = parseRequestState(parseJson(payload));
    if (!value) return this.reject();
    this.records.set(id, { ...(before ?? EMPTY), state: { ...value, id } });
    this.changed(id);
    return true;
  }

  /** `parse` returns null for an element it cannot read; such elements are left out. */
  private setPart<T>(id: string, part: 'episodes' | 'timeline', payload: string, parse: (x: unknown) => T | null): boolean {
    const before = this.records.get(id);
    if (payload === '') {
      if (!before || before[part] === null) return false;
      this.records.set(id, { ...before, [part]: null });
      this.changed(id);
      return true;
    }
    const value = parseJson(payload);
    if (!Array.isArray(value)) return this.reject();
    this.records.set(id, { ...(before ?? EMPTY), [part]: value.map(parse).filter((v): v is T => v !== null) });
    this.changed(id);
    return true;
  }

  private reject(): false {
    this.invalid++;
    return false;
  }

  /** Records a change: a request's (`id`), the bridge's (`null`), or the sync state's. */
  private changed(id: string | null, what: 'bridge' | 'synced' = 'bridge'): void {
    this._revision++;
    if (id !== null) {
      this._requestsRevision++;
      this.list = null;
    }
    const first = this.pending === null;
    this.pending ??= { ids: new Set(), bridge: false, synced: false };
    if (id !== null) this.pending.ids.add(id);
    else this.pending[what] = true;
    if (first) this.schedule(() => this.flush(), this.replayed !== null && this.flushedDuringReplay);
  }
}

function parseJson(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}

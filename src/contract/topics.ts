/** Topic names of the MQTT contract (docs/mqtt.md), relative to the base topic (`media` by default): built and parsed. */

/** The bridge's own topics (`<base>/bridge/...`) use this id where a request's use its id. */
export const BRIDGE_ID = 'bridge';

/** A request id is one topic level: `/`, `#` and `+` would make extra levels or wildcards. */
const REQUEST_ID = /^[a-z0-9_-]+$/;

export type ParsedTopic =
  | { kind: 'state' | 'episodes' | 'timeline' | 'event' | 'response'; id: string }
  | { kind: 'command'; id: string; action: string }
  | { kind: 'bridge-state' | 'bridge-info' | 'bridge-doctor' | 'bridge-sources' | 'bridge-other' };

export class Topics {
  constructor(readonly base: string) {}
  state(id: string): string {
    return `${this.base}/${id}/state`;
  }
  episodes(id: string): string {
    return `${this.base}/${id}/episodes`;
  }
  timeline(id: string): string {
    return `${this.base}/${id}/timeline`;
  }
  event(id: string): string {
    return `${this.base}/${id}/event`;
  }
  /** Answers to a request's commands. */
  response(id: string): string {
    return `${this.base}/${id}/response`;
  }
  /** `<base>/<id>/set/<action>` (`<base>/bridge/set/<action>` for the bridge). */
  command(id: string, action: string): string {
    return `${this.base}/${id}/set/${action}`;
  }
  get bridgeState(): string {
    return `${this.base}/${BRIDGE_ID}/state`;
  }
  get bridgeInfo(): string {
    return `${this.base}/${BRIDGE_ID}/info`;
  }
  get bridgeEvent(): string {
    return `${this.base}/${BRIDGE_ID}/event`;
  }
  /** Retained doctor report. */
  get bridgeDoctor(): string {
    return `${this.base}/${BRIDGE_ID}/doctor`;
  }
  /** Retained source health (contract/sources.ts). */
  get bridgeSources(): string {
    return `${this.base}/${BRIDGE_ID}/sources`;
  }
  /** Answers to `<base>/bridge/set/{doctor,autoconfigure}`. */
  get bridgeResponse(): string {
    return this.response(BRIDGE_ID);
  }
  bridgeCommand(action: string): string {
    return this.command(BRIDGE_ID, action);
  }
  /** `media/<id>/set/<action>` */
  get commands(): string {
    return `${this.base}/+/set/+`;
  }

  /**
   * What the panel needs, always: the bridge info, every request's state (`+/state` also
   * matches `bridge/state`), command answers (`+/response` also matches the bridge's) and the
   * doctor's report. Not `<base>/#`: with 10,000 requests that would also bring 20,000 retained
   * episode lists and timelines. The bridge info comes first: aedes replays the retained
   * messages of one SUBSCRIBE pattern by pattern, and its request count tells the panel when
   * the replay of the states is complete.
   */
  get listSubscriptions(): string[] {
    return [this.bridgeInfo, `${this.base}/+/state`, `${this.base}/+/response`, this.bridgeDoctor];
  }

  /** What one request's detail view adds while it is open. */
  detailSubscriptions(id: string): string[] {
    return [this.episodes(id), this.timeline(id)];
  }

  /** A command topic as the tracker reads it: any single level as the id. */
  parseCommand(topic: string): { id: string; action: string } | null {
    const prefix = `${this.base}/`;
    if (!topic.startsWith(prefix)) return null;
    const parts = topic.slice(prefix.length).split('/');
    if (parts.length !== 3 || parts[1] !== 'set' || !parts[0] || !parts[2]) return null;
    return { id: parts[0], action: parts[2] };
  }

  /** Any topic of the contract; null for one that is not (or a request id that is not valid). */
  parse(topic: string): ParsedTopic | null {
    const prefix = `${this.base}/`;
    if (!topic.startsWith(prefix)) return null;
    const parts = topic.slice(prefix.length).split('/');
    const [first, second, third] = parts;
    if (first === BRIDGE_ID) {
      if (parts.length === 3 && second === 'set' && third) return { kind: 'command', id: BRIDGE_ID, action: third };
      if (parts.length !== 2) return { kind: 'bridge-other' };
      if (second === 'state') return { kind: 'bridge-state' };
      if (second === 'info') return { kind: 'bridge-info' };
      if (second === 'doctor') return { kind: 'bridge-doctor' };
      if (second === 'sources') return { kind: 'bridge-sources' };
      if (second === 'response') return { kind: 'response', id: BRIDGE_ID };
      return { kind: 'bridge-other' };
    }
    if (!first || !REQUEST_ID.test(first)) return null;
    if (parts.length === 3 && second === 'set' && third) return { kind: 'command', id: first, action: third };
    if (parts.length !== 2) return null;
    switch (second) {
      case 'state':
      case 'episodes':
      case 'timeline':
      case 'event':
      case 'response':
        return { kind: second, id: first };
      default:
        return null;
    }
  }
}

/** Home Assistant discovery node id: `media_tracker`, or `media_tracker_<base>` for a second instance on another base topic. */
export function nodeIdFor(baseTopic: string): string {
  return baseTopic === 'media' ? 'media_tracker' : `media_tracker_${baseTopic.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

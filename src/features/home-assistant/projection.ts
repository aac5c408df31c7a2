/**
 * A stored request as MQTT messages: one pure projection from the request (and the one it
 * replaces) to topics and payloads, in the order subscribers rely on. The publisher sends
 * what this returns and nothing else.
 */
import type { Topics } from '../../contract/index.js';
import type { Effect } from '../../domain/draft.js';
import type { MediaRequest } from '../../domain/model.js';
import type { Watchable } from '../estimates/index.js';
import type { Discovery } from './discovery.js';
import { episodesPayload, eventPayload, statePayload, timelinePayload, type RecipientLookup } from './payloads.js';

/** One MQTT message; an empty-string payload clears a retained topic. */
export interface Message {
  topic: string;
  payload: unknown;
  retain: boolean;
}

export interface Projection {
  topics: Topics;
  /** Null when discovery is off. */
  discovery: Discovery | null;
  recipients: RecipientLookup;
  /** The request's estimate of when it is watchable (features/estimates); none when absent. */
  watchable?: (r: MediaRequest, now: string) => Watchable;
}

const clear = (topic: string): Message => ({ topic, payload: '', retain: true });

/**
 * The retained messages of a request after a change: its discovery configs (or their
 * clearing once it has no device any more), episodes and timeline when they changed, and
 * the state last, so a subscriber that sees the new state already has the rest.
 */
export function requestMessages(p: Projection, r: MediaRequest, previous: MediaRequest | null, at: { now: string; device: boolean }): Message[] {
  const out: Message[] = [];
  if (p.discovery) {
    if (at.device) {
      const configs = p.discovery.requestConfigs(r);
      for (const m of configs) out.push({ topic: m.topic, payload: m.payload, retain: true });
      // An entity the request no longer has (Approve and Decline once it is decided) goes from HA.
      const now = new Set(configs.map((m) => m.topic));
      out.push(
        ...p.discovery
          .requestTopics(r.id)
          .filter((t) => !now.has(t))
          .map(clear),
      );
    } else out.push(...p.discovery.requestTopics(r.id).map(clear));
  }
  if (r.media_type === 'tv' && (!previous || previous.episodes !== r.episodes || previous.downloads !== r.downloads)) {
    out.push({ topic: p.topics.episodes(r.id), payload: episodesPayload(r, at.now), retain: true });
  }
  if (!previous || previous.timeline !== r.timeline) out.push({ topic: p.topics.timeline(r.id), payload: timelinePayload(r), retain: true });
  out.push({ topic: p.topics.state(r.id), payload: statePayload(r, p.recipients, at.now, p.watchable?.(r, at.now)), retain: true });
  return out;
}

/** Every retained topic a request may have: its discovery configs, state, episodes and timeline. */
export function requestTopics(p: Projection, id: string): string[] {
  const t = p.topics;
  return [...(p.discovery?.requestTopics(id) ?? []), t.state(id), t.episodes(id), t.timeline(id)];
}

/** A forgotten request: every retained topic it had is cleared. */
export function removalMessages(p: Projection, id: string): Message[] {
  return requestTopics(p, id).map(clear);
}

/** A request that lost its device (retention): only its discovery configs are cleared. */
export function deviceRemovalMessages(p: Projection, id: string): Message[] {
  return (p.discovery?.requestTopics(id) ?? []).map(clear);
}

/** The non-retained event of a transition or effect, when it has one. */
export function eventMessage(p: Projection, r: MediaRequest, effect: Effect): Message | null {
  const payload = eventPayload(r, effect, p.recipients);
  return payload ? { topic: p.topics.event(r.id), payload, retain: false } : null;
}

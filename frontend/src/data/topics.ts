/** Topic names of the MQTT contract, relative to the base topic (`media` by default). */

export type ParsedTopic =
  | { kind: 'state' | 'episodes' | 'timeline' | 'event' | 'response'; id: string }
  | { kind: 'command'; id: string; action: string }
  | { kind: 'bridge-state' | 'bridge-info' | 'bridge-doctor' | 'bridge-other' };

/** Commands and answers of the bridge itself (`<base>/bridge/set/<action>`, `<base>/bridge/response`) use this id. */
export const BRIDGE_ID = 'bridge';

const ID = /^[a-z0-9_-]+$/;

export function parseTopic(base: string, topic: string): ParsedTopic | null {
  const prefix = `${base}/`;
  if (!topic.startsWith(prefix)) return null;
  const parts = topic.slice(prefix.length).split('/');
  const [first, second, third] = parts;
  if (first === BRIDGE_ID) {
    if (parts.length === 3 && second === 'set' && third) return { kind: 'command', id: BRIDGE_ID, action: third };
    if (parts.length !== 2) return { kind: 'bridge-other' };
    if (second === 'state') return { kind: 'bridge-state' };
    if (second === 'info') return { kind: 'bridge-info' };
    if (second === 'doctor') return { kind: 'bridge-doctor' };
    if (second === 'response') return { kind: 'response', id: BRIDGE_ID };
    return { kind: 'bridge-other' };
  }
  if (!first || !ID.test(first)) return null;
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

export const commandTopic = (base: string, id: string, action: string): string => `${base}/${id}/set/${action}`;

/**
 * What the panel needs, always: the bridge info, every request's state (`+/state` also
 * matches `bridge/state`), command answers (`+/response` also matches the bridge's) and the
 * doctor's report. Not `<base>/#`: with 10,000 requests that would also bring 20,000 retained
 * episode lists and timelines. The bridge info comes first: aedes replays the retained
 * messages of one SUBSCRIBE pattern by pattern, and its request count tells the store when
 * the replay of the states is complete.
 */
export const listTopics = (base: string): string[] => [`${base}/bridge/info`, `${base}/+/state`, `${base}/+/response`, `${base}/bridge/doctor`];

/** What one request's detail view adds while it is open. */
export const detailTopics = (base: string, id: string): string[] => [`${base}/${id}/episodes`, `${base}/${id}/timeline`];

/**
 * Who may do what on the embedded broker (the model, with a test per rule, is in
 * test/security/model.test.ts):
 *
 * - Only the tracker publishes below the base topic and its own discovery node
 *   (`<prefix>/<component>/<node>/…`); clients, over TCP or WebSocket, may only send
 *   non-retained commands on `<base>/<id>/set/<action>`. Other topics (Home Assistant's birth,
 *   other devices' discovery) stay open to TCP clients.
 * - Browsers (WebSocket) may only subscribe below the base topic, at most
 *   MAX_BROWSER_SUBSCRIPTIONS filters each, and get a generated client id with a prefix TCP
 *   clients may not use, so neither can take the other's session over.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Client, ConnectPacket, PublishPacket } from 'aedes';
import type { ThrottledLog } from '../log-throttle.js';

/** Client ids of browser connections; a TCP client asking for one is refused. */
export const BROWSER_ID_PREFIX = 'ws-panel-';
/** Topic filters one browser connection may hold (the panel needs a handful per open view). */
export const MAX_BROWSER_SUBSCRIPTIONS = 200;

export interface AccessRules {
  baseTopic: string;
  discoveryPrefix: string;
  /** The tracker's discovery node id (`media_tracker`). */
  node: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function isBrowser(client: Client | null): boolean {
  return Boolean(client && (client as Client & { req?: IncomingMessage }).req);
}

export class BrokerAccess {
  private readonly command: RegExp;
  private readonly owned: RegExp;
  private readonly subscriptions = new WeakMap<Client, Set<string>>();

  constructor(
    private readonly rules: AccessRules,
    private readonly warn: ThrottledLog,
  ) {
    const base = escapeRegExp(rules.baseTopic);
    this.command = new RegExp(`^${base}/[a-z0-9_-]+/set/[a-z0-9_-]+$`);
    this.owned = new RegExp(`^(${base}(/|$)|${escapeRegExp(rules.discoveryPrefix)}/[^/]+/${escapeRegExp(rules.node)}(/|$))`);
  }

  /** preConnect: a browser's own id is replaced by a generated one (MQTT 3.1 allows 23 characters). */
  assignId(client: Client, packet: ConnectPacket): void {
    if (isBrowser(client)) packet.clientId = `${BROWSER_ID_PREFIX}${randomBytes(9).toString('base64url')}`;
  }

  /** A TCP client may not present itself as a browser connection. */
  reservedId(client: Client): boolean {
    return !isBrowser(client) && client.id.startsWith(BROWSER_ID_PREFIX);
  }

  /** Null when allowed, else why not. The tracker's own publishes have no client. */
  refusePublish(client: Client | null, packet: PublishPacket): string | null {
    if (!client) return null;
    const isCommand = this.command.test(packet.topic);
    if (isCommand && !packet.retain) return null;
    if (isCommand) return `a retained command on ${packet.topic}`;
    if (isBrowser(client) || this.owned.test(packet.topic)) return `publishing to ${packet.topic}`;
    return null;
  }

  /** Whether a subscription is granted; a refusal answers SUBACK 0x80 and keeps the connection. */
  allowSubscribe(client: Client, topic: string): boolean {
    if (!isBrowser(client)) return true;
    const base = this.rules.baseTopic;
    if (topic !== `${base}/#` && !topic.startsWith(`${base}/`)) {
      this.warn.warning('browser-subscription', `refused browser subscription to ${topic}`);
      return false;
    }
    const held = this.subscriptions.get(client) ?? new Set<string>();
    if (!held.has(topic) && held.size >= MAX_BROWSER_SUBSCRIPTIONS) {
      this.warn.warning('browser-subscription-cap', `refused browser subscription to ${topic}: ${MAX_BROWSER_SUBSCRIPTIONS} subscriptions already held`);
      return false;
    }
    held.add(topic);
    this.subscriptions.set(client, held);
    return true;
  }

  onUnsubscribe(client: Client, topics: readonly string[]): void {
    const held = this.subscriptions.get(client);
    for (const t of topics) held?.delete(t);
  }
}

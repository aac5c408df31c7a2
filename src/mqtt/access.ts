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
 * - A browser's commands count only when its viewer may command (`command_users`, recorded at
 *   the WebSocket upgrade, src/http/viewer.ts). A read-only viewer's command is acknowledged and
 *   dropped: it reaches neither the tracker nor any subscriber. MQTT 3.1.1 lets a server refuse
 *   a publish that way (MQTT-3.3.5-2); closing the connection, the only other way aedes has,
 *   would only make the read-only panel reconnect.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Client, ConnectPacket, PublishPacket } from 'aedes';
import type { ThrottledLog } from '../log-throttle.js';

/** Client ids of browser connections; a TCP client asking for one is refused. */
export const BROWSER_ID_PREFIX = 'ws-panel-';
/** Topic filters one browser connection may hold (the panel needs a handful per open view). */
export const MAX_BROWSER_SUBSCRIPTIONS = 200;

/** What the WebSocket upgrade said about the viewer. */
export interface ViewerGrant {
  commands: boolean;
  /** Who, for the log: the viewer's user name, or why there is none. */
  who: string;
}

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
  /** Per upgrade request (a browser client's `req`); a browser without one may not command. */
  private readonly grants = new WeakMap<IncomingMessage, ViewerGrant>();
  /** Commands acknowledged but dropped (the packet aedes hands to its `publish` event). */
  private readonly dropped = new WeakSet<object>();
  /** Connected browsers whose commands are dropped, by client id (for authorizeForward, which gets a copy of the packet). */
  private readonly readOnly = new Set<string>();

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

  /** At the WebSocket upgrade: whether this viewer's commands count. */
  recordViewer(req: IncomingMessage, grant: ViewerGrant): void {
    this.grants.set(req, grant);
  }

  /**
   * authorizePublish, after refusePublish allowed it: whether the publish is a command from a
   * read-only browser, to acknowledge and drop.
   */
  dropCommand(client: Client | null, packet: PublishPacket): boolean {
    if (!client || !isBrowser(client) || !this.command.test(packet.topic)) return false;
    const grant = this.grants.get((client as Client & { req: IncomingMessage }).req);
    if (grant?.commands) return false;
    this.dropped.add(packet);
    this.readOnly.add(client.id);
    this.warn.warning('read-only-command', `dropped ${packet.topic} from the panel of ${grant?.who ?? 'an unknown viewer'}: not in command_users`);
    return true;
  }

  /** Whether a publish seen on aedes' `publish` event was dropped (the tracker must not act on it). */
  wasDropped(packet: object): boolean {
    return this.dropped.has(packet);
  }

  /** authorizeForward: a dropped command reaches no subscriber; everything else is delivered as is. */
  forward<P extends { topic: string; clientId?: string }>(packet: P): P | null {
    if (packet.clientId === undefined || !this.readOnly.has(packet.clientId)) return packet;
    return this.command.test(packet.topic) ? null : packet;
  }

  onDisconnect(client: Client): void {
    this.readOnly.delete(client.id);
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

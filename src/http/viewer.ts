/**
 * Who opened the panel, and whether they may send commands (`command_users`).
 *
 * As an add-on the panel is open to every Home Assistant user (`panel_admin: false`). Home
 * Assistant's ingress proxy (the Supervisor) names the user in `X-Remote-User-*` headers, on
 * `panel.json` and on the `/mqtt` WebSocket upgrade alike; only its headers are believed (it
 * strips copies sent by the browser). The rule:
 *
 * - `command_users` empty: everyone may command, as before the option existed.
 * - A request through the Supervisor: only a user whose id or user name (case-insensitive) is
 *   listed may command; a request without a user is read-only.
 * - Any other request (standalone, or loopback inside the container) carries no user: it comes
 *   from the machine's owner (`npm start` opened on this machine), who keeps commands.
 */
import type { IncomingMessage } from 'node:http';
import type { Viewer } from '../contract/panel.js';
import { normaliseAddress } from './address.js';

export type { Viewer };

const HEADER_MAX = 200;

function header(req: IncomingMessage, name: string): string | null {
  const raw = req.headers[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  // A name, not a document: anything long or with control characters is not from the Supervisor.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a header value with control characters is refused on purpose
  if (!value || value.length > HEADER_MAX || /[\u0000-\u001f\u007f]/.test(value)) return null;
  return value;
}

/** The viewer named by the Supervisor's ingress headers; null without a user id. */
export function viewerFrom(req: IncomingMessage): Viewer | null {
  const id = header(req, 'x-remote-user-id');
  if (!id) return null;
  const name = header(req, 'x-remote-user-name') ?? '';
  return { id, name, display_name: header(req, 'x-remote-user-display-name') ?? name };
}

/** Whether a named viewer is on the list: an entry is a user id (exact) or a user name (any case). */
export function listedViewer(viewer: Viewer, commandUsers: readonly string[]): boolean {
  const name = viewer.name.toLowerCase();
  return commandUsers.some((entry) => {
    const e = entry.trim();
    return e !== '' && (e === viewer.id || (name !== '' && e.toLowerCase() === name));
  });
}

/** What a request to the ingress listener is: the viewer it names and whether they may command. */
export interface Access {
  /** Null unless the Supervisor named a user. */
  viewer: Viewer | null;
  commands: boolean;
}

export interface ViewerPolicy {
  access(req: IncomingMessage): Access;
}

export interface ViewerPolicyOptions {
  /** Add-on mode: the Supervisor's addresses; null when standalone (no header is believed). */
  trustedProxies: readonly string[] | null;
  /** `command_users`: empty lets everyone command. */
  commandUsers: readonly string[];
}

export function createViewerPolicy(opts: ViewerPolicyOptions): ViewerPolicy {
  const proxies = opts.trustedProxies ? new Set(opts.trustedProxies.map(normaliseAddress)) : null;
  const users = opts.commandUsers.filter((u) => u.trim() !== '');
  return {
    access(req) {
      const proxied = proxies?.has(normaliseAddress(req.socket.remoteAddress)) ?? false;
      const viewer = proxied ? viewerFrom(req) : null;
      if (users.length === 0 || !proxied) return { viewer, commands: true };
      return { viewer, commands: viewer !== null && listedViewer(viewer, users) };
    },
  };
}

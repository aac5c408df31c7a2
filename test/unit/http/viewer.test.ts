/**
 * Who may command from the panel (`command_users`, src/http/viewer.ts): the list matches a user
 * id exactly or a user name in any case; only the Supervisor's headers name a viewer; a request
 * through it without a user is read-only; a request not through it (standalone, loopback) is the
 * machine's owner; an empty list lets everyone command.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createViewerPolicy, listedViewer, viewerFrom } from '../../../src/http/viewer.js';

const SUPERVISOR = '172.30.32.2';
const alice = { 'x-remote-user-id': 'a11ce0', 'x-remote-user-name': 'alice', 'x-remote-user-display-name': 'Alice Liddell' };

/** What the policy reads of a request: its headers and the peer's address. */
function req(remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('listedViewer', () => {
  const viewer = { id: 'a11ce0', name: 'alice', display_name: 'Alice Liddell' };

  it('matches a user name in any case, and a user id', () => {
    expect(listedViewer(viewer, ['ALICE'])).toBe(true);
    expect(listedViewer(viewer, [' alice '])).toBe(true);
    expect(listedViewer(viewer, ['bob', 'a11ce0'])).toBe(true);
  });

  it('does not match the display name, another user, an id in another case or an empty entry', () => {
    expect(listedViewer(viewer, ['Alice Liddell'])).toBe(false);
    expect(listedViewer(viewer, ['bob'])).toBe(false);
    expect(listedViewer(viewer, ['A11CE0'])).toBe(false);
    expect(listedViewer({ ...viewer, name: '' }, ['', ' '])).toBe(false);
  });
});

describe('createViewerPolicy', () => {
  const addon = createViewerPolicy({ trustedProxies: [SUPERVISOR], commandUsers: ['alice'] });

  it('through the Supervisor: a listed viewer commands, another one or none is read-only', () => {
    expect(addon.access(req(SUPERVISOR, alice))).toEqual({ viewer: { id: 'a11ce0', name: 'alice', display_name: 'Alice Liddell' }, commands: true });
    expect(addon.access(req(`::ffff:${SUPERVISOR}`, alice)).commands).toBe(true);
    expect(addon.access(req(SUPERVISOR, { 'x-remote-user-id': 'b0b', 'x-remote-user-name': 'bob' }))).toEqual({ viewer: { id: 'b0b', name: 'bob', display_name: 'bob' }, commands: false });
    expect(addon.access(req(SUPERVISOR))).toEqual({ viewer: null, commands: false });
    // A name without an id is not a user the Supervisor named.
    expect(addon.access(req(SUPERVISOR, { 'x-remote-user-name': 'alice' }))).toEqual({ viewer: null, commands: false });
  });

  it('not through the Supervisor: no header is believed, and the machine’s owner keeps commands', () => {
    expect(addon.access(req('127.0.0.1', alice))).toEqual({ viewer: null, commands: true });
    const standalone = createViewerPolicy({ trustedProxies: null, commandUsers: ['alice'] });
    expect(standalone.access(req('127.0.0.1', { 'x-remote-user-id': 'b0b', 'x-remote-user-name': 'bob' }))).toEqual({ viewer: null, commands: true });
  });

  it('an empty list (or one of blanks) lets every viewer command, as before the option', () => {
    for (const commandUsers of [[], ['  ']]) {
      const open = createViewerPolicy({ trustedProxies: [SUPERVISOR], commandUsers });
      expect(open.access(req(SUPERVISOR))).toEqual({ viewer: null, commands: true });
      expect(open.access(req(SUPERVISOR, alice)).commands).toBe(true);
    }
  });
});

describe('viewerFrom', () => {
  it('refuses header values that are long or hold control characters', () => {
    expect(viewerFrom(req(SUPERVISOR, { 'x-remote-user-id': 'x'.repeat(201) }))).toBeNull();
    expect(viewerFrom(req(SUPERVISOR, { 'x-remote-user-id': 'a\u0007b' }))).toBeNull();
    expect(viewerFrom(req(SUPERVISOR, { 'x-remote-user-id': 'u1' }))).toEqual({ id: 'u1', name: '', display_name: '' });
  });
});

/**
 * The command rule of the embedded broker's access (src/mqtt/access.ts): a browser's command is
 * dropped unless its WebSocket upgrade recorded a viewer who may command; a dropped command is
 * forwarded to no subscriber and marked for the tracker to ignore; TCP clients are not concerned.
 * Clients are what aedes hands the hooks: an id, and for a browser the upgrade request.
 */
import type { IncomingMessage } from 'node:http';
import type { Client, PublishPacket } from 'aedes';
import { describe, expect, it } from 'vitest';
import { ThrottledLog } from '../../../src/log-throttle.js';
import type { Logger } from '../../../src/log.js';
import { BrokerAccess } from '../../../src/mqtt/access.js';

function setup() {
  const lines: string[] = [];
  const log: Logger = { debug() {}, info() {}, warning: (m) => lines.push(m), error() {}, child: () => log };
  const access = new BrokerAccess({ baseTopic: 'media', discoveryPrefix: 'homeassistant', node: 'media_tracker' }, new ThrottledLog(log));
  return { access, lines };
}

const browser = (id: string, req: object = {}) => ({ id, req }) as unknown as Client;
const tcp = (id: string) => ({ id }) as unknown as Client;
const publish = (topic: string): PublishPacket => ({ cmd: 'publish', topic, payload: Buffer.from('{}'), qos: 1, retain: false, dup: false, messageId: 1 });

describe('a browser’s commands', () => {
  it('are dropped for a read-only viewer: marked for the tracker, forwarded to nobody, logged with who', () => {
    const { access, lines } = setup();
    const req = {};
    access.recordViewer(req as IncomingMessage, { commands: false, who: 'bob' });
    const client = browser('ws-panel-bob', req);
    for (const topic of ['media/jellyseerr-7/set/forget', 'media/bridge/set/autoconfigure']) {
      const packet = publish(topic);
      expect(access.refusePublish(client, packet)).toBeNull();
      expect(access.dropCommand(client, packet)).toBe(true);
      expect(access.wasDropped(packet)).toBe(true);
      // authorizeForward gets a copy of the packet, with the sender's id.
      expect(access.forward({ topic, clientId: 'ws-panel-bob' })).toBeNull();
    }
    expect(lines).toEqual(['dropped media/jellyseerr-7/set/forget from the panel of bob: not in command_users']);
    // Another client's command, and the tracker's own messages, go through.
    expect(access.forward({ topic: 'media/jellyseerr-7/set/forget', clientId: 'ws-panel-alice' })).not.toBeNull();
    expect(access.forward({ topic: 'media/jellyseerr-7/state' })).not.toBeNull();
    access.onDisconnect(client);
    expect(access.forward({ topic: 'media/jellyseerr-7/set/forget', clientId: 'ws-panel-bob' })).not.toBeNull();
  });

  it('count for a viewer who may command, and for TCP clients', () => {
    const { access } = setup();
    const req = {};
    access.recordViewer(req as IncomingMessage, { commands: true, who: 'alice' });
    const packet = publish('media/jellyseerr-7/set/retry');
    expect(access.dropCommand(browser('ws-panel-alice', req), packet)).toBe(false);
    expect(access.dropCommand(tcp('homeassistant'), packet)).toBe(false);
    expect(access.wasDropped(packet)).toBe(false);
  });

  it('are dropped for a browser whose upgrade recorded no viewer (fails closed)', () => {
    const { access } = setup();
    expect(access.dropCommand(browser('ws-panel-x'), publish('media/jellyseerr-7/set/forget'))).toBe(true);
  });
});

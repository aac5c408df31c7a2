/**
 * Sends commands to the tracker for a component: one at a time, with which one is waiting
 * for its answer (`busy`) and the last answer (`response`), re-rendering the host as they change.
 */
import type { CommandResponse } from '../../../src/contract/index.js';
import type { Connection } from '../data/connection.js';
import { ConnectionController } from './connection-controller.js';
import type { Host } from './subscription-controller.js';

export class CommandController<K extends string = string> {
  /** The command waiting for its answer, null when none is. */
  busy: K | null = null;
  /** The last answer; null while a command runs and before the first. */
  response: CommandResponse | null = null;
  private readonly link: ConnectionController;

  constructor(private readonly host: Host) {
    this.link = new ConnectionController(host);
  }

  get connected(): boolean {
    return this.link.connection?.status === 'connected';
  }

  /** Sends `key` with `send` unless a command is already waiting (or there is no connection yet). */
  async run(key: K, send: (connection: Connection) => Promise<CommandResponse>): Promise<void> {
    const connection = this.link.connection;
    if (!connection || this.busy !== null) return;
    this.busy = key;
    this.response = null;
    this.host.requestUpdate();
    try {
      this.response = await send(connection);
    } finally {
      this.busy = null;
      this.host.requestUpdate();
    }
  }
}

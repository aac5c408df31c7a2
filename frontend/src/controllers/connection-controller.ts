/** Binds a component to the connection from context; re-renders on every status change. */
import { connectionContext } from '../context.js';
import type { Connection } from '../data/connection.js';
import { SubscriptionController, type Host } from './subscription-controller.js';

export class ConnectionController extends SubscriptionController<Connection, Connection> {
  constructor(host: Host) {
    super(host, connectionContext);
  }

  get connection(): Connection | undefined {
    return this.value;
  }
}

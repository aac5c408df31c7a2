/** Binds a component to the connection from context; re-renders on every status change. */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { connectionContext } from '../context.js';
import type { Connection } from '../data/connection.js';

type Host = ReactiveControllerHost & HTMLElement;

export class ConnectionController implements ReactiveController {
  private readonly consumer: ContextConsumer<typeof connectionContext, Host>;
  private unsubscribe: (() => void) | null = null;
  private attached: Connection | null = null;

  constructor(private readonly host: Host) {
    this.consumer = new ContextConsumer(host, { context: connectionContext, subscribe: true, callback: (c) => this.attach(c) });
    host.addController(this);
  }

  get connection(): Connection | undefined {
    return this.consumer.value;
  }

  hostConnected(): void {
    if (this.consumer.value) this.attach(this.consumer.value);
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.attached = null;
  }

  private attach(connection: Connection): void {
    if (connection === this.attached && this.unsubscribe) return;
    this.unsubscribe?.();
    this.attached = connection;
    this.unsubscribe = connection.subscribe(() => this.host.requestUpdate());
    this.host.requestUpdate();
  }
}

/**
 * Binds a component to a value it consumes from context and that announces its changes (the
 * store, the connection): subscribes while the host is connected, follows a new value when
 * the provider replaces it, and re-renders the host for every change `filter` accepts.
 */
import { ContextConsumer, type Context } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type Host = ReactiveControllerHost & HTMLElement;

/** A value that calls its listeners on every change; `subscribe` returns the way to stop. */
export interface Subscribable<C> {
  subscribe(listener: (change: C) => void): () => void;
}

export class SubscriptionController<V extends Subscribable<C>, C> implements ReactiveController {
  private readonly consumer: ContextConsumer<Context<unknown, V>, Host>;
  private attached: V | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: Host,
    context: Context<unknown, V>,
    private readonly filter: (change: C) => boolean = () => true,
  ) {
    this.consumer = new ContextConsumer(host, { context, subscribe: true, callback: (value) => this.attach(value) });
    host.addController(this);
  }

  /** The value from context, once a provider answered. */
  protected get value(): V | undefined {
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

  private attach(value: V): void {
    if (value === this.attached && this.unsubscribe) return;
    this.unsubscribe?.();
    this.attached = value;
    this.unsubscribe = value.subscribe((change) => {
      if (this.filter(change)) this.host.requestUpdate();
    });
    this.host.requestUpdate();
  }
}

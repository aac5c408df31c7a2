/**
 * Binds a component to the store: consumes it from context, subscribes while connected,
 * and re-renders the host when a change concerns it (`filter`), e.g. one request's id.
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { storeContext } from '../context.js';
import type { RequestStore, StoreChange } from '../data/store.js';

type Host = ReactiveControllerHost & HTMLElement;

export class StoreController implements ReactiveController {
  private readonly consumer: ContextConsumer<typeof storeContext, Host>;
  private attached: RequestStore | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: Host,
    private readonly filter: (change: StoreChange) => boolean = () => true,
  ) {
    this.consumer = new ContextConsumer(host, { context: storeContext, subscribe: true, callback: (store) => this.attach(store) });
    host.addController(this);
  }

  get store(): RequestStore | undefined {
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

  private attach(store: RequestStore): void {
    if (store === this.attached && this.unsubscribe) return;
    this.unsubscribe?.();
    this.attached = store;
    this.unsubscribe = store.subscribe((change) => {
      if (this.filter(change)) this.host.requestUpdate();
    });
    this.host.requestUpdate();
  }
}

/**
 * Binds a component to the store: consumes it from context, subscribes while connected,
 * and re-renders the host when a change concerns it (`filter`), e.g. one request's id.
 */
import { storeContext } from '../context.js';
import type { RequestStore, StoreChange } from '../data/store.js';
import { SubscriptionController, type Host } from './subscription-controller.js';

export class StoreController extends SubscriptionController<RequestStore, StoreChange> {
  constructor(host: Host, filter?: (change: StoreChange) => boolean) {
    super(host, storeContext, filter);
  }

  get store(): RequestStore | undefined {
    return this.value;
  }
}

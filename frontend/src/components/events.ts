/** Typed DOM events that go up the tree (HA's `fireEvent` pattern). */
import type { ListQuery } from '../data/query.js';

export interface PanelEvents {
  'query-change': { query: ListQuery; replace: boolean };
  /** Run auto-configuration (for these services; all when absent). */
  autoconfigure: { services?: string[] };
}

export function fireEvent<K extends keyof PanelEvents>(node: EventTarget, type: K, detail: PanelEvents[K]): void {
  node.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'query-change': CustomEvent<PanelEvents['query-change']>;
    autoconfigure: CustomEvent<PanelEvents['autoconfigure']>;
  }
}

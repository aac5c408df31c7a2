/** Typed DOM events that go up the tree (HA's `fireEvent` pattern). */
import type { ListQuery } from '../data/query.js';

export interface PanelEvents {
  'query-change': { query: ListQuery; replace: boolean };
}

export function fireEvent<K extends keyof PanelEvents>(node: EventTarget, type: K, detail: PanelEvents[K]): void {
  node.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'query-change': CustomEvent<PanelEvents['query-change']>;
  }
}

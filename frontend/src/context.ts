/** What the root element provides to the tree (`@lit/context`): the store, the connection and `panel.json`. */
import { createContext } from '@lit/context';
import type { Connection } from './data/connection.js';
import type { PanelConfig } from './data/panel-config.js';
import type { RequestStore } from './data/store.js';

export const storeContext = createContext<RequestStore>(Symbol('media-tracker-store'));
export const connectionContext = createContext<Connection>(Symbol('media-tracker-connection'));
export const configContext = createContext<PanelConfig>(Symbol('media-tracker-config'));

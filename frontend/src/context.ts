/** What the root element provides to the tree (`@lit/context`): the store and the connection. */
import { createContext } from '@lit/context';
import type { Connection } from './data/connection.js';
import type { RequestStore } from './data/store.js';

export const storeContext = createContext<RequestStore>(Symbol('media-tracker-store'));
export const connectionContext = createContext<Connection>(Symbol('media-tracker-connection'));

/**
 * The root element: provides the store and the connection to the tree, follows the hash
 * route, and shows the list or one request under a header with the status strip.
 */
import { provide } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { connectionContext, storeContext } from '../context.js';
import type { Connection } from '../data/connection.js';
import { DEFAULT_QUERY, type ListQuery } from '../data/query.js';
import { formatRoute, parseRoute, type Route } from '../data/route.js';
import type { RequestStore } from '../data/store.js';
import { base } from './styles.js';
import './mt-request-detail.js';
import './mt-request-list.js';
import './mt-status-strip.js';

@customElement('mt-app')
export class MtApp extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100%;
        background: var(--primary-background-color, #fafafa);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 16px;
        padding: 8px 12px;
        min-height: 48px;
        background: var(--app-header-background-color, var(--primary-background-color, #fafafa));
        color: var(--app-header-text-color, var(--primary-text-color, #212121));
        border-bottom: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      }
      h1 {
        margin: 0;
        font-size: 20px;
        font-weight: 400;
        white-space: nowrap;
      }
      header mt-status-strip {
        flex: 1 1 300px;
        min-width: 0;
      }
      main {
        flex: 1;
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      mt-request-list,
      mt-request-detail {
        flex: 1;
      }
    `,
  ];

  @provide({ context: storeContext })
  @property({ attribute: false })
  store!: RequestStore;

  @provide({ context: connectionContext })
  @property({ attribute: false })
  connection!: Connection;

  @state() private route: Route = parseRoute(location.hash);
  /** The list's filters, kept while a request is open. */
  @state() private listQuery: ListQuery = this.route.view === 'list' ? this.route.query : DEFAULT_QUERY;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
  }

  override render() {
    const detail = this.route.view === 'detail' ? this.route.id : null;
    return html`
      <header>
        <h1>Media Tracker</h1>
        <mt-status-strip></mt-status-strip>
      </header>
      <main @query-change=${this.onQueryChange}>
        <mt-request-list .query=${this.listQuery} .active=${detail === null} ?hidden=${detail !== null}></mt-request-list>
        ${detail !== null
          ? html`<mt-request-detail .requestId=${detail} .backHref=${formatRoute({ view: 'list', query: this.listQuery })}></mt-request-detail>`
          : ''}
      </main>
    `;
  }

  private readonly onHashChange = (): void => {
    this.route = parseRoute(location.hash);
    if (this.route.view === 'list') this.listQuery = this.route.query;
    else window.scrollTo(0, 0);
  };

  private onQueryChange(e: CustomEvent<{ query: ListQuery; replace: boolean }>): void {
    this.listQuery = e.detail.query;
    const hash = formatRoute({ view: 'list', query: e.detail.query });
    // Typing in the search box replaces the history entry; a filter click adds one.
    if (e.detail.replace) history.replaceState(null, '', hash);
    else history.pushState(null, '', hash);
    this.route = { view: 'list', query: e.detail.query };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-app': MtApp;
  }
}

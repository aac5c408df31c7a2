/**
 * The root element: provides the store, the connection and `panel.json` to the tree, follows
 * the hash route, and shows the list, one request or the setup page under a header with the
 * status strip and the viewer.
 */
import { provide } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { configContext, connectionContext, storeContext } from '../context.js';
import type { Connection } from '../data/connection.js';
import { EMPTY_CONFIG, type PanelConfig } from '../data/panel-config.js';
import { DEFAULT_QUERY, type ListQuery } from '../data/query.js';
import { formatRoute, parseRoute, type Route } from '../data/route.js';
import type { RequestStore } from '../data/store.js';
import { icon } from './icons.js';
import { base } from './styles.js';
import './mt-request-detail.js';
import './mt-request-list.js';
import './mt-setup.js';
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
      .viewer {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        font-size: 12px;
        white-space: nowrap;
        max-width: 40%;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .viewer svg {
        flex: none;
        width: 16px;
        height: 16px;
        fill: currentColor;
      }
      .read-only {
        flex: none;
      }
      main {
        flex: 1;
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      mt-request-list,
      mt-request-detail,
      mt-setup {
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

  @provide({ context: configContext })
  @property({ attribute: false })
  config: PanelConfig = EMPTY_CONFIG;

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
    const viewer = this.config.viewer;
    const listHref = formatRoute({ view: 'list', query: this.listQuery });
    return html`
      <header>
        <h1>Media Tracker</h1>
        <mt-status-strip></mt-status-strip>
        ${
          viewer
            ? html`<span class="viewer muted" data-testid="viewer" title=${`Opened in Home Assistant by ${viewer.display_name}`}
              >${icon('person')}<span class="visually-hidden">Viewer:</span>${viewer.display_name}</span
            >`
            : nothing
        }
        ${
          this.config.commands
            ? nothing
            : html`<span class="chip read-only" data-testid="read-only" title="Only the Home Assistant users listed in the add-on's command_users option can send commands"
              >Read-only</span
            >`
        }
      </header>
      <main @query-change=${this.onQueryChange}>
        <mt-request-list .query=${this.listQuery} .active=${this.route.view === 'list'} ?hidden=${this.route.view !== 'list'}></mt-request-list>
        ${detail !== null ? html`<mt-request-detail .requestId=${detail} .backHref=${listHref}></mt-request-detail>` : nothing}
        ${this.route.view === 'setup' ? html`<mt-setup .backHref=${listHref}></mt-setup>` : nothing}
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

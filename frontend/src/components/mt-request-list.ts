/** The list view: toolbar and the virtual grid of request cards, the viewer's own requests first. */
import { consume } from '@lit/context';
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { StatePayload } from '../../../src/contract/index.js';
import { configContext } from '../context.js';
import { StoreController } from '../controllers/store-controller.js';
import { EMPTY_CONFIG, mineFor, type PanelConfig } from '../data/panel-config.js';
import { DEFAULT_QUERY, groupCounts, isDefaultQuery, requesters, selectRequests, type Group, type ListQuery, type Mine } from '../data/query.js';
import { CARD_HEIGHT } from './mt-request-card.js';
import type { MtVirtualList } from './mt-virtual-list.js';
import { base } from './styles.js';
import './mt-list-toolbar.js';
import './mt-request-card.js';
import './mt-virtual-list.js';

interface Selection {
  revision: number;
  query: ListQuery;
  config: PanelConfig;
  mine: Mine | null;
  items: StatePayload[];
  counts: Record<Group, number>;
  requesters: string[];
  total: number;
}

@customElement('mt-request-list')
export class MtRequestList extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      mt-virtual-list {
        flex: 1;
      }
      .empty {
        padding: 48px 16px;
        text-align: center;
      }
    `,
  ];

  @property({ attribute: false }) query: ListQuery = DEFAULT_QUERY;
  /** False while hidden behind the detail view: no work is done then. */
  @property({ type: Boolean }) active = true;

  @consume({ context: configContext, subscribe: true })
  @state()
  private config: PanelConfig = EMPTY_CONFIG;

  private readonly data = new StoreController(this, (change) => change.ids.size > 0 || change.synced);
  private selection: Selection | null = null;
  @query('mt-virtual-list') private list?: MtVirtualList<StatePayload>;

  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    return this.active || changed.has('active');
  }

  protected override updated(changed: PropertyValues<this>): void {
    const before = changed.get('query');
    if (before && (before.sort !== this.query.sort || before.group !== this.query.group)) this.list?.resetScroll();
  }

  override render() {
    const store = this.data.store;
    const s = this.select();
    const connecting = !store?.synced;
    return html`
      <mt-list-toolbar .query=${this.query} .counts=${s.counts} .requesters=${s.requesters} .shown=${s.items.length} .total=${s.total}></mt-list-toolbar>
      ${
        s.items.length === 0
          ? html`<p class="empty muted" data-testid="list-empty">
            ${connecting ? 'Waiting for the tracker…' : s.total === 0 ? 'No requests yet.' : isDefaultQuery(this.query) ? 'Nothing here.' : 'No request matches these filters.'}
          </p>`
          : html`<mt-virtual-list
            data-testid="request-list"
            label="Requests"
            .items=${s.items}
            .keyOf=${(r: StatePayload) => r.id}
            .renderItem=${(r: StatePayload) => html`<mt-request-card .request=${r} ?mine=${s.mine?.(r.requested_by) ?? false}></mt-request-card>`}
            .rowHeight=${CARD_HEIGHT}
            .minColumnWidth=${340}
            .gap=${12}
          ></mt-virtual-list>`
      }
    `;
  }

  /** Filtered and sorted once per store revision and query, not per render. */
  private select(): Selection {
    const store = this.data.store;
    const revision = store?.requestsRevision ?? -1;
    const prev = this.selection;
    if (prev && prev.revision === revision && prev.query === this.query && prev.config === this.config) return prev;
    const all = store?.requests() ?? [];
    const mine = mineFor(this.config.viewer);
    this.selection = {
      revision,
      query: this.query,
      config: this.config,
      mine,
      items: selectRequests(all, this.query, mine),
      counts: groupCounts(all, this.query),
      requesters: requesters(all),
      total: all.length,
    };
    return this.selection;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-request-list': MtRequestList;
  }
}

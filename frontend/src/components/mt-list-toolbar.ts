/** Search, state-group chips, type/anime/requester filters and the sort order. */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { DEFAULT_QUERY, GROUP_LABELS, GROUPS, SORT_LABELS, SORTS, isDefaultQuery, type Group, type ListQuery } from '../data/query.js';
import { fireEvent } from './events.js';
import { icon } from './icons.js';
import { base } from './styles.js';

@customElement('mt-list-toolbar')
export class MtListToolbar extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 8px;
        padding: 12px 12px 0;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      .selects {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
      }
      @media (max-width: 600px) {
        /* Phones: one line of filters that scrolls sideways, like the state chips. */
        .selects {
          flex-wrap: nowrap;
          overflow-x: auto;
          scrollbar-width: none;
          width: 100%;
        }
        select {
          flex: none;
        }
      }
      .search {
        flex: 1 1 220px;
        display: flex;
        align-items: center;
        gap: 6px;
        padding: 0 10px;
        height: 36px;
        border-radius: 18px;
        background: var(--card-background-color, #fff);
        border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      }
      .search:focus-within {
        border-color: var(--primary-color, #03a9f4);
      }
      .search svg {
        width: 18px;
        height: 18px;
        fill: var(--secondary-text-color, #727272);
        flex: none;
      }
      input:focus-visible {
        outline: none;
      }
      input {
        flex: 1;
        min-width: 0;
        border: none;
        outline: none;
        background: transparent;
        color: inherit;
        font: inherit;
        font-size: 14px;
      }
      select {
        height: 36px;
        padding: 0 8px;
        border-radius: 8px;
        border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
        background: var(--card-background-color, #fff);
        color: inherit;
        font: inherit;
        font-size: 13px;
        max-width: 150px;
      }
      .groups {
        display: flex;
        gap: 6px;
        overflow-x: auto;
        scrollbar-width: none;
        padding-bottom: 2px;
      }
      .groups button {
        flex: none;
        height: 30px;
        padding: 0 12px;
        border-radius: 15px;
        border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color, #212121);
        font-size: 13px;
      }
      .groups button[aria-pressed='true'] {
        background: var(--primary-color, #03a9f4);
        border-color: var(--primary-color, #03a9f4);
        color: var(--text-primary-color, #fff);
      }
      .count {
        font-size: 12px;
        margin-left: 4px;
        opacity: 0.8;
      }
      .summary {
        font-size: 12px;
        display: flex;
        gap: 8px;
        align-items: center;
        justify-content: space-between;
        min-height: 20px;
      }
      .link {
        border: none;
        background: none;
        padding: 0;
        color: var(--primary-color, #03a9f4);
        font-size: 12px;
      }
    `,
  ];

  @property({ attribute: false }) query: ListQuery = DEFAULT_QUERY;
  @property({ attribute: false }) counts: Partial<Record<Group, number>> = {};
  @property({ attribute: false }) requesters: readonly string[] = [];
  @property({ type: Number }) shown = 0;
  @property({ type: Number }) total = 0;

  override render() {
    const q = this.query;
    return html`
      <div class="row">
        <label class="search">
          ${icon('search')}
          <span class="visually-hidden">Search by title</span>
          <input
            type="search"
            data-testid="search"
            placeholder="Search by title"
            .value=${q.search}
            @input=${(e: Event) => this.change({ search: (e.target as HTMLInputElement).value }, true)}
          />
        </label>
        <div class="selects">
        ${this.select('media', 'Type', [
          ['all', 'All types'],
          ['movie', 'Movies'],
          ['tv', 'TV'],
        ])}
        ${this.select('anime', 'Anime', [
          ['all', 'Anime or not'],
          ['anime', 'Anime only'],
          ['regular', 'No anime'],
        ])}
        ${this.select('requester', 'Requester', [['', 'Everyone'], ...this.requesters.map((r) => [r, r] as [string, string])])}
        ${this.select(
          'sort',
          'Sort by',
          SORTS.map((s) => [s, `Sort: ${SORT_LABELS[s]}`] as [string, string]),
        )}
        </div>
      </div>
      <div class="groups" role="group" aria-label="State">
        ${GROUPS.map(
          (g) =>
            html`<button type="button" data-testid=${`group-${g}`} aria-pressed=${q.group === g ? 'true' : 'false'} @click=${() => this.change({ group: g })}>
              ${GROUP_LABELS[g]}<span class="count">${this.counts[g] ?? 0}</span>
            </button>`,
        )}
      </div>
      <div class="summary muted" aria-live="polite">
        <span data-testid="list-summary">${this.shown === this.total ? `${this.total} requests` : `${this.shown} of ${this.total} requests`}</span>
        ${isDefaultQuery(q) ? '' : html`<button type="button" class="link" @click=${() => this.change(DEFAULT_QUERY)}>Clear filters</button>`}
      </div>
    `;
  }

  private select(key: 'media' | 'anime' | 'requester' | 'sort', label: string, options: Array<[string, string]>) {
    const value = this.query[key];
    return html`<select
      aria-label=${label}
      data-testid=${`filter-${key}`}
      @change=${(e: Event) => this.change({ [key]: (e.target as HTMLSelectElement).value })}
    >
      ${options.map(([v, text]) => html`<option value=${v} ?selected=${v === value}>${text}</option>`)}
    </select>`;
  }

  private change(patch: Partial<ListQuery>, replace = false): void {
    fireEvent(this, 'query-change', { query: { ...this.query, ...patch }, replace });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-list-toolbar': MtListToolbar;
  }
}

/**
 * TV episodes as a grid: one row per season, one cell per wanted episode, coloured by state,
 * with the download progress on downloading cells. An episode that has not aired is drawn
 * apart (dashed, its air date in the title): it is waited for, not missing. An upgrade in
 * flight marks its cell. Arrow keys move between cells; the focused (or hovered) episode's
 * release and file are shown under the grid.
 */
import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { STATES, type EpisodePayload } from '../../../src/contract/index.js';
import { seasonRows, stateCounts, type SeasonRow } from '../data/episodes.js';
import { episodeCode } from '../data/format.js';
import { episodeText, shownState, stateLabel, UNAIRED } from '../data/progress-text.js';
import { base, stateColor } from './styles.js';

const LEGEND_ORDER: readonly string[] = [UNAIRED, ...STATES];

@customElement('mt-episode-grid')
export class MtEpisodeGrid extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      .grid {
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      .season {
        display: flex;
        gap: 8px;
        align-items: flex-start;
      }
      .season-label {
        flex: none;
        width: 44px;
        font-size: 13px;
        font-weight: 500;
        line-height: 32px;
      }
      .season-label small {
        display: block;
        font-weight: 400;
        line-height: 14px;
        font-size: 11px;
      }
      .cells {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
      }
      .cell {
        position: relative;
        width: 32px;
        height: 32px;
        border-radius: 6px;
        display: flex;
        align-items: center;
        justify-content: center;
        font-size: 12px;
        font-weight: 500;
        color: #fff;
        text-shadow: 0 0 2px rgba(0, 0, 0, 0.5);
        background: var(--state-color);
        overflow: hidden;
        cursor: default;
        user-select: none;
      }
      .cell.pending {
        color: var(--primary-text-color, #212121);
        text-shadow: none;
        background: color-mix(in srgb, var(--state-color) 25%, transparent);
        border: 1px solid var(--state-color);
      }
      .cell.unaired {
        color: var(--secondary-text-color, #727272);
        text-shadow: none;
        background: transparent;
        border: 1px dashed var(--secondary-text-color, #727272);
      }
      /* An upgrade in flight: a corner mark, the cell keeps its (available) colour. */
      .cell .upgrade {
        position: absolute;
        top: 0;
        right: 0;
        border-style: solid;
        border-width: 0 10px 10px 0;
        border-color: transparent ${unsafeCSS(stateColor('DOWNLOADING'))} transparent transparent;
      }
      .cell .fill {
        position: absolute;
        left: 0;
        bottom: 0;
        height: 4px;
        background: #fff;
        opacity: 0.9;
      }
      .grid:focus-within .cell[aria-selected='true'] {
        outline: 2px solid var(--primary-text-color, #212121);
        outline-offset: 1px;
      }
      .info {
        min-height: 36px;
        margin: 10px 0 0;
        font-size: 12px;
        word-break: break-all;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 12px;
        margin-top: 8px;
        font-size: 12px;
      }
      .legend span {
        display: inline-flex;
        align-items: center;
        gap: 4px;
      }
      .legend i {
        width: 10px;
        height: 10px;
        border-radius: 3px;
        background: var(--state-color);
      }
    `,
  ];

  @property({ attribute: false }) episodes: readonly EpisodePayload[] = [];
  @state() private focused = 0;
  @state() private hovered: number | null = null;
  private rows: SeasonRow[] = [];
  private flat: EpisodePayload[] = [];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('episodes')) {
      this.rows = seasonRows(this.episodes);
      this.flat = this.rows.flatMap((r) => r.episodes);
      if (this.focused >= this.flat.length) this.focused = 0;
    }
  }

  override render() {
    if (this.flat.length === 0) return html`<p class="muted">No episode known yet.</p>`;
    const shown = this.flat[this.hovered ?? this.focused];
    let index = 0;
    return html`<div class="grid" role="grid" aria-label="Episodes by season" data-testid="episode-grid" @keydown=${this.onKeyDown}>
        ${this.rows.map(
          (row) => html`<div class="season" role="row">
            <div class="season-label" role="rowheader">
              S${row.season}<small class="muted">${row.available}/${row.episodes.length}</small>
            </div>
            <div class="cells">${row.episodes.map((e) => this.renderCell(e, index++))}</div>
          </div>`,
        )}
      </div>
      <p class="info muted" data-testid="episode-info" aria-live="polite">${shown ? episodeText(shown) : nothing}</p>
      <div class="legend" aria-label="Legend">
        ${stateCounts(
          this.flat.map((e) => ({ state: shownState(e) })),
          LEGEND_ORDER,
        ).map(({ state, count }) => html`<span style="--state-color: ${stateColor(state)}"><i></i>${stateLabel(state)} ${count}</span>`)}
      </div>`;
  }

  private renderCell(e: EpisodePayload, index: number) {
    const downloading = e.state === 'DOWNLOADING' || e.state === 'GRABBING';
    const shown = shownState(e);
    const look = shown === UNAIRED ? 'unaired' : e.state === 'REQUESTED' || e.state === 'APPROVED' || e.state === 'SEARCHING' ? 'pending' : '';
    const text = episodeText(e);
    return html`<div
      class="cell ${look}"
      role="gridcell"
      tabindex=${index === this.focused ? 0 : -1}
      aria-selected=${index === this.focused ? 'true' : 'false'}
      aria-label=${text}
      title=${text}
      data-testid="episode-cell"
      data-episode=${episodeCode(e.season, e.episode)}
      data-state=${e.state}
      data-aired=${e.aired ? 'true' : 'false'}
      data-upgrade=${e.upgrade?.state ?? nothing}
      data-index=${index}
      style="--state-color: ${stateColor(shown)}"
      @focus=${() => (this.focused = index)}
      @click=${() => (this.focused = index)}
      @mouseenter=${() => (this.hovered = index)}
      @mouseleave=${() => (this.hovered = null)}
    >
      ${e.episode}${downloading && e.progress !== null ? html`<span class="fill" style="width: ${Math.round(e.progress * 100)}%"></span>` : nothing}${
        e.upgrade ? html`<span class="upgrade" aria-hidden="true"></span>` : nothing
      }
    </div>`;
  }

  private onKeyDown(ev: KeyboardEvent): void {
    const current = this.flat[this.focused];
    if (!current) return;
    let next: number | null = null;
    if (ev.key === 'ArrowRight') next = Math.min(this.flat.length - 1, this.focused + 1);
    else if (ev.key === 'ArrowLeft') next = Math.max(0, this.focused - 1);
    else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = this.flat.length - 1;
    else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      const r = this.rows.findIndex((row) => row.season === current.season);
      const target = this.rows[r + (ev.key === 'ArrowDown' ? 1 : -1)];
      if (target) {
        const pos = this.rows[r]!.episodes.indexOf(current);
        const e = target.episodes[Math.min(pos, target.episodes.length - 1)]!;
        next = this.flat.indexOf(e);
      }
    }
    if (next === null) return;
    ev.preventDefault();
    this.focused = next;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`.cell[data-index="${next}"]`)?.focus());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-episode-grid': MtEpisodeGrid;
  }
}

/**
 * One request in the list: poster, title, badges (4K, anime), requester, state, progress
 * while downloading, an upgrade in flight, the episode count and next air date for TV, the
 * stuck reason, time in the current state. The whole card is a link to the detail view. Its
 * height is fixed (the list is virtual).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { StatePayload } from '../../../src/contract/index.js';
import { ClockController } from '../controllers/clock-controller.js';
import { age, duration, percent, speed, titleWithYear, via } from '../data/format.js';
import { availabilityParts, upgradeText, watchableText } from '../data/progress-text.js';
import { isDownloading } from '../data/query.js';
import { detailHref } from '../data/route.js';
import { icon } from './icons.js';
import { base, stateColor } from './styles.js';
import './mt-poster.js';
import './mt-progress.js';
import './mt-state-badge.js';

export const CARD_HEIGHT = 140;

@customElement('mt-request-card')
export class MtRequestCard extends LitElement {
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  static override styles = [
    base,
    css`
      :host {
        display: block;
        height: 100%;
      }
      a {
        display: flex;
        gap: 12px;
        height: 100%;
        padding: 12px;
        color: inherit;
        text-decoration: none;
        overflow: hidden;
      }
      a:hover {
        border-color: var(--primary-color, #03a9f4);
      }
      a.stuck {
        border-left: 4px solid var(--warning-color, #ffa600);
      }
      mt-poster {
        width: 72px;
        align-self: flex-start;
      }
      .body {
        display: flex;
        flex-direction: column;
        gap: 4px;
        min-width: 0;
        flex: 1;
      }
      .top {
        display: flex;
        align-items: flex-start;
        gap: 8px;
      }
      h3 {
        flex: 1;
        min-width: 0;
        margin: 0;
        font-size: 15px;
        font-weight: 500;
        line-height: 20px;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .meta {
        display: flex;
        flex-wrap: nowrap;
        align-items: center;
        gap: 6px;
        overflow: hidden;
        font-size: 12px;
      }
      .meta .who {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .line {
        font-size: 12px;
        line-height: 16px;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .stuck-reason {
        color: var(--warning-color, #ffa600);
        display: flex;
        gap: 4px;
        align-items: center;
      }
      [data-testid='watchable'] {
        display: flex;
        gap: 4px;
        align-items: center;
      }
      [data-testid='watchable'] svg,
      .stuck-reason svg {
        flex: none;
        width: 14px;
        height: 14px;
        fill: currentColor;
      }
      .stuck-reason span {
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .progress {
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      .bottom {
        margin-top: auto;
        display: flex;
        justify-content: space-between;
        gap: 8px;
      }
      .bottom {
        align-items: flex-end;
      }
      /* The count and the next air date may take two lines rather than lose the date. */
      .bottom > .line {
        min-width: 0;
        white-space: normal;
        display: -webkit-box;
        -webkit-line-clamp: 2;
        -webkit-box-orient: vertical;
      }
      .nowrap {
        white-space: nowrap;
      }
      .bottom > [data-testid='state-age'] {
        flex: none;
      }
    `,
  ];

  @property({ attribute: false }) request: StatePayload | null = null;
  /** The viewer made this request (listed first). */
  @property({ type: Boolean }) mine = false;

  private readonly clock = new ClockController(this, 30_000);

  override render() {
    const r = this.request;
    if (!r) return nothing;
    const now = this.clock.now;
    const downloading = isDownloading(r);
    const count = r.media_type === 'tv' ? availabilityParts(r) : null;
    const label = `${titleWithYear(r.title, r.year)}, ${r.is_4k ? '4K ' : ''}${r.media_type === 'tv' ? 'TV' : 'movie'}${r.is_anime ? ', anime' : ''}, ${r.state_label}`;
    return html`<a
      class="card ${r.stuck ? 'stuck' : ''}"
      href=${detailHref(r.id)}
      data-testid="request-card"
      data-id=${r.id}
      data-state=${r.state}
      data-mine=${this.mine ? 'true' : 'false'}
      aria-label=${label}
      style="--state-color: ${stateColor(r.state)}"
    >
      <mt-poster .src=${r.poster_url} .name=${r.title}></mt-poster>
      <div class="body">
        <div class="top">
          <h3 title=${titleWithYear(r.title, r.year)}>${titleWithYear(r.title, r.year)}</h3>
          <mt-state-badge .state=${r.state} .label=${r.state_label}></mt-state-badge>
        </div>
        <div class="meta">
          <span class="chip" data-testid="media-type">${icon(r.media_type === 'tv' ? 'tv' : 'movie')}${r.media_type === 'tv' ? 'TV' : 'Movie'}</span>
          ${r.is_4k ? html`<span class="chip" data-testid="4k-badge">4K</span>` : nothing}
          ${r.is_anime ? html`<span class="chip" data-testid="anime-badge">${icon('star')}Anime</span>` : nothing}
          ${r.requested_by ? html`<span class="who muted">by ${this.mine ? 'you' : r.requested_by}</span>` : nothing}
        </div>
        ${downloading ? this.renderProgress(r) : nothing}
        ${this.renderWatchable(r, now)}
        ${
          r.stuck
            ? html`<div class="line stuck-reason" data-testid="stuck-reason">${icon('warning')}<span title=${r.stuck.reason}>${r.stuck.reason}</span></div>`
            : r.upgrade
              ? html`<div class="line muted" data-testid="upgrade" title=${r.upgrade.release ?? ''}>${upgradeText(r.upgrade)}</div>`
              : !downloading && r.last_reason
                ? html`<div class="line muted" title=${r.last_reason}>${r.last_reason}</div>`
                : nothing
        }
        <div class="bottom line muted">
          <span class="line"
            >${
              count
                ? html`<span data-testid="episode-count" title=${count.join(' · ')}
                  >${count.map((part, i) => html`${i ? ' · ' : ''}<span class="nowrap">${part}</span>`)}</span
                >`
                : nothing
            }</span
          >
          <span data-testid="state-age" title=${`In this state since ${new Date(r.state_since).toLocaleString()}`}>${age(r.state_since, now)}</span>
        </div>
      </div>
    </a>`;
  }

  private renderWatchable(r: StatePayload, now: number) {
    const w = watchableText(r, now);
    return w ? html`<div class="line muted" data-testid="watchable" data-confidence=${r.watchable_confidence} title=${w.why}>${icon('clock')}${w.text}</div>` : nothing;
  }

  private renderProgress(r: StatePayload) {
    const parts = [percent(r.progress), speed(r.speed_bps), r.eta_s !== null ? `ETA ${duration(r.eta_s)}` : '', via(r.download_client, r.protocol)].filter(Boolean);
    return html`<div class="progress" data-testid="progress">
      <mt-progress .value=${r.progress ?? 0} label="Download progress"></mt-progress>
      <span class="line muted">${parts.join(' · ')}</span>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-request-card': MtRequestCard;
  }
}

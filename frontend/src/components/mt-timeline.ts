/** A request's timeline, newest first: time, source, transition and the reason in words. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { TimelineEntry } from '../../../src/contract/index.js';
import { ClockController } from '../controllers/clock-controller.js';
import { ago, dateTime } from '../data/format.js';
import { base } from './styles.js';
import './mt-state-badge.js';

const MAX_EPISODES = 8;

@customElement('mt-timeline')
export class MtTimeline extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        position: relative;
        padding: 0 0 14px 20px;
        border-left: 2px solid var(--divider-color, rgba(0, 0, 0, 0.12));
        margin-left: 5px;
      }
      li:last-child {
        border-left-color: transparent;
      }
      li::before {
        content: '';
        position: absolute;
        left: -7px;
        top: 3px;
        width: 12px;
        height: 12px;
        border-radius: 50%;
        background: var(--card-background-color, #fff);
        border: 2px solid var(--secondary-text-color, #727272);
      }
      li.transition::before {
        background: var(--primary-color, #03a9f4);
        border-color: var(--primary-color, #03a9f4);
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px;
        font-size: 12px;
      }
      time {
        font-variant-numeric: tabular-nums;
      }
      .reason {
        margin: 4px 0 0;
        font-size: 14px;
        line-height: 1.4;
        word-break: break-word;
      }
      .episodes {
        margin: 2px 0 0;
        font-size: 12px;
      }
      .arrow {
        font-size: 12px;
      }
    `,
  ];

  @property({ attribute: false }) entries: readonly TimelineEntry[] = [];
  private readonly clock = new ClockController(this, 30_000);

  override render() {
    if (this.entries.length === 0) return html`<p class="muted">Nothing recorded yet.</p>`;
    const now = this.clock.now;
    const newestFirst = [...this.entries].reverse();
    return html`<ol data-testid="timeline" aria-label="Timeline, newest first">
      ${newestFirst.map(
        (e) => html`<li class=${e.to ? 'transition' : ''} data-testid="timeline-entry">
          <div class="head">
            <time datetime=${e.at} title=${ago(e.at, now)}>${dateTime(e.at)}</time>
            <span class="chip">${e.source}</span>
            ${
              e.to
                ? html`${e.from ? html`<mt-state-badge .state=${e.from}></mt-state-badge><span class="arrow muted" aria-label="to">→</span>` : nothing}
                  <mt-state-badge .state=${e.to}></mt-state-badge>`
                : nothing
            }
          </div>
          <p class="reason">${e.reason}</p>
          ${
            e.episodes?.length
              ? html`<p class="episodes muted">
                ${e.episodes.slice(0, MAX_EPISODES).join(', ')}${e.episodes.length > MAX_EPISODES ? ` and ${e.episodes.length - MAX_EPISODES} more` : ''}
              </p>`
              : nothing
          }
        </li>`,
      )}
    </ol>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-timeline': MtTimeline;
  }
}

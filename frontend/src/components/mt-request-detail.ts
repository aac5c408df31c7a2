/** One request: header, stuck flag, progress and upgrade in flight, actions, ids, episode grid, timeline. */
import { consume } from '@lit/context';
import { LitElement, css, html, nothing, unsafeCSS } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { serviceLabel, type IssuePayload, type StatePayload, type UpgradePayload } from '../../../src/contract/index.js';
import { configContext } from '../context.js';
import { ClockController } from '../controllers/clock-controller.js';
import { ConnectionController } from '../controllers/connection-controller.js';
import { StoreController } from '../controllers/store-controller.js';
import { WatchController } from '../controllers/watch-controller.js';
import { age, ago, bytes, dateTime, duration, percent, speed, titleWithYear, via } from '../data/format.js';
import { EMPTY_CONFIG, deepLinks, type PanelConfig } from '../data/panel-config.js';
import { availabilityText, upgradeStage } from '../data/progress-text.js';
import { isDownloading } from '../data/query.js';
import { icon } from './icons.js';
import { readOnlyNote, readOnlyStyles } from './read-only.js';
import { base, pageLayout, stateColor } from './styles.js';
import './mt-episode-grid.js';
import './mt-poster.js';
import './mt-progress.js';
import './mt-request-actions.js';
import './mt-state-badge.js';
import './mt-timeline.js';

@customElement('mt-request-detail')
export class MtRequestDetail extends LitElement {
  static override styles = [
    base,
    pageLayout,
    readOnlyStyles,
    css`
      .page {
        max-width: 1100px;
      }
      header {
        display: flex;
        gap: 16px;
        padding: 16px;
      }
      header mt-poster {
        align-self: flex-start;
        width: 104px;
        --mt-poster-font-size: 28px;
      }
      .head {
        display: flex;
        flex-direction: column;
        gap: 8px;
        min-width: 0;
        flex: 1;
      }
      h2 {
        outline: none;
        margin: 0;
        font-size: 22px;
        font-weight: 400;
        line-height: 28px;
        word-break: break-word;
      }
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        align-items: center;
        font-size: 13px;
      }
      .stuck {
        display: flex;
        gap: 8px;
        align-items: flex-start;
        padding: 8px 10px;
        border-radius: 8px;
        font-size: 13px;
        background: color-mix(in srgb, var(--warning-color, #ffa600) 15%, transparent);
        color: var(--primary-text-color, #212121);
      }
      .issues {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 6px;
        font-size: 13px;
      }
      .issues li {
        display: flex;
        gap: 8px;
        align-items: flex-start;
        padding: 8px 10px;
        border-radius: 8px;
        background: color-mix(in srgb, var(--error-color, #db4437) 10%, transparent);
      }
      .issues svg,
      .stuck svg {
        flex: none;
        width: 18px;
        height: 18px;
        fill: var(--warning-color, #ffa600);
      }
      .progress-text {
        font-size: 12px;
        margin-top: 4px;
      }
      .upgrade {
        display: flex;
        flex-direction: column;
        gap: 4px;
        padding: 8px 10px;
        border-radius: 8px;
        font-size: 13px;
        background: color-mix(in srgb, ${unsafeCSS(stateColor('DOWNLOADING'))} 12%, transparent);
        --state-color: ${unsafeCSS(stateColor('DOWNLOADING'))};
      }
      .upgrade .release {
        font-size: 12px;
        word-break: break-all;
      }
      .columns {
        display: grid;
        grid-template-columns: minmax(0, 2fr) minmax(0, 1fr);
        gap: 12px;
        align-items: start;
      }
      @media (max-width: 760px) {
        .columns {
          grid-template-columns: minmax(0, 1fr);
        }
        header mt-poster {
          width: 76px;
        }
        h2 {
          font-size: 18px;
          line-height: 24px;
        }
      }
      section {
        padding: 16px;
      }
      .main,
      .side {
        display: flex;
        flex-direction: column;
        gap: 12px;
        min-width: 0;
      }
      h3 {
        margin: 0 0 12px;
        font-size: 16px;
        font-weight: 500;
      }
      dl {
        display: grid;
        grid-template-columns: auto minmax(0, 1fr);
        gap: 6px 12px;
        margin: 0;
        font-size: 13px;
      }
      dt {
        color: var(--secondary-text-color, #727272);
      }
      dd {
        margin: 0;
        word-break: break-word;
        font-variant-numeric: tabular-nums;
      }
      .missing {
        padding: 48px 16px;
        text-align: center;
      }
      .links {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin-top: 12px;
      }
      .links a {
        display: inline-flex;
        align-items: center;
        height: 28px;
        padding: 0 12px;
        border-radius: 14px;
        border: 1px solid var(--primary-color, #03a9f4);
        font-size: 12px;
        text-decoration: none;
      }
    `,
  ];

  @property() requestId = '';
  @property() backHref = '#/';

  @consume({ context: configContext, subscribe: true })
  @state()
  private config: PanelConfig = EMPTY_CONFIG;

  private readonly data = new StoreController(this, (change) => change.ids.has(this.requestId) || change.synced);
  private readonly clock = new ClockController(this, 10_000);
  private readonly link = new ConnectionController(this);
  /** Episodes and timeline are only subscribed while this view shows them. */
  readonly watch = new WatchController(
    this,
    () => this.link.connection,
    () => this.requestId,
  );

  private focused = false;

  protected override updated(): void {
    const r = this.data.store?.get(this.requestId)?.state;
    document.title = r ? `${titleWithYear(r.title, r.year)} · Media Tracker` : 'Media Tracker';
    // Opening a request moves the focus to its title, for keyboard and screen reader users.
    if (r && !this.focused) {
      this.focused = true;
      this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.title = 'Media Tracker';
  }

  override render() {
    const record = this.data.store?.get(this.requestId);
    const r = record?.state;
    const back = html`<a class="back" href=${this.backHref} data-testid="back">${icon('back')}All requests</a>`;
    if (!r) {
      const waiting = !this.data.store?.synced;
      return html`<div class="page">
        ${back}
        <p class="missing muted" data-testid="detail-missing">
          ${waiting ? 'Loading…' : html`No request <code>${this.requestId}</code>: it may have been forgotten.`}
        </p>
      </div>`;
    }
    return html`<div class="page" data-testid="request-detail" data-id=${r.id}>
      ${back} ${this.renderHeader(r)}
      <div class="columns">
        <div class="main">
          ${
            r.media_type === 'tv'
              ? html`<section class="card" aria-labelledby="episodes">
                <h3 id="episodes">Episodes <span class="muted" data-testid="availability">${availabilityText(r)}</span></h3>
                <mt-episode-grid .episodes=${record.episodes ?? []}></mt-episode-grid>
              </section>`
              : nothing
          }
          <section class="card" aria-labelledby="timeline">
            <h3 id="timeline">Timeline</h3>
            <mt-timeline .entries=${record.timeline ?? []}></mt-timeline>
          </section>
        </div>
        <div class="side">
          <section class="card" aria-labelledby="actions">
            <h3 id="actions">Actions</h3>
            ${
              this.config.commands
                ? html`<mt-request-actions .requestId=${r.id} .decidable=${this.config.approvals && r.state === 'REQUESTED'}></mt-request-actions>`
                : readOnlyNote(this.config.viewer)
            }
          </section>
          <section class="card" aria-labelledby="ids">
            <h3 id="ids">Details</h3>
            ${this.renderIds(r)}
          </section>
        </div>
      </div>
    </div>`;
  }

  private renderHeader(r: StatePayload) {
    const now = this.clock.now;
    const showProgress = isDownloading(r);
    return html`<header class="card" style="--state-color: ${stateColor(r.state)}">
      <mt-poster .src=${r.poster_url} .name=${r.title}></mt-poster>
      <div class="head">
        <h2 tabindex="-1">${titleWithYear(r.title, r.year)}</h2>
        <div class="chips">
          <mt-state-badge .state=${r.state} .label=${r.state_label}></mt-state-badge>
          <span class="muted" data-testid="state-age">for ${age(r.state_since, now)}</span>
        </div>
        <div class="chips">
          <span class="chip">${icon(r.media_type === 'tv' ? 'tv' : 'movie')}${r.media_type === 'tv' ? 'TV' : 'Movie'}</span>
          ${r.is_4k ? html`<span class="chip" data-testid="4k-badge">4K</span>` : nothing}
          ${r.is_anime ? html`<span class="chip" title=${r.anime_source ?? ''}>${icon('star')}Anime</span>` : nothing}
          ${r.requested_by ? html`<span class="chip">${icon('person')}${r.requested_by}</span>` : nothing}
          ${r.media_type === 'tv' && r.requested_seasons.length ? html`<span class="muted">Season${r.requested_seasons.length > 1 ? 's' : ''} ${r.requested_seasons.join(', ')}</span>` : nothing}
        </div>
        ${
          r.stuck
            ? html`<div class="stuck" role="alert" data-testid="stuck-reason">
              ${icon('warning')}<span>${r.stuck.reason} <span class="muted">(since ${ago(r.stuck.since, now)})</span></span>
            </div>`
            : nothing
        }
        ${
          showProgress
            ? html`<div data-testid="progress">
              <mt-progress .value=${r.progress ?? 0} label="Download progress"></mt-progress>
              <div class="progress-text muted">
                ${[percent(r.progress), speed(r.speed_bps), r.eta_s !== null ? `ETA ${duration(r.eta_s)}` : '', r.size ? `of ${bytes(r.size)}` : '', via(r.download_client, r.protocol)].filter(Boolean).join(' · ')}
              </div>
            </div>`
            : nothing
        }
        ${r.upgrade ? this.renderUpgrade(r.upgrade) : nothing}
        ${r.issues.length ? this.renderIssues(r.issues, now) : nothing}
      </div>
    </header>`;
  }

  /** A better release on its way: the request stays available meanwhile. */
  /** Problems someone reported in Jellyseerr and nobody resolved yet. */
  private renderIssues(issues: readonly IssuePayload[], now: number) {
    return html`<ul class="issues" data-testid="issues" aria-label="Open issues">
      ${issues.map(
        (i) =>
          html`<li data-testid="issue" data-id=${i.id}>
            ${icon('warning')}<span
              ><strong>Issue #${i.id}${i.type ? ` (${i.type})` : ''}</strong>${i.reported_by ? ` reported by ${i.reported_by}` : ''} ${ago(i.since, now)}${i.message ? html`: ${i.message}` : ''}${
                i.last_comment ? html`<br /><span class="muted">Last comment${i.last_comment.by ? ` by ${i.last_comment.by}` : ''}: ${i.last_comment.message}</span>` : nothing
              }</span
            >
          </li>`,
      )}
    </ul>`;
  }

  private renderUpgrade(u: UpgradePayload) {
    return html`<div class="upgrade" data-testid="upgrade" data-state=${u.state}>
      <span
        ><strong>Upgrade</strong>${u.episodes.length ? ` of ${u.episodes.join(', ')}` : ''}: ${upgradeStage(u)}
        <span class="muted" title=${ago(u.since, this.clock.now)}>since ${dateTime(u.since)}</span></span
      >
      ${u.state === 'DOWNLOADING' && u.progress !== null ? html`<mt-progress .value=${u.progress} label="Upgrade progress"></mt-progress>` : nothing}
      ${u.release ? html`<span class="release muted" data-testid="upgrade-release">${u.release}</span>` : nothing}
    </div>`;
  }

  private renderIds(r: StatePayload) {
    const integrations = this.data.store?.bridgeInfo?.integrations;
    const rows: Array<[string, unknown]> = [
      ['Id', r.id],
      ['Origin', r.origin],
      ['Jellyseerr request', r.jellyseerr_request_id],
      ['TMDB', r.tmdb_id],
      ['TVDB', r.tvdb_id],
      ['IMDb', r.imdb_id],
      [r.arr ? `${serviceLabel(r.arr.service, integrations)} (${r.arr.instance})` : 'PVR', r.arr?.id],
      ['Jellyfin', r.jellyfin_id],
      ['Anime because', r.is_anime ? r.anime_source : null],
      ['Size', r.size ? bytes(r.size) : null],
      ['Downloads', r.downloads || null],
      ['Requested', dateTime(r.created_at)],
      ['Updated', dateTime(r.updated_at)],
    ];
    const links = deepLinks(r, this.config, integrations);
    return html`<dl data-testid="ids">
        ${rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
      </dl>
      ${
        links.length
          ? html`<nav class="links" aria-label="Open in">
            ${links.map((l) => html`<a href=${l.href} target="_blank" rel="noopener noreferrer" data-testid="deep-link" data-service=${l.service}>${l.label}</a>`)}
          </nav>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-request-detail': MtRequestDetail;
  }
}

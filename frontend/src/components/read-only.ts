/**
 * The note a read-only viewer sees where the command buttons would be: panel.json said this
 * viewer's commands are not carried out (the add-on's `command_users`).
 */
import { css, html } from 'lit';
import type { Viewer } from '../data/panel-config.js';

export function readOnlyNote(viewer: Viewer | null) {
  const who = viewer ? viewer.display_name || viewer.name : 'This Home Assistant user';
  return html`<p class="read-only-note" role="note" data-testid="read-only-note">
    Read-only: ${who} is not in the add-on's <code>command_users</code> option, so retry, forget, approve, decline, the checks
    and auto-configuration are not offered here.
  </p>`;
}

export const readOnlyStyles = css`
  .read-only-note {
    margin: 0;
    font-size: 13px;
    color: var(--secondary-text-color, #727272);
  }
`;

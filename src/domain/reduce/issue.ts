/**
 * Issues reported in the request manager: kept on the request (its attributes) and on its
 * timeline; the stage is untouched. Idempotent by content (a re-delivered notification changes
 * nothing), since the same issue may be resolved, reopened and resolved again.
 */
import type { Draft } from '../draft.js';
import type { IssueEvent } from '../events.js';
import { ISSUE_LIMIT, type RequestIssue } from '../model.js';

function describe(ev: IssueEvent): string {
  const what = `issue #${ev.issue_id}${ev.issue_type ? ` (${ev.issue_type})` : ''}`;
  switch (ev.action) {
    case 'created':
      return `${what} reported${ev.reported_by ? ` by ${ev.reported_by}` : ''}${ev.message ? `: ${ev.message}` : ''}`;
    case 'comment':
      return `comment on ${what}${ev.comment?.by ? ` by ${ev.comment.by}` : ''}${ev.comment ? `: ${ev.comment.message}` : ''}`;
    case 'resolved':
      return `${what} resolved`;
    case 'reopened':
      return `${what} reopened`;
    default:
      return `${what} updated (${ev.status})`;
  }
}

export function onIssue(d: Draft, ev: IssueEvent): string {
  const list = d.r.issues ?? [];
  const known = list.find((i) => i.id === ev.issue_id);
  const comment = ev.comment ?? known?.last_comment ?? null;
  const next: RequestIssue = {
    id: ev.issue_id,
    type: ev.issue_type ?? known?.type ?? null,
    status: ev.status,
    reported_by: ev.reported_by ?? known?.reported_by ?? null,
    message: known?.message ?? ev.message,
    last_comment: comment,
    since: known?.since ?? d.at,
    updated_at: d.at,
  };
  const same = known && known.status === next.status && known.type === next.type && known.reported_by === next.reported_by && JSON.stringify(known.last_comment) === JSON.stringify(next.last_comment);
  if (same) return 'issue (unchanged)';
  d.set('issues', [...list.filter((i) => i.id !== ev.issue_id), next].slice(-ISSUE_LIMIT));
  d.note(`${d.sourceLabel}: ${describe(ev)}`);
  return `issue ${ev.action}`;
}

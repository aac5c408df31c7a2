/**
 * Jellyseerr `ISSUE_*` notifications (docs/upstreams.md §3.2, §3.3) → an `issue` event for the
 * request of the media it names. Pure. The body names no request (an issue is about media):
 * the media's TMDB/TVDB id finds the request. Only user names are carried, never e-mail
 * addresses or avatars. Any other `ISSUE_*` type (one added later) is an update of the issue.
 */
import * as z from 'zod';
import type { IssueEvent, UnstampedEvent } from '../../domain/events.js';
import type { ParseResult } from '../../adapters/types.js';
import { compact, fail, lenient, validate } from '../../adapters/validation.js';
import { JellyseerrMediaSchema, requesterName, TemplatePositiveInt, TemplateText } from './template-values.js';

const IssueNotificationSchema = z.looseObject({
  notification_type: z.string(),
  message: lenient(TemplateText),
  media: JellyseerrMediaSchema,
  issue: z.looseObject({
    issue_id: TemplatePositiveInt,
    issue_type: lenient(TemplateText),
    issue_status: lenient(TemplateText),
    reportedBy_username: lenient(TemplateText),
    reportedBy_email: lenient(TemplateText),
  }),
  comment: lenient(
    z
      .looseObject({
        comment_message: lenient(TemplateText),
        commentedBy_username: lenient(TemplateText),
        commentedBy_email: lenient(TemplateText),
      })
      .nullable(),
  ),
});

const ACTIONS: Record<string, IssueEvent['action']> = {
  ISSUE_CREATED: 'created',
  ISSUE_COMMENT: 'comment',
  ISSUE_RESOLVED: 'resolved',
  ISSUE_REOPENED: 'reopened',
};

export function parseIssue(body: unknown): ParseResult {
  const v = validate(IssueNotificationSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const { tmdbId, tvdbId, media_type: mediaType } = p.media;
  if (tmdbId === null && tvdbId === null) return fail([{ path: 'media.tmdbId', message: 'required (a numeric id, or media.tvdbId): an issue names its media' }]);
  const action = ACTIONS[p.notification_type] ?? 'other';
  const statusText = p.issue.issue_status?.trim().toUpperCase();
  // Created and reopened are open, resolved is resolved; a comment or a later type says it in `issue_status`.
  const status: IssueEvent['status'] = action === 'resolved' || ((action === 'comment' || action === 'other') && statusText === 'RESOLVED') ? 'resolved' : 'open';
  const commentText = p.comment?.comment_message ?? null;
  const event: UnstampedEvent = {
    kind: 'issue',
    // Kept for the journal; issues are idempotent by content (an issue may be resolved twice).
    key: `jellyseerr:issue:${p.issue.issue_id}:${p.notification_type}`,
    source: 'jellyseerr',
    match: compact({ media_type: mediaType, tmdb_id: tmdbId ?? undefined, tvdb_id: tvdbId ?? undefined, scope: 'any' as const }),
    action,
    issue_id: p.issue.issue_id,
    issue_type: p.issue.issue_type?.trim().toLowerCase() ?? null,
    status,
    reported_by: requesterName(p.issue.reportedBy_username ?? null, p.issue.reportedBy_email ?? null),
    message: action === 'created' ? (p.message ?? null) : null,
    comment: action === 'comment' && commentText ? { by: requesterName(p.comment?.commentedBy_username ?? null, p.comment?.commentedBy_email ?? null), message: commentText } : null,
  };
  return { ok: true, events: [event], note: `Jellyseerr ${p.notification_type} for issue ${p.issue.issue_id} (${mediaType} ${tmdbId ?? tvdbId})` };
}

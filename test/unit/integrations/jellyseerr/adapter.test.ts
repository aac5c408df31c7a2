import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RequestEvent, UnstampedEvent } from '../../../../src/domain/events.js';
import { is4kFromStatus, is4kFromText } from '../../../../src/integrations/jellyseerr/adapter-4k.js';
import { parseJellyseerr, parseSeasons, splitSubject } from '../../../../src/integrations/jellyseerr/adapter.js';
import type { AdapterContext, FieldError, ParseResult } from '../../../../src/adapters/types.js';

const ctx: AdapterContext = { anime: { tags: ['anime'], path_patterns: ['/anime/'] } };
const DIR = new URL('../../../fixtures/jellyseerr/', import.meta.url);

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as Record<string, unknown>;
}

function edited(name: string, edit: (body: any) => void): Record<string, unknown> {
  const body = fixture(name);
  edit(body);
  return body;
}

function request(result: ParseResult): Omit<RequestEvent, 'at'> {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  if (!result.ok) throw new Error('not ok');
  expect(result.events).toHaveLength(1);
  const event = result.events[0]! as UnstampedEvent;
  expect(event.kind).toBe('request');
  return event as Omit<RequestEvent, 'at'>;
}

function errors(result: ParseResult): FieldError[] {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unexpectedly ok');
  return result.errors;
}

const ALL_FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

describe('parseJellyseerr: fixtures', () => {
  it('has a fixture for every notification type the adapter handles', () => {
    expect(ALL_FIXTURES).toEqual([
      'issue-created',
      'media-approved-tv',
      'media-auto-approved-movie',
      'media-auto-approved-tv',
      'media-available-tv',
      'media-declined-movie',
      'media-failed-tv',
      'media-pending-movie',
      'overseerr-2021-media-available-movie',
      'test-notification',
    ]);
  });

  it.each(ALL_FIXTURES)('%s parses and never leaks an e-mail address', (name) => {
    const result = parseJellyseerr(fixture(name), ctx);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const json = JSON.stringify(result);
    expect(json).not.toMatch(/@/);
    expect(json).not.toContain('example.');
    expect(json).not.toContain('avatarproxy');
  });

  it('MEDIA_AUTO_APPROVED tv (§3.5)', () => {
    const e = request(parseJellyseerr(fixture('media-auto-approved-tv'), ctx));
    expect(e).toEqual({
      kind: 'request',
      key: 'jellyseerr:61:MEDIA_AUTO_APPROVED',
      source: 'jellyseerr',
      match: { jellyseerr_request_id: 61, media_type: 'tv', tmdb_id: 100757, tvdb_id: 362629, scope: 'any' },
      jellyseerr_request_id: 61,
      status: 'auto_approved',
      notification_type: 'MEDIA_AUTO_APPROVED',
      media: {
        media_type: 'tv',
        title: 'Outer Banks',
        year: 2020,
        tmdb_id: 100757,
        tvdb_id: 362629,
        poster_url: 'https://image.tmdb.org/t/p/w600_and_h900_bestv2/ovDgO2LPfwdVRfvScAqo9aMiIW.jpg',
      },
      requested_by: 'alice',
      requested_seasons: [4],
      // "Series Request Automatically Approved": Jellyseerr's own text, without the 4K prefix.
      is_4k: false,
    });
  });

  it('MEDIA_PENDING movie: tvdbId "" → null, omitted from match; no seasons', () => {
    const e = request(parseJellyseerr(fixture('media-pending-movie'), ctx));
    expect(e.status).toBe('pending');
    expect(e.jellyseerr_request_id).toBe(57);
    expect(e.media).toEqual({
      media_type: 'movie',
      title: 'Dune: Part Two',
      year: 2024,
      tmdb_id: 693134,
      tvdb_id: null,
      poster_url: 'https://image.tmdb.org/t/p/w600_and_h900_bestv2/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg',
    });
    expect(e.match).toEqual({ jellyseerr_request_id: 57, media_type: 'movie', tmdb_id: 693134, scope: 'any' });
    expect(e).not.toHaveProperty('requested_seasons');
    expect(e.requested_by).toBe('bob');
    expect(e.key).toBe('jellyseerr:57:MEDIA_PENDING');
  });

  it('MEDIA_APPROVED tv: seasons "2, 1" sorted', () => {
    const e = request(parseJellyseerr(fixture('media-approved-tv'), ctx));
    expect(e.status).toBe('approved');
    expect(e.requested_seasons).toEqual([1, 2]);
    expect(e.media).toMatchObject({ title: 'The Bear', year: 2022, tvdb_id: 403245, tmdb_id: 136315 });
    expect(e.requested_by).toBe('carol');
  });

  it('MEDIA_AUTO_APPROVED movie', () => {
    const e = request(parseJellyseerr(fixture('media-auto-approved-movie'), ctx));
    expect(e.status).toBe('auto_approved');
    expect(e.media).toMatchObject({ media_type: 'movie', title: 'Perfect Days', year: 2023, tmdb_id: 976893 });
    expect(e.key).toBe('jellyseerr:63:MEDIA_AUTO_APPROVED');
  });

  it.each([
    ['media-declined-movie', 'declined', 64],
    ['media-failed-tv', 'failed', 65],
    ['media-available-tv', 'available', 61],
  ] as const)('%s → status %s', (name, status, id) => {
    const e = request(parseJellyseerr(fixture(name), ctx));
    expect(e.status).toBe(status);
    expect(e.jellyseerr_request_id).toBe(id);
    expect(e.match.scope).toBe('any');
  });

  it('MEDIA_AUTO_REQUESTED → pending', () => {
    const e = request(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.notification_type = 'MEDIA_AUTO_REQUESTED')),
        ctx,
      ),
    );
    expect(e.status).toBe('pending');
  });

  it('keys: same fact ⇒ same key; each fixture distinct', () => {
    const keys = ALL_FIXTURES.flatMap((n) => {
      const r = parseJellyseerr(fixture(n), ctx);
      return r.ok ? r.events.map((e) => e.key) : [];
    });
    expect(keys).toHaveLength(9);
    expect(new Set(keys).size).toBe(9);
    const again = request(parseJellyseerr(fixture('media-available-tv'), ctx));
    expect(again.key).toBe('jellyseerr:61:MEDIA_AVAILABLE');
  });

  it('TEST_NOTIFICATION → ok, no events', () => {
    expect(parseJellyseerr(fixture('test-notification'), ctx)).toEqual({
      ok: true,
      events: [],
      note: 'Jellyseerr test notification, nothing to track',
    });
  });

  it('ISSUE_CREATED → an issue event for the request of its media, with the reporter name only', () => {
    const result = parseJellyseerr(fixture('issue-created'), ctx);
    expect(result).toEqual({
      ok: true,
      note: 'Jellyseerr ISSUE_CREATED for issue 7 (movie 693134)',
      events: [
        {
          kind: 'issue',
          key: 'jellyseerr:issue:7:ISSUE_CREATED',
          source: 'jellyseerr',
          match: { media_type: 'movie', tmdb_id: 693134, scope: 'any' },
          action: 'created',
          issue_id: 7,
          issue_type: 'video',
          status: 'open',
          reported_by: 'bob',
          message: 'The audio is out of sync after the first hour.',
          comment: null,
        },
      ],
    });
  });

  it.each([
    ['ISSUE_COMMENT', 'comment', 'open'],
    ['ISSUE_RESOLVED', 'resolved', 'resolved'],
    ['ISSUE_REOPENED', 'reopened', 'open'],
    ['ISSUE_SOMETHING_NEW', 'other', 'open'],
  ] as const)('%s → an issue event (%s, %s)', (type, action, status) => {
    const body = edited('issue-created', (b) => {
      b.notification_type = type;
      b.comment = { comment_message: 'Fixed with the new release?', commentedBy_username: 'alice@example.org', commentedBy_email: 'alice@example.org' };
    });
    const result = parseJellyseerr(body, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ kind: 'issue', action, status, issue_id: 7, message: null }] });
    const e = result.ok ? result.events[0] : undefined;
    expect(e && 'comment' in e ? e.comment : undefined).toEqual(action === 'comment' ? { by: 'alice', message: 'Fixed with the new release?' } : null);
    expect(JSON.stringify(result)).not.toContain('example.org');
  });

  it('an issue without a media id or an issue id is refused, naming the field', () => {
    expect(
      parseJellyseerr(
        edited('issue-created', (b) => (b.media.tmdbId = '')),
        ctx,
      ),
    ).toMatchObject({ ok: false, errors: [{ path: 'media.tmdbId' }] });
    expect(
      parseJellyseerr(
        edited('issue-created', (b) => (b.issue.issue_id = 'seven')),
        ctx,
      ),
    ).toMatchObject({ ok: false, errors: [{ path: 'issue.issue_id' }] });
  });
});

describe('parseJellyseerr: defensive template parsing', () => {
  it('a display name that is the e-mail address is cut to its local part', () => {
    const body = edited('media-pending-movie', (b) => (b.request.requestedBy_username = 'bob@example.org'));
    const result = parseJellyseerr(body, ctx);
    expect(request(result).requested_by).toBe('bob');
    expect(JSON.stringify(result)).not.toContain('example.org');
  });

  it('an empty username → requested_by null', () => {
    const e = request(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.request.requestedBy_username = '')),
        ctx,
      ),
    );
    expect(e.requested_by).toBeNull();
  });

  it('numbers instead of strings are accepted (hand-edited template)', () => {
    const e = request(
      parseJellyseerr(
        edited('media-approved-tv', (b) => {
          b.request.request_id = 62;
          b.media.tmdbId = 136315;
          b.media.tvdbId = 403245;
        }),
        ctx,
      ),
    );
    expect(e.jellyseerr_request_id).toBe(62);
    expect(e.media.tvdb_id).toBe(403245);
  });

  it('image "" → poster_url null; subject without year → title = subject, year null', () => {
    const e = request(
      parseJellyseerr(
        edited('media-pending-movie', (b) => {
          b.image = '';
          b.subject = 'Dune: Part Two';
        }),
        ctx,
      ),
    );
    expect(e.media.poster_url).toBeNull();
    expect(e.media.title).toBe('Dune: Part Two');
    expect(e.media.year).toBeNull();
  });

  it('missing extra for tv → requested_seasons omitted', () => {
    const e = request(
      parseJellyseerr(
        edited('media-approved-tv', (b) => delete b.extra),
        ctx,
      ),
    );
    expect(e).not.toHaveProperty('requested_seasons');
  });

  it('splitSubject', () => {
    expect(splitSubject('Outer Banks (2020)')).toEqual({ title: 'Outer Banks', year: 2020 });
    expect(splitSubject('1917 (2019)')).toEqual({ title: '1917', year: 2019 });
    expect(splitSubject('Blade Runner 2049 (2017)')).toEqual({ title: 'Blade Runner 2049', year: 2017 });
    expect(splitSubject('The Office (US) (2005)')).toEqual({ title: 'The Office (US)', year: 2005 });
    expect(splitSubject('Dark')).toEqual({ title: 'Dark', year: null });
    expect(splitSubject('(2020)')).toEqual({ title: '(2020)', year: null });
    expect(splitSubject(null)).toEqual({ title: undefined, year: null });
  });

  it('parseSeasons', () => {
    expect(parseSeasons('1, 2')).toEqual([1, 2]);
    expect(parseSeasons('1,2')).toEqual([1, 2]);
    expect(parseSeasons(' 3 ,1 , 2, 2 ')).toEqual([1, 2, 3]);
    expect(parseSeasons('0, 1')).toEqual([0, 1]);
    expect(parseSeasons('1-3')).toEqual([1, 2, 3]);
    expect(parseSeasons('')).toEqual([]);
    expect(parseSeasons('all')).toEqual([]);
    expect(parseSeasons(null)).toEqual([]);
  });
});

describe('parseJellyseerr: invalid input', () => {
  it.each([null, 'MEDIA_PENDING', 7, [{}]])('non-object body %j → (body)', (body) => {
    expect(errors(parseJellyseerr(body, ctx))).toEqual([{ path: '(body)', message: expect.any(String) }]);
  });

  it('missing notification_type is named', () => {
    const errs = errors(
      parseJellyseerr(
        edited('media-pending-movie', (b) => delete b.notification_type),
        ctx,
      ),
    );
    expect(errs.map((e) => e.path)).toEqual(['notification_type']);
  });

  it('unknown notification_type lists the accepted values', () => {
    const [err, ...rest] = errors(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.notification_type = 'MEDIA_EXPLODED')),
        ctx,
      ),
    );
    expect(rest).toEqual([]);
    expect(err!.path).toBe('notification_type');
    expect(err!.message).toContain('MEDIA_EXPLODED');
    expect(err!.message).toContain('MEDIA_AUTO_APPROVED');
    expect(err!.message).toContain('TEST_NOTIFICATION');
  });

  it('request_id "abc" → error naming request.request_id', () => {
    const errs = errors(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.request.request_id = 'abc')),
        ctx,
      ),
    );
    expect(errs).toEqual([{ path: 'request.request_id', message: 'expected a positive integer, got "abc"' }]);
  });

  it.each(['', '0', '-4', '1.5', ' '])('request_id %j is rejected', (id) => {
    const errs = errors(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.request.request_id = id)),
        ctx,
      ),
    );
    expect(errs.map((e) => e.path)).toEqual(['request.request_id']);
  });

  it('missing request_id', () => {
    const errs = errors(
      parseJellyseerr(
        edited('media-pending-movie', (b) => delete b.request.request_id),
        ctx,
      ),
    );
    expect(errs).toEqual([{ path: 'request.request_id', message: 'required (expected a positive integer)' }]);
  });

  it('request null / missing → keyed on the media, matched to its open request, never created', () => {
    for (const edit of [(b: Record<string, unknown>) => (b.request = null), (b: Record<string, unknown>) => delete b.request]) {
      const e = request(parseJellyseerr(edited('media-approved-tv', edit), ctx));
      expect(e.jellyseerr_request_id).toBeNull();
      expect(e.key).toBe('jellyseerr:tv-tmdb-136315:MEDIA_APPROVED');
      expect(e.match).toMatchObject({ tmdb_id: 136315, scope: 'active' });
      expect(e.match).not.toHaveProperty('jellyseerr_request_id');
    }
  });

  it('request missing and no media id → error naming media.tmdbId', () => {
    const body = edited('media-approved-tv', (b) => {
      delete b.request;
      b.media.tmdbId = '';
      b.media.tvdbId = '';
    });
    expect(errors(parseJellyseerr(body, ctx)).map((e) => e.path)).toEqual(['media.tmdbId']);
  });

  it('media null → error naming media', () => {
    expect(
      errors(
        parseJellyseerr(
          edited('media-approved-tv', (b) => (b.media = null)),
          ctx,
        ),
      ).map((e) => e.path),
    ).toEqual(['media']);
  });

  it('bad media_type and ids are each named', () => {
    const errs = errors(
      parseJellyseerr(
        edited('media-approved-tv', (b) => {
          b.media.media_type = 'show';
          b.media.tmdbId = 'tt136315';
          b.media.tvdbId = { id: 1 };
        }),
        ctx,
      ),
    );
    expect(errs.map((e) => e.path).sort()).toEqual(['media.media_type', 'media.tmdbId', 'media.tvdbId']);
    expect(errs.find((e) => e.path === 'media.media_type')!.message).toBe('expected one of "movie", "tv", got "show"');
  });

  it('empty media_type (template variable missing) is an error', () => {
    const errs = errors(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.media.media_type = '')),
        ctx,
      ),
    );
    expect(errs.map((e) => e.path)).toEqual(['media.media_type']);
  });

  it('error output never echoes the e-mail either', () => {
    const result = parseJellyseerr(
      edited('media-pending-movie', (b) => {
        b.request.request_id = 'x';
        b.request.requestedBy_username = ['bob@example.org'];
      }),
      ctx,
    );
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('@');
  });
});

describe('4K requests (no is4k in the default template)', () => {
  it('the event text: the "4K " prefix Jellyseerr puts on 4K requests', () => {
    expect(is4kFromText('New 4K Movie Request')).toBe(true);
    expect(is4kFromText('4K Movie Request Approved')).toBe(true);
    expect(is4kFromText('4K Series Request Now Available')).toBe(true);
    expect(is4kFromText('New Movie Request')).toBe(false);
    expect(is4kFromText('Series Request Automatically Approved')).toBe(false);
    // A custom template's own text, or none at all, says nothing.
    expect(is4kFromText('Something happened')).toBeUndefined();
    expect(is4kFromText(null)).toBeUndefined();
    expect(is4kFromText('Movie Request 4Kids')).toBe(false);
  });

  it('the statuses: the one that moves with the request, while the other does not', () => {
    // The standard copy is already there: a new request can only be the 4K one.
    expect(is4kFromStatus('auto_approved', 'AVAILABLE', 'PROCESSING')).toBe(true);
    expect(is4kFromStatus('pending', 'PENDING', 'UNKNOWN')).toBe(false);
    expect(is4kFromStatus('available', 'PROCESSING', 'AVAILABLE')).toBe(true);
    expect(is4kFromStatus('available', 'PARTIALLY_AVAILABLE', 'UNKNOWN')).toBe(false);
    // Both moving, or an outcome that statuses cannot tell apart.
    expect(is4kFromStatus('approved', 'PROCESSING', 'PROCESSING')).toBeUndefined();
    expect(is4kFromStatus('declined', 'UNKNOWN', 'UNKNOWN')).toBeUndefined();
    expect(is4kFromStatus('approved', null, 'PROCESSING')).toBeUndefined();
  });

  it('a webhook body: is_4k from the text, else from the statuses, else absent', () => {
    const uhd = request(
      parseJellyseerr(
        edited('media-pending-movie', (b) => (b.event = 'New 4K Movie Request')),
        ctx,
      ),
    );
    expect(uhd.is_4k).toBe(true);
    const withStatuses = (event: string, status: string, status4k: string) =>
      request(
        parseJellyseerr(
          edited('media-pending-movie', (b) => {
            b.event = event;
            b.media.status = status;
            b.media.status4k = status4k;
          }),
          ctx,
        ),
      );
    expect(withStatuses('', 'AVAILABLE', 'PENDING').is_4k).toBe(true);
    const unknown = withStatuses('custom', 'PENDING', 'PENDING');
    expect(unknown).not.toHaveProperty('is_4k');
  });
});

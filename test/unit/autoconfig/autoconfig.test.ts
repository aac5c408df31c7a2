/**
 * The pure parts of auto-configuration: the Jellyseerr template the tracker installs (run
 * through Jellyseerr's template engine, as the fake implements it, and then through our
 * adapter), the template check used before keeping a foreign template, URLs as they may
 * be shown, and the public base URL.
 */
import { describe, expect, it } from 'vitest';
import { parseJellyseerr } from '../../../src/integrations/jellyseerr/adapter.js';
import { missingTemplateFields, TRACKER_TEMPLATE, TRACKER_TYPES } from '../../../src/integrations/jellyseerr/template.js';
import { describeReceiver, displayUrl, hookUrl, publicBase, receiptKey, urlMatches } from '../../../src/autoconfig/urls.js';
import type { RequestEvent } from '../../../src/domain/events.js';
import { DEFAULT_TEMPLATE, renderTemplate } from '../../fakes/jellyseerr.js';

const ANIME = { tags: ['anime'], path_patterns: ['/anime/'] };

function render(template: string, vars: Record<string, string>, extra: Array<{ name: string; value: string }>): unknown {
  return renderTemplate(JSON.parse(template) as Record<string, unknown>, { vars, entities: { media: true, request: true }, extra });
}

const TV_VARS = {
  notification_type: 'MEDIA_AUTO_APPROVED',
  event: 'Series Request Automatically Approved',
  subject: 'Outer Banks (2020)',
  image: 'https://image.tmdb.org/t/p/w600_and_h900_bestv2/x.jpg',
  media_type: 'tv',
  media_tmdbid: '100757',
  media_tvdbid: '362629',
  media_status: 'PENDING',
  media_status4k: 'UNKNOWN',
  request_id: '61',
  requestedBy_username: 'alice@example.com',
  requestedBy_email: 'alice@example.com',
};

describe("the tracker's Jellyseerr template", () => {
  it('renders to a body the adapter turns into the full request', () => {
    const body = render(TRACKER_TEMPLATE, TV_VARS, [{ name: 'Requested Seasons', value: '3, 4' }]);
    const parsed = parseJellyseerr(body, { anime: ANIME });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const event = parsed.events[0] as RequestEvent;
    expect(event).toMatchObject({
      jellyseerr_request_id: 61,
      status: 'auto_approved',
      requested_by: 'alice',
      requested_seasons: [3, 4],
      media: { media_type: 'tv', title: 'Outer Banks', year: 2020, tmdb_id: 100757, tvdb_id: 362629 },
    });
  });

  it('carries no field the adapter does not read (no avatars, chat ids or issue data)', () => {
    expect(TRACKER_TEMPLATE).not.toMatch(/avatar|discordId|telegramChatId|issue|comment|message/);
    expect(missingTemplateFields(TRACKER_TEMPLATE)).toEqual([]);
  });

  it("accepts Jellyseerr's default template (also Home Assistant's) as carrying everything essential", () => {
    expect(missingTemplateFields(DEFAULT_TEMPLATE, true)).toEqual([]);
  });

  it('names what a template lacks', () => {
    const bare = JSON.stringify({ notification_type: '{{notification_type}}', subject: '{{subject}}', '{{media}}': { media_type: '{{media_type}}' } });
    expect(missingTemplateFields(bare, true)).toEqual(['media.tmdbId', 'media.tvdbId', 'request.request_id', 'request.requestedBy_username', 'extra']);
    expect(missingTemplateFields('{ not json')).toEqual(['(the template is not valid JSON)']);
  });

  it('subscribes to every request notification the webhook sends', () => {
    // pending 2, approved 4, available 8, failed 16, declined 64, auto-approved 128; not the test (32) or issues.
    expect(TRACKER_TYPES).toBe(222);
  });
});

describe('URLs', () => {
  it('show no credentials, query or opaque ids', () => {
    expect(displayUrl('http://user:pw@ha.local:8123/api/webhook/0123456789abcdef0123456789abcdef?x=1#y')).toBe('http://ha.local:8123/api/webhook/0123…');
    expect(displayUrl('http://tracker:8787/hooks/sonarr/main')).toBe('http://tracker:8787/hooks/sonarr/main');
    expect(displayUrl('not a url')).toBe('(invalid URL)');
    expect(describeReceiver('http://ha.local:8123/api/webhook/0123456789abcdef0123456789abcdef')).toMatch(/Home Assistant's Overseerr integration/);
    expect(describeReceiver('http://notifiarr.example/api/v1/notification/overseerr')).toBe('http://notifiarr.example/api/v1/notification/overseerr');
  });

  it('the public base: public_url when set, else the listen host and port', () => {
    expect(publicBase('http://192.168.1.10:8787/', { host: '0.0.0.0', port: 1 })).toEqual({ url: 'http://192.168.1.10:8787', explicit: true });
    expect(publicBase('', { host: '127.0.0.1', port: 8787 })).toEqual({ url: 'http://127.0.0.1:8787', explicit: false });
    expect(publicBase('', { host: '::1', port: 8787 }).url).toBe('http://[::1]:8787');
    expect(publicBase('', { host: '0.0.0.0', port: 8787 }).url).toMatch(/^http:\/\/[^/]+:8787$/);
  });

  it('an existing URL with another host counts as ours only while public_url is a guess', () => {
    const guessed = publicBase('', { host: '10.0.0.5', port: 8787 });
    const set = publicBase('http://10.0.0.5:8787', { host: '0.0.0.0', port: 8787 });
    const wanted = hookUrl(guessed, 'sonarr', 'main');
    expect(wanted).toBe('http://10.0.0.5:8787/hooks/sonarr/main');
    expect(urlMatches('http://media-tracker:8787/hooks/sonarr/main', wanted, guessed)).toBe(true);
    expect(urlMatches('http://media-tracker:8787/hooks/sonarr/main', hookUrl(set, 'sonarr', 'main'), set)).toBe(false);
    expect(urlMatches('http://media-tracker:8787/hooks/sonarr', wanted, guessed)).toBe(false);
  });

  it('receipt keys follow the webhook routes', () => {
    expect(receiptKey('http://t:8787/hooks/sonarr/main')).toBe('sonarr/main');
    expect(receiptKey('http://t:8787/prefix/hooks/jellyseerr')).toBe('jellyseerr');
    expect(receiptKey('http://t:8787/elsewhere')).toBeNull();
  });
});

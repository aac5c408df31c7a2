import { describe, expect, it } from 'vitest';
import type { DoctorReport, WatcherStatus } from '../../../../src/contract/index.js';
import { assessSources, collectWaiting, sameReport, waitsOn, type AssessInput } from '../../../../src/features/health/assess.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const minAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const base = (over: Partial<AssessInput> = {}): AssessInput => ({
  now: NOW,
  subjects: [
    { integration: 'sonarr', label: 'Sonarr', webhook: true },
    { integration: 'jellyfin', label: 'Jellyfin', webhook: true },
    { integration: 'shoko', label: 'Shoko', webhook: false },
    { integration: 'mqtt', label: 'MQTT', webhook: false },
  ],
  lastEvents: {},
  watchers: [],
  doctor: null,
  health: [],
  waiting: new Map(),
  silenceMs: 60 * 60_000,
  ...over,
});

const source = (input: AssessInput, id: string) => assessSources(input).sources.find((s) => s.integration === id)!;

describe('which source a request waits on', () => {
  const r = (state: string, over: object = {}) => ({ state, media_type: 'tv', is_anime: false, arr: null, ...over }) as Parameters<typeof waitsOn>[0];
  it('the PVR after an approval and after a download; the library after an import; nobody otherwise', () => {
    expect(waitsOn(r('APPROVED'))).toBe('sonarr');
    expect(waitsOn(r('DOWNLOADED', { media_type: 'movie' }))).toBe('radarr');
    expect(waitsOn(r('DOWNLOADED', { arr: { service: 'sonarr', instance: 'anime', id: 3 } }))).toBe('sonarr');
    expect(waitsOn(r('IMPORTING'))).toBe('jellyfin');
    expect(waitsOn(r('IMPORTING', { is_anime: true }))).toBe('shoko');
    expect(waitsOn(r('ANIME_MATCHING', { is_anime: true }))).toBe('jellyfin');
    for (const s of ['REQUESTED', 'SEARCHING', 'GRABBING', 'DOWNLOADING', 'PARTIALLY_AVAILABLE', 'AVAILABLE', 'FAILED', 'DECLINED', 'DELETED']) expect(waitsOn(r(s)), s).toBeNull();
  });

  it('counts the waiting requests per source and keeps the oldest start', () => {
    const w = collectWaiting([
      { state: 'DOWNLOADED', media_type: 'tv', is_anime: false, arr: null, state_since: minAgo(10) },
      { state: 'APPROVED', media_type: 'tv', is_anime: false, arr: null, state_since: minAgo(90) },
      { state: 'IMPORTING', media_type: 'movie', is_anime: false, arr: null, state_since: minAgo(5) },
      { state: 'AVAILABLE', media_type: 'movie', is_anime: false, arr: null, state_since: minAgo(500) },
    ]);
    expect(Object.fromEntries(w)).toEqual({ sonarr: { count: 2, since: Date.parse(minAgo(90)) }, jellyfin: { count: 1, since: Date.parse(minAgo(5)) } });
  });
});

describe('a source with a problem', () => {
  it('has none with nothing wrong, and reports its newest receipt over its instances', () => {
    const s = source(base({ lastEvents: { 'sonarr/main': minAgo(30), 'sonarr/4k': minAgo(3), sonarrx: minAgo(1) } }), 'sonarr');
    expect(s).toEqual({ integration: 'sonarr', label: 'Sonarr', problem: false, reasons: [], last_event: minAgo(3), health: [], checked_at: null });
  });

  it('an unhealthy watcher (down, key refused) names the instance and says what failed', () => {
    const watchers: WatcherStatus[] = [
      { name: 'sonarr/4k/reconcile', healthy: false, last_ok: null, last_error: 'sonarr/4k: GET /api/v3/queue answered HTTP 401' },
      { name: 'sonarr/main/reconcile', healthy: false, last_ok: null, last_error: 'connect ECONNREFUSED 127.0.0.1:8989' },
      { name: 'sonarr/sonarr/reconcile', healthy: true, last_ok: minAgo(1), last_error: null },
      { name: 'shoko', healthy: false, last_ok: null, last_error: 'Shoko: the SignalR hub refused the connection (HTTP 401)' },
      { name: 'jellyfin', healthy: false, last_ok: null, last_error: null },
      { name: 'stuck', healthy: false, last_ok: null, last_error: 'not a source' },
    ];
    const input = base({ watchers });
    expect(source(input, 'sonarr')).toMatchObject({ problem: true, reasons: ['sonarr/4k: GET /api/v3/queue answered HTTP 401', 'Sonarr (main): connect ECONNREFUSED 127.0.0.1:8989'] });
    expect(source(input, 'shoko')).toMatchObject({ problem: true, reasons: ['Shoko: the SignalR hub refused the connection (HTTP 401)'] });
    // Its first cycle has not finished: no verdict yet.
    expect(source(input, 'jellyfin')).toMatchObject({ problem: false, reasons: [] });
    expect(assessSources(input).ok).toBe(false);
  });

  it("the doctor's errors and warnings are problems; ok and skipped checks are not", () => {
    const doctor: DoctorReport = {
      checked_at: minAgo(2),
      ok: false,
      checks: [
        {
          id: 'sonarr/main/webhook',
          integration: 'sonarr',
          instance: 'main',
          check: 'webhook',
          status: 'warning',
          summary: 'Sonarr\'s "Media Tracker" connection needs fixing',
          detail: null,
          fix: 'autoconfigure',
        },
        { id: 'sonarr/main/reachable', integration: 'sonarr', instance: 'main', check: 'reachable', status: 'ok', summary: 'Sonarr answers', detail: null, fix: null },
        { id: 'mqtt/broker', integration: 'mqtt', instance: null, check: 'broker', status: 'error', summary: 'The broker refused the tracker', detail: null, fix: null },
        { id: 'jellyfin/webhook', integration: 'jellyfin', instance: null, check: 'webhook', status: 'skipped', summary: 'No plugin', detail: null, fix: null },
      ],
    };
    const input = base({ doctor });
    expect(source(input, 'sonarr')).toMatchObject({ problem: true, reasons: ['Sonarr\'s "Media Tracker" connection needs fixing'], checked_at: minAgo(2) });
    expect(source(input, 'mqtt')).toMatchObject({ problem: true, reasons: ['The broker refused the tracker'] });
    expect(source(input, 'jellyfin')).toMatchObject({ problem: false, reasons: [] });
  });

  it("an *arr's health warning or error is a problem in its own words; a notice is shown but is not", () => {
    const msg = (level: string, check: string, message: string) => ({
      integration: 'sonarr',
      instance: 'sonarr',
      level,
      check,
      message,
      wiki_url: `https://wiki.servarr.com/sonarr/system#${check}`,
      since: minAgo(4),
    });
    const input = base({ health: [msg('error', 'DownloadClientCheck', 'Unable to communicate with qBittorrent'), msg('notice', 'UpdateCheck', 'An update is available')] });
    const s = source(input, 'sonarr');
    expect(s.problem).toBe(true);
    expect(s.reasons).toEqual(['Sonarr reports: Unable to communicate with qBittorrent']);
    expect(s.health.map((h) => h.check)).toEqual(['DownloadClientCheck', 'UpdateCheck']);
    expect(s.health[0]).not.toHaveProperty('integration');
  });

  it('silence: a webhook source quiet for longer than the threshold while requests wait on it', () => {
    const waiting = new Map([['sonarr', { count: 2, since: Date.parse(minAgo(180)) }]]);
    // Quiet for 70 min since its last webhook, with requests waiting for 3 h.
    expect(source(base({ waiting, lastEvents: { sonarr: minAgo(70) } }), 'sonarr')).toMatchObject({ problem: true, reasons: ['No Sonarr webhook for 70 min while 2 requests wait on it'] });
    // A webhook 20 min ago: not silent.
    expect(source(base({ waiting, lastEvents: { sonarr: minAgo(20) } }), 'sonarr').problem).toBe(false);
    // Never heard from, but the wait started 30 min ago: not yet.
    expect(source(base({ waiting: new Map([['sonarr', { count: 1, since: Date.parse(minAgo(30)) }]]) }), 'sonarr').problem).toBe(false);
    // Nobody waits: silence is expected.
    expect(source(base({ lastEvents: { sonarr: minAgo(600) } }), 'sonarr').problem).toBe(false);
    // Turned off, or a source that sends no webhooks.
    expect(source(base({ waiting, lastEvents: { sonarr: minAgo(70) }, silenceMs: 0 }), 'sonarr').problem).toBe(false);
    expect(source(base({ waiting: new Map([['shoko', { count: 1, since: Date.parse(minAgo(600)) }]]) }), 'shoko').problem).toBe(false);
  });

  it('two reports that differ only in their time are the same', () => {
    const a = assessSources(base());
    expect(sameReport(a, assessSources(base({ now: new Date(NOW.getTime() + 5000) })))).toBe(true);
    expect(sameReport(null, a)).toBe(false);
    expect(sameReport(a, assessSources(base({ lastEvents: { jellyfin: minAgo(1) } })))).toBe(false);
  });
});

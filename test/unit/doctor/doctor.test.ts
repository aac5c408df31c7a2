/** The doctor's pure parts: event ages and thresholds, version comparison, the terminal report. */
import { describe, expect, it } from 'vitest';
import { ago, lastEventCheck } from '../../../src/doctor/events.js';
import { formatReport } from '../../../src/doctor/format.js';
import { versionAtLeast } from '../../../src/doctor/probe.js';
import { makeCheck } from '../../../src/doctor/types.js';

const sonarr = { integration: 'sonarr' as const, instance: 'main' };
const H = 3_600_000;
const now = new Date('2026-11-22T12:00:00.000Z');
const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();

describe('last event', () => {
  it('is fine within the limit, a warning beyond it, and silent when the limit is 0', () => {
    const clock = (events: Record<string, string>, warnAfterHours = 24, startedAt: string | null = at(100 * H)) => ({ lastEvents: events, startedAt, warnAfterHours, now });
    expect(lastEventCheck(sonarr, ['sonarr/main'], clock({ 'sonarr/main': at(2 * H) }))).toMatchObject({ status: 'ok', summary: 'Last Sonarr (main) webhook 2 h ago' });
    expect(lastEventCheck(sonarr, ['sonarr/main'], clock({ 'sonarr/main': at(30 * H) }))).toMatchObject({ status: 'warning', summary: 'No Sonarr (main) webhook for 30 h', fix: 'autoconfigure' });
    expect(lastEventCheck(sonarr, ['sonarr/main'], clock({ 'sonarr/main': at(30 * H) }, 0)).status).toBe('ok');
    // The newest of the keys counts (a route with and without the instance name).
    expect(lastEventCheck(sonarr, ['sonarr/main', 'sonarr'], clock({ 'sonarr/main': at(30 * H), sonarr: at(H) })).status).toBe('ok');
  });

  it('without any event: fine just after start, a warning later, and never recorded when the tracker is not running', () => {
    expect(lastEventCheck(sonarr, ['sonarr/main'], { lastEvents: {}, startedAt: at(H), warnAfterHours: 24, now }).status).toBe('ok');
    expect(lastEventCheck(sonarr, ['sonarr/main'], { lastEvents: {}, startedAt: at(25 * H), warnAfterHours: 24, now })).toMatchObject({
      status: 'warning',
      summary: 'No Sonarr (main) webhook since the tracker started 25 h ago',
    });
    expect(lastEventCheck(sonarr, ['sonarr/main'], { lastEvents: {}, startedAt: null, warnAfterHours: 24, now })).toMatchObject({
      status: 'warning',
      summary: 'No Sonarr (main) webhook was ever recorded',
    });
    expect(lastEventCheck({ integration: 'jellyfin', instance: null }, ['jellyfin'], { lastEvents: {}, startedAt: null, warnAfterHours: 24, now }, true).status).toBe('skipped');
  });

  it('ages read naturally', () => {
    expect([ago(20_000), ago(5 * 60_000), ago(3 * H), ago(80 * H)]).toEqual(['less than a minute', '5 min', '3 h', '3 days']);
  });
});

describe('versions', () => {
  it('compare numerically, with or without a leading v', () => {
    expect(versionAtLeast('4.0.10.2544', '4.0.6')).toBe(true);
    expect(versionAtLeast('4.0.5.1710', '4.0.6')).toBe(false);
    expect(versionAtLeast('v5.0.0', '4.2.2')).toBe(true);
    expect(versionAtLeast('10.8.13', '10.9')).toBe(false);
  });
});

describe('the terminal report', () => {
  it('groups checks per service, shows details of what is not ok, and counts', () => {
    const text = formatReport({
      checked_at: '2026-11-22T12:00:00.000Z',
      ok: false,
      checks: [
        makeCheck(sonarr, 'reachable', 'ok', 'Sonarr (main) answers at http://sonarr:8989', 'hidden when ok'),
        makeCheck(sonarr, 'webhook', 'error', 'No Media Tracker webhook in Sonarr (main)', 'Sonarr has no webhook connection.', 'autoconfigure'),
        makeCheck({ integration: 'mqtt', instance: null }, 'broker', 'warning', 'The tracker is not running on this machine'),
      ],
    });
    expect(text).toContain('\nSonarr (main)\n  [ok  ] reachable       Sonarr (main) answers at http://sonarr:8989\n');
    expect(text).not.toContain('hidden when ok');
    expect(text).toContain('[FAIL] webhook         No Media Tracker webhook in Sonarr (main)');
    expect(text).toContain('fix: npm run autoconfigure');
    expect(text).toContain('1 error(s), 1 warning(s), 1 ok, 0 skipped');
  });
});

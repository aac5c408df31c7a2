/**
 * `npm run demo` must keep working for a newcomer: run the built demo end to end, with its
 * Jellyfin library and its Shoko, and check what it shows: each workflow's final state, a
 * season grabbed in two parts partly available after the first part and available only at the
 * end, the anime matched in Shoko before Jellyfin has them, and the events Home Assistant got
 * (one `available` per request, an upgrade as `upgraded`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SCENARIOS } from '../../src/demo/scenarios.js';

it('the demo replays its workflows to their expected states, announces available once per request, and exits cleanly', () => {
  expect(existsSync('dist/demo/run.js'), 'dist/ is built by `npm test` before the suites run').toBe(true);
  const run = spawnSync(process.execPath, ['dist/demo/run.js', '--exit', '--step-ms', '0', '--ephemeral-ports'], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  const lines = run.stdout.split('\n');
  for (const line of [
    'ok   Regular movie: jellyseerr-101 is AVAILABLE',
    'ok   TV season in two parts: jellyseerr-102 is AVAILABLE',
    'ok   Anime movie: jellyseerr-103 is AVAILABLE',
    'ok   Anime TV: jellyseerr-104 is AVAILABLE',
    'ok   Movie upgrade: jellyseerr-105 is AVAILABLE',
  ]) {
    expect(run.stdout).toContain(line);
  }
  for (const s of SCENARIOS) expect(lines, s.name).toContain(`ok   ${s.name}: ${s.id} is ${s.expectedFinal} (expected ${s.expectedFinal})`);
  expect(run.stdout).not.toContain('FAIL');

  // The season: partly available once the first part is in Jellyfin, still after the second
  // (no episode list says ten is all), available when Jellyseerr says the season is.
  const season = lines.filter((l) => l.startsWith('[TV season in two parts]'));
  expect(season.find((l) => l.includes('Jellyfin adds S01E05'))).toMatch(/PARTIALLY_AVAILABLE$/);
  expect(season.find((l) => l.includes('Sonarr grabs S01E06'))).toMatch(/PARTIALLY_AVAILABLE$/);
  expect(season.find((l) => l.includes('Jellyfin adds S01E10'))).toMatch(/PARTIALLY_AVAILABLE$/);
  expect(season.at(-1)).toMatch(/Jellyseerr reports the season available → 200 AVAILABLE$/);

  // The anime: Shoko's match (its SignalR hub) shows as matching; Jellyfin, through Shokofin's
  // items and their Shoko file ids, makes them available.
  const step = (scenario: string, says: string) => lines.find((l) => l.startsWith(`[${scenario}] ${says}`));
  expect(step('Anime movie', 'Shoko matches the file with AniDB')).toMatch(/→ SignalR ANIME_MATCHING$/);
  expect(step('Anime movie', "Jellyfin adds it from Shokofin's VFS")).toMatch(/→ 200 AVAILABLE$/);
  expect(step('Anime TV', 'Shoko matches the 12 files with AniDB')).toMatch(/→ SignalR ANIME_MATCHING$/);
  expect(step('Anime TV', 'Jellyfin adds S01E01')).toMatch(/→ 200 PARTIALLY_AVAILABLE$/);
  expect(step('Anime TV', 'Jellyfin adds S01E12')).toMatch(/→ 200 PARTIALLY_AVAILABLE$/);

  const events = (id: string) =>
    lines
      .find((l) => l.startsWith(`events ${id}: `))
      ?.slice(`events ${id}: `.length)
      .split(', ') ?? [];
  for (const id of ['jellyseerr-101', 'jellyseerr-102', 'jellyseerr-103', 'jellyseerr-104', 'jellyseerr-105'])
    expect(
      events(id).filter((t) => t === 'available'),
      id,
    ).toHaveLength(1);
  // One request, one device for the whole season: the second part's episodes arrive as news, not as a new request.
  expect(events('jellyseerr-102')).toEqual(['requested', 'approved', 'searching', 'grabbing', 'importing', 'partially_available', ...Array(9).fill('episodes_available'), 'available']);
  expect(events('jellyseerr-105').slice(-2)).toEqual(['available', 'upgraded']);
  expect(events('jellyseerr-103')).toEqual(['requested', 'approved', 'grabbing', 'importing', 'anime_matching', 'available']);
  expect(events('jellyseerr-104')).toEqual(['requested', 'approved', 'grabbing', 'importing', 'anime_matching', 'partially_available', ...Array(11).fill('episodes_available'), 'available']);
  expect(lines).toContain('Requests: jellyseerr-101, jellyseerr-102, jellyseerr-103, jellyseerr-104, jellyseerr-105');
}, 60_000);

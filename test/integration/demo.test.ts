/** `npm run demo` must keep working for a newcomer: run the built demo end to end. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the demo replays the four workflows to their expected states and exits cleanly', () => {
  expect(existsSync('dist/demo/run.js'), 'dist/ is built by `npm test` before the suites run').toBe(true);
  const run = spawnSync(process.execPath, ['dist/demo/run.js', '--exit', '--step-ms', '0', '--ephemeral-ports'], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  for (const line of [
    'ok   Regular movie: jellyseerr-101 is AVAILABLE',
    'ok   Regular TV, two grabs: jellyseerr-102 is AVAILABLE',
    'ok   Anime movie: jellyseerr-103 is IMPORTING',
    'ok   Anime TV: jellyseerr-104 is IMPORTING',
  ]) {
    expect(run.stdout).toContain(line);
  }
  expect(run.stdout).not.toContain('FAIL');
}, 60_000);

/**
 * A made-up download client, "ExampleDL", registered only by test/integration/seam.test.ts:
 * one option (`exampledl.url`), one watcher, one doctor check, a webhook that ignores what it gets,
 * a web UI with a search page, and the name Sonarr/Radarr would give it in their download-client lists. Everything it shows up in — the options, the doctor, Home
 * Assistant's diagnostic entities, the bridge info, the webhook listener, the panel's webhook URLs
 * and deep links — comes from this descriptor and the registry it is added to; nothing outside
 * this folder names it.
 */
import { z } from 'zod';
import { serviceUrl } from '../../../src/config/fields.js';
import { makeCheck } from '../../../src/doctor/types.js';
import { defineIntegration } from '../../../src/integrations/types.js';
import type { Watcher } from '../../../src/watchers/loop.js';

/** A watcher that only counts its polls (the seam is what is tested, not a protocol). */
export class ExampleWatcher implements Watcher {
  readonly name = 'exampledl';
  polls = 0;
  constructor(readonly url: string) {}
  start(): void {}
  async stop(): Promise<void> {}
  async poke(): Promise<void> {
    this.polls++;
  }
  status() {
    return { name: this.name, healthy: this.polls > 0, last_ok: null, last_error: null };
  }
}

export const exampledl = defineIntegration({
  id: 'exampledl',
  label: 'ExampleDL',
  roles: ['download-client'],
  options: {
    schema: z.object({ url: serviceUrl }).strict().default({ url: '' }),
    secrets: () => [],
    configured: (o) => o.url !== '',
    intervals: { exampledl_s: 30 },
  },
  start(ctx) {
    const watcher = new ExampleWatcher(ctx.slice.url);
    return { watchers: [watcher], capabilities: { downloadClient: { covers: () => false } }, own: watcher };
  },
  webhook: {
    create: () => () => ({ kind: 'ignored', note: 'ExampleDL says nothing the tracker follows' }),
  },
  doctor: async (o, ctx) => [makeCheck(ctx.subject(null), 'reachable', 'ok', `ExampleDL answers at ${o.url} (every ${ctx.intervals.exampledl_s} s)`)],
  // How Sonarr/Radarr would name it in their download-client lists, and its options for one found there.
  discovery: {
    arrImplementations: ['ExampleDl'],
    watched: (o) => [{ name: null, url: o.url }],
    entry: ({ url }) => ({ url }),
  },
  panel: {
    webUi: (o) => [{ instance: null, url: o.url }],
    // Its search for the request's IMDb id, for a movie or a series.
    links: { movie: '{ui}/search?imdb={imdb_id}', tv: '{ui}/search?imdb={imdb_id}' },
  },
});

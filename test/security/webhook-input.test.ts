/**
 * What a sender holding the webhook secret can make the tracker do with crafted input: only the
 * listed routes exist (no prototype keys), every value that becomes part of an MQTT topic is
 * checked at the edge (no `/`, `#`, `+`, no id ≤ 0), and free text is bounded before it is
 * stored or published.
 */
import { describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrGrab } from '../../src/demo/payloads.js';
import { requestTopics, storeBytes } from '../helpers/tracker.js';
import { world } from '../integration/support.js';

/** The documented bound for titles (docs/configuration.md, free-text bounds). */
const TITLE_LIMIT = 512;

const movie = { requestId: 31, tmdbId: 3100, title: 'Thirty One', year: 2031, radarrId: 31, hash: fakeHash('thirty-one') };

const fieldPaths = (json: Record<string, unknown>): string[] => ((json.fields as Array<{ path: string }> | undefined) ?? []).map((f) => f.path);

describe('webhook routes and ids', () => {
  it('answers 404 for routes named after prototype keys, stores nothing and still starts afterwards', async () => {
    const { h, send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    await rec.untilState('jellyseerr-31', 'APPROVED');
    const before = await storeBytes(h.dataDir);
    // What reached the engine unvalidated through `/hooks/constructor`: a raw event list.
    const raw = {
      events: [
        {
          kind: 'request',
          key: 'x',
          source: 'jellyseerr',
          match: { scope: 'any' },
          jellyseerr_request_id: 'a/#',
          status: 'pending',
          notification_type: 'MEDIA_PENDING',
          media: { media_type: 'movie' },
        },
      ],
    };
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf']) {
      for (const route of [`/hooks/${name}`, `/hooks/${name}/radarr`]) {
        const res = await h.post(route, raw);
        expect(res.status, `${route}: ${JSON.stringify(res.json)}`).toBe(404);
        expect(String(res.json.error)).toMatch(/unknown webhook source/);
      }
    }
    expect(await storeBytes(h.dataDir)).toBe(before);
    await h.restart();
    expect(h.tracker.engine.index.get('jellyseerr-31')?.state).toBe('APPROVED');
  });

  it('refuses an id that would become a wildcard or a topic level with a 400 naming the field', async () => {
    const { h } = await world();
    const js = jellyseerr('MEDIA_AUTO_APPROVED', movie);
    (js.request as Record<string, unknown>).request_id = 'a/#';
    const a = await h.post('/hooks/jellyseerr', js);
    expect(a.status).toBe(400);
    expect(fieldPaths(a.json)).toContain('request.request_id');

    const grab = radarrGrab(movie);
    (grab.movie as Record<string, unknown>).id = '+/#';
    const b = await h.post('/hooks/radarr', grab);
    expect(b.status).toBe(400);
    expect(fieldPaths(b.json)).toContain('movie.id');
    expect(h.tracker.engine.index.size).toBe(0);
  });

  it('refuses *arr, tmdb and Jellyseerr ids that are not positive', async () => {
    const { h } = await world();
    for (const [id, path] of [
      [0, 'movie.id'],
      [-1, 'movie.id'],
    ] as const) {
      const grab = radarrGrab(movie);
      (grab.movie as Record<string, unknown>).id = id;
      const res = await h.post('/hooks/radarr', grab);
      expect(res.status, `movie id ${id}: ${JSON.stringify(res.json)}`).toBe(400);
      expect(fieldPaths(res.json)).toContain(path);
    }
    const noTmdb = radarrGrab(movie);
    (noTmdb.movie as Record<string, unknown>).tmdbId = -5;
    const t = await h.post('/hooks/radarr', noTmdb);
    expect(t.status).toBe(400);
    expect(fieldPaths(t.json)).toContain('movie.tmdbId');
    const js = jellyseerr('MEDIA_AUTO_APPROVED', movie);
    (js.request as Record<string, unknown>).request_id = '0';
    expect((await h.post('/hooks/jellyseerr', js)).status).toBe(400);
    expect(h.tracker.engine.index.size).toBe(0);
    expect([...h.tracker.engine.requests()].map((r) => r.id)).not.toContain('radarr-0');
  });
});

describe('free-text bounds', () => {
  it('cuts a 1 MB title to its bound with a visible mark, in the store and on every retained topic', async () => {
    const { h, send, rec } = await world();
    const grab = radarrGrab(movie);
    (grab.movie as Record<string, unknown>).title = 'T'.repeat(1_000_000);
    (grab.release as Record<string, unknown>).releaseTitle = `R${'r'.repeat(5000)}`;
    await send('/hooks/radarr', grab);
    const id = 'radarr-31';
    await rec.untilState(id, 'GRABBING');
    const stored = h.tracker.engine.index.get(id)!;
    expect(stored.title.length).toBe(TITLE_LIMIT);
    expect(stored.title.endsWith('…')).toBe(true);
    const topics = [...requestTopics(rec.latest)].filter(([topic]) => topic.includes(id));
    expect(topics.length).toBeGreaterThan(1);
    for (const [topic, payload] of topics) expect(payload.length, topic).toBeLessThan(64 * 1024);
    expect(JSON.stringify(stored)).not.toContain('r'.repeat(TITLE_LIMIT + 1));
  });
});

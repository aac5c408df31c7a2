/** The bridge-info counts kept per change agree with a full recount, whatever the sequence. */
import { describe, expect, it } from 'vitest';
import { BridgeCountIndex, type BridgeCounts } from '../../../../src/features/home-assistant/bridge-counts.js';
import type { Episode, MediaRequest } from '../../../../src/domain/model.js';
import { STATES, type EpisodeState } from '../../../../src/domain/states.js';
import { blankRequest } from '../../../helpers/requests.js';

const DAY = 86_400_000;

/** What the publisher computed by walking every request before the counts were incremental. */
function recount(requests: Iterable<MediaRequest>, now: number): BridgeCounts {
  const c: BridgeCounts = { total: 0, active: 0, downloading: 0, stuck: 0, available_24h: 0, by_state: {} };
  for (const r of requests) {
    c.total++;
    c.by_state[r.state] = (c.by_state[r.state] ?? 0) + 1;
    if (!['AVAILABLE', 'FAILED', 'DECLINED', 'DELETED'].includes(r.state)) c.active++;
    if (r.state === 'DOWNLOADING' || Object.values(r.episodes).some((e) => e.state === 'DOWNLOADING')) c.downloading++;
    if (r.stuck) c.stuck++;
    if (r.state === 'AVAILABLE' && now - Date.parse(r.state_since) < DAY) c.available_24h++;
  }
  return c;
}

/** mulberry32, seeded: the same sequence on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function episode(season: number, n: number, state: EpisodeState): Episode {
  return { season, episode: n, title: null, state, progress: null, hash: null, file_path: null, release: null, air_date_utc: null, sonarr_episode_id: null, history: [] };
}

function randomRequest(r: () => number, id: string, now: number): MediaRequest {
  const state = STATES[Math.floor(r() * STATES.length)]!;
  const tv = r() < 0.4;
  const episodes: Record<string, Episode> = {};
  if (tv) {
    const n = 1 + Math.floor(r() * 4);
    for (let e = 1; e <= n; e++) episodes[`S01E0${e}`] = episode(1, e, r() < 0.3 ? 'DOWNLOADING' : 'IMPORTING');
  }
  // state_since spread over the last 3 days, so some AVAILABLE ones fall out of the 24 h window.
  const since = new Date(now - Math.floor(r() * 3 * DAY)).toISOString();
  return blankRequest({ id, media_type: tv ? 'tv' : 'movie', state, state_since: since, episodes, stuck: r() < 0.2 ? { since, reason: 'x', source: 'qbittorrent' } : null });
}

describe('bridge counts', () => {
  it('per-change updates equal a full recount after 5,000 random creates, changes and removals', () => {
    const r = rng(42);
    let now = Date.parse('2026-01-10T00:00:00Z');
    const live = new Map<string, MediaRequest>();
    const index = new BridgeCountIndex();
    index.reset(live.values(), now);
    for (let i = 0; i < 5000; i++) {
      const id = `r-${Math.floor(r() * 300)}`;
      if (r() < 0.1 && live.has(id)) {
        live.delete(id);
        index.update(id, null, now);
      } else {
        const next = randomRequest(r, id, now);
        live.set(id, next);
        index.update(id, next, now);
      }
      // Time passes: AVAILABLE requests leave the 24 h window without any change.
      now += Math.floor(r() * 60_000);
      if (i % 250 === 0) expect(index.counts(now)).toEqual(recount(live.values(), now));
    }
    expect(index.counts(now)).toEqual(recount(live.values(), now));
    expect(index.counts(now).total).toBe(live.size);
  });

  it('a request reported again as new (before unknown) is not counted twice', () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    const a = blankRequest({ id: 'a', media_type: 'movie', state: 'AVAILABLE', state_since: new Date(now - 1000).toISOString() });
    const index = new BridgeCountIndex();
    index.reset([a], now);
    index.update('a', a, now);
    expect(index.counts(now)).toMatchObject({ total: 1, available_24h: 1, by_state: { AVAILABLE: 1 } });
    expect(index.counts(now + DAY)).toMatchObject({ total: 1, available_24h: 0 });
  });
});

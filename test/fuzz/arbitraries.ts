/**
 * fast-check generators of normalised events over a deliberately small world (two movies,
 * two series, a few hashes, seasons and episodes), so random sequences keep hitting the
 * same requests and reach every stage, every outcome and every explicit event.
 */
import fc from 'fast-check';
import type { ArrRef, EpisodeRef, MediaInfo, Source, UnstampedEvent } from '../../src/domain/events.js';

const MOVIES = [
  { tmdb_id: 101, title: 'Movie A', arr: 1 },
  { tmdb_id: 102, title: 'Movie B', arr: 2 },
];
const SHOWS = [
  { tmdb_id: 201, tvdb_id: 301, title: 'Show A', arr: 11 },
  { tmdb_id: 202, tvdb_id: 302, title: 'Show B', arr: 12 },
];
const HASHES = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40), 'd'.repeat(40)];

type Target = { kind: 'movie'; m: (typeof MOVIES)[number] } | { kind: 'tv'; s: (typeof SHOWS)[number] };

const target: fc.Arbitrary<Target> = fc.oneof(
  fc.constantFrom(...MOVIES).map((m) => ({ kind: 'movie' as const, m })),
  fc.constantFrom(...SHOWS).map((s) => ({ kind: 'tv' as const, s })),
);

function media(t: Target): MediaInfo {
  return t.kind === 'movie'
    ? { media_type: 'movie', title: t.m.title, year: 2020, tmdb_id: t.m.tmdb_id }
    : { media_type: 'tv', title: t.s.title, year: 2021, tmdb_id: t.s.tmdb_id, tvdb_id: t.s.tvdb_id };
}

function arr(t: Target): ArrRef {
  return t.kind === 'movie' ? { service: 'radarr', instance: 'radarr', id: t.m.arr } : { service: 'sonarr', instance: 'sonarr', id: t.s.arr };
}

function match(t: Target, extra: Record<string, unknown> = {}, scope: 'active' | 'any' = 'active') {
  const base = t.kind === 'movie' ? { media_type: 'movie' as const, tmdb_id: t.m.tmdb_id } : { media_type: 'tv' as const, tmdb_id: t.s.tmdb_id, tvdb_id: t.s.tvdb_id };
  return { ...base, arr: arr(t), ...extra, scope };
}

const episode: fc.Arbitrary<EpisodeRef> = fc
  .record({ season: fc.integer({ min: 1, max: 2 }), episode: fc.integer({ min: 1, max: 3 }) })
  .map(({ season, episode }) => ({ season, episode, title: `Episode ${episode}`, air_date_utc: null, sonarr_episode_id: season * 100 + episode }));

/** Episodes for TV (possibly empty: "everything"), none for a movie. */
const episodesFor = (t: Target): fc.Arbitrary<EpisodeRef[]> =>
  t.kind === 'tv' ? fc.uniqueArray(episode, { maxLength: 4, selector: (e) => `${e.season}x${e.episode}` }) : fc.constant<EpisodeRef[]>([]);

/** A content key: the same upstream fact always gets the same key, as the adapters make it. */
const key = (...parts: unknown[]) => parts.map((p) => JSON.stringify(p)).join('|');

const source = (t: Target): Source => (t.kind === 'movie' ? 'radarr' : 'sonarr');

export const requestEvent = fc
  .record({
    t: target,
    rid: fc.integer({ min: 1, max: 4 }),
    status: fc.constantFrom('pending', 'approved', 'auto_approved', 'declined', 'failed', 'available'),
    seasons: fc.subarray([1, 2], { minLength: 1 }),
  })
  .map(
    ({ t, rid, status, seasons }): UnstampedEvent => ({
      kind: 'request',
      key: key('request', rid, status, seasons),
      source: 'jellyseerr',
      match: { ...match(t), jellyseerr_request_id: rid },
      jellyseerr_request_id: rid,
      status: status as 'pending',
      notification_type: `MEDIA_${status.toUpperCase()}`,
      media: media(t),
      requested_by: 'alice',
      ...(t.kind === 'tv' ? { requested_seasons: seasons } : {}),
    }),
  );

export const grabbedEvent = fc
  .record({ t: target, hash: fc.constantFrom(...HASHES), eps: fc.constant(null) })
  .chain(({ t, hash }) => episodesFor(t).map((episodes) => ({ t, hash, episodes })))
  .map(
    ({ t, hash, episodes }): UnstampedEvent => ({
      kind: 'grabbed',
      key: key(
        'grab',
        hash,
        arr(t),
        episodes.map((e) => [e.season, e.episode]),
      ),
      source: source(t),
      match: match(t, { hash }),
      arr: arr(t),
      media: media(t),
      hash,
      release: { title: `release-${hash.slice(0, 4)}`, size: 1000 },
      episodes,
    }),
  );

export const progressEvent = fc.record({ hash: fc.constantFrom(...HASHES), progress: fc.constantFrom(0, 0.25, 0.5, 1), removed: fc.boolean() }).map(
  ({ hash, progress, removed }): UnstampedEvent => ({
    kind: 'download_progress',
    key: key('progress', hash, progress, removed),
    source: 'qbittorrent',
    match: { hash, scope: 'active' },
    hash,
    progress,
    speed_bps: progress < 1 ? 1000 : 0,
    eta_s: progress < 1 ? 60 : null,
    size: 1000,
    complete: progress === 1,
    client_state: progress === 1 ? 'stalledUP' : 'downloading',
    ...(removed ? { removed: true } : {}),
  }),
);

export const importedEvent = fc
  .record({ t: target, hash: fc.option(fc.constantFrom(...HASHES), { nil: null }) })
  .chain(({ t, hash }) => episodesFor(t).map((episodes) => ({ t, hash, episodes })))
  .map(({ t, hash, episodes }): UnstampedEvent => {
    const files = t.kind === 'movie' ? [{ path: `/movies/${t.m.title}.mkv`, episodes: [] }] : episodes.map((e) => ({ path: `/tv/${t.s.title}/S${e.season}E${e.episode}.mkv`, episodes: [e] }));
    return {
      kind: 'imported',
      key: key(
        'import',
        hash,
        arr(t),
        files.map((f) => f.path),
      ),
      source: source(t),
      match: match(t, hash ? { hash } : {}),
      arr: arr(t),
      media: media(t),
      hash,
      files,
      episodes,
      is_upgrade: false,
    };
  });

export const blockedEvent = fc
  .record({ t: target, hash: fc.constantFrom(...HASHES), message: fc.constantFrom('Unable to parse file', 'No files found') })
  .chain(({ t, hash, message }) => episodesFor(t).map((episodes) => ({ t, hash, message, episodes })))
  .map(
    ({ t, hash, message, episodes }): UnstampedEvent => ({
      kind: 'import_blocked',
      key: key(
        'blocked',
        hash,
        message,
        episodes.map((e) => [e.season, e.episode]),
      ),
      source: source(t),
      match: match(t, { hash }),
      arr: arr(t),
      hash,
      message,
      episodes,
    }),
  );

export const failedEvent = fc
  .record({ t: target, hash: fc.option(fc.constantFrom(...HASHES), { nil: null }) })
  .chain(({ t, hash }) => episodesFor(t).map((episodes) => ({ t, hash, episodes })))
  .map(
    ({ t, hash, episodes }): UnstampedEvent => ({
      kind: 'download_failed',
      key: key(
        'failed',
        hash,
        arr(t),
        episodes.map((e) => [e.season, e.episode]),
      ),
      source: source(t),
      match: match(t, hash ? { hash } : {}),
      hash,
      message: 'Download failed',
      episodes,
    }),
  );

export const availableEvent = fc
  .record({ t: target, verified: fc.boolean() })
  .chain(({ t, verified }) => episodesFor(t).map((episodes) => ({ t, verified, episodes })))
  .map(
    ({ t, verified, episodes }): UnstampedEvent => ({
      kind: 'available',
      key: key(
        'available',
        verified,
        media(t).tmdb_id,
        episodes.map((e) => [e.season, e.episode]),
      ),
      source: verified ? 'jellyfin' : 'jellyseerr',
      match: match(t),
      verified,
      episodes: episodes.map((e) => ({ ...e, jellyfin_id: verified ? `${'f'.repeat(28)}${e.season}${e.episode}00` : null })),
      jellyfin_id: verified && t.kind === 'movie' ? 'e'.repeat(32) : null,
      reason: verified ? 'Jellyfin has it' : 'Jellyseerr reports it available',
    }),
  );

export const deletedEvent = fc
  .record({ t: target, scope: fc.constantFrom('media', 'files') })
  .chain(({ t, scope }) => episodesFor(t).map((episodes) => ({ t, scope, episodes })))
  .map(
    ({ t, scope, episodes }): UnstampedEvent => ({
      kind: 'deleted',
      key: key(
        'deleted',
        scope,
        arr(t),
        episodes.map((e) => [e.season, e.episode]),
      ),
      source: source(t),
      match: match(t, {}, 'any'),
      scope: scope as 'media',
      episodes,
      reason: `${scope} deleted`,
    }),
  );

export const animeEvent = fc
  .record({ t: target, result: fc.constantFrom('detected', 'matched', 'not_matched'), file: fc.integer({ min: 1, max: 3 }) })
  .chain(({ t, result, file }) => episodesFor(t).map((episodes) => ({ t, result, file, episodes })))
  .map(
    ({ t, result, file, episodes }): UnstampedEvent => ({
      kind: 'anime_match',
      key: key('anime', result, file, media(t).tmdb_id),
      source: 'shoko',
      match: match(t),
      result: result as 'matched',
      episodes,
      shoko_file_id: file,
      reason: `Shoko: file ${result}`,
    }),
  );

export const stuckEvent = fc
  .record({ t: target, reason: fc.option(fc.constantFrom('Stalled', 'Import blocked'), { nil: null }), from: fc.constantFrom<Source>('qbittorrent', 'radarr', 'system') })
  .map(({ t, reason, from }): UnstampedEvent => ({ kind: 'stuck', key: key('stuck', reason, from), source: from, match: match(t), reason }));

export const mediaAddedEvent = target.map((t): UnstampedEvent => ({ kind: 'media_added', key: key('added', arr(t)), source: source(t), match: match(t), arr: arr(t), media: media(t) }));

/** Sonarr's episode list of a series (request ids are those the world produces). */
export const rosterEvent = fc
  .record({
    s: fc.constantFrom(...SHOWS),
    rid: fc.integer({ min: 1, max: 4 }),
    unmonitored: fc.subarray(['1x1', '1x2', '1x3', '2x1', '2x2', '2x3']),
    withFile: fc.subarray(['1x1', '2x2']),
    unaired: fc.boolean(),
  })
  .map(({ s, rid, unmonitored, withFile, unaired }): UnstampedEvent => {
    const episodes = [1, 2].flatMap((season) =>
      [1, 2, 3].map((n) => ({
        season,
        episode: n,
        title: `Episode ${n}`,
        // The last episode of season 2 airs after the world's clock (2026).
        air_date_utc: unaired && season === 2 && n === 3 ? '2099-01-01T00:00:00Z' : '2020-01-01T00:00:00Z',
        sonarr_episode_id: season * 100 + n,
        monitored: !unmonitored.includes(`${season}x${n}`),
        has_file: withFile.includes(`${season}x${n}`),
      })),
    );
    return {
      kind: 'roster',
      key: key('roster', s.arr, rid, unmonitored, withFile, unaired),
      source: 'sonarr',
      match: { scope: 'any', request_id: `jellyseerr-${rid}` },
      from: 'sonarr',
      seasons: [1, 2],
      episodes,
    };
  });

/** Commands name a request id: the ids the world can produce. */
export const commandEvent = fc.record({ rid: fc.integer({ min: 1, max: 4 }), action: fc.constantFrom('retry', 'forget'), n: fc.integer({ min: 0, max: 3 }) }).map(
  ({ rid, action, n }): UnstampedEvent => ({
    kind: 'command',
    key: key('command', rid, action, n),
    source: 'user',
    match: { scope: 'any' },
    request_id: `jellyseerr-${rid}`,
    action: action as 'retry',
  }),
);

/** Any event, weighted towards the ones that move the pipeline. */
export const anyEvent: fc.Arbitrary<UnstampedEvent> = fc.oneof(
  { arbitrary: requestEvent, weight: 4 },
  { arbitrary: grabbedEvent, weight: 4 },
  { arbitrary: progressEvent, weight: 3 },
  { arbitrary: importedEvent, weight: 3 },
  { arbitrary: availableEvent, weight: 3 },
  { arbitrary: blockedEvent, weight: 1 },
  { arbitrary: failedEvent, weight: 1 },
  { arbitrary: deletedEvent, weight: 1 },
  { arbitrary: animeEvent, weight: 1 },
  { arbitrary: stuckEvent, weight: 1 },
  { arbitrary: mediaAddedEvent, weight: 1 },
  { arbitrary: commandEvent, weight: 1 },
  { arbitrary: rosterEvent, weight: 2 },
);

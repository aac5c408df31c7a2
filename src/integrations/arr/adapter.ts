/**
 * What the Sonarr and Radarr webhooks share (docs/upstreams.md §1, §2): the `eventType` dispatch
 * with the events we do not track, the download-client fields, the release objects
 * (`WebhookRelease` on Grab, `WebhookGrabbedRelease` after it), the imported file, the
 * import-blocked fields, and the parts every event about one series or movie carries: its
 * key prefix, source, *arr record and correlation, and the events whose logic is the same for
 * a movie and a series (deleted, import blocked). Pure: no I/O, no clock.
 *
 * Imported as a namespace (`arr.handler`, `arr.FileSchema`...) by sonarr.ts and radarr.ts.
 */
import * as z from 'zod';
import type { AnimeVerdict, ArrRef, EpisodeRef, Match, MediaInfo, ReleaseInfo, UnstampedEvent } from '../../domain/events.js';
import type { AdapterContext, ParseResult } from '../../adapters/types.js';
import {
  ArrEnvelopeSchema,
  blockedMessage,
  compact,
  fail,
  ignored,
  instanceName,
  lenient,
  normaliseHash,
  PositiveId,
  readDiscriminator,
  StatusMessageSchema,
  validate,
  type StatusMessage,
} from '../../adapters/validation.js';
import { protocolOfClientType } from './protocol.js';

export type Service = 'sonarr' | 'radarr';

/** How the two *arrs are named; their descriptors take their labels from here. */
export const ARR_LABEL = { sonarr: 'Sonarr', radarr: 'Radarr' } as const;

// ---------------------------------------------------------------------------------------------
// Schemas: nulls are omitted by both services, unknown keys pass through.
// ---------------------------------------------------------------------------------------------

/** The download client of Grab, Download and ManualInteractionRequired. */
export const downloadFields = {
  downloadClient: lenient(z.string()),
  downloadClientType: lenient(z.string()),
  downloadId: z.string().nullish(),
};

/** `release` on Grab (WebhookRelease). */
export const GrabReleaseSchema = z.looseObject({
  quality: lenient(z.string()),
  qualityVersion: lenient(z.int()),
  releaseGroup: lenient(z.string()),
  releaseTitle: lenient(z.string()),
  indexer: lenient(z.string()),
  size: lenient(z.number()),
});

/** `release` on Download / import complete / ManualInteractionRequired (WebhookGrabbedRelease). */
export const GrabbedReleaseSchema = z.looseObject({
  releaseTitle: lenient(z.string()),
  indexer: lenient(z.string()),
  size: lenient(z.number()),
});

/** An imported file (WebhookEpisodeFile, WebhookMovieFile). */
export const FileSchema = z.looseObject({
  id: PositiveId,
  relativePath: lenient(z.string()),
  path: z.string(),
  quality: lenient(z.string()),
  qualityVersion: lenient(z.int()),
  releaseGroup: lenient(z.string()),
  sceneName: lenient(z.string()),
  size: lenient(z.number()),
  dateAdded: lenient(z.string()),
  sourcePath: lenient(z.string()),
});

/**
 * A deleted file: only its id is used. Sonarr 3 sends its internal EpisodeFile record here
 * (`quality` as `{quality, revision}`, another `mediaInfo`, `language`), so nothing else is read.
 */
export const DeletedFileSchema = z.looseObject({ id: PositiveId });

/** What ManualInteractionRequired says about the blocked download (`indexer` is never filled). */
export const blockedFields = {
  downloadInfo: lenient(
    z.looseObject({
      quality: lenient(z.string()),
      qualityVersion: lenient(z.int()),
      title: lenient(z.string()),
      size: lenient(z.number()),
    }),
  ),
  /** `Ok` | `Warning` | `Error` (PascalCase). */
  downloadStatus: lenient(z.string()),
  downloadStatusMessages: lenient(z.array(StatusMessageSchema)),
};

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/** Events both services send that say nothing about a request: a valid envelope is enough. */
const UNTRACKED = {
  Test: 'test event',
  ApplicationUpdate: 'application update',
  Rename: 'file rename',
} as const;
/** Events about the *arr itself: kept as its source health (SourceNotice). */
const HEALTH = ['Health', 'HealthRestored'] as const;
type UntrackedEvent = keyof typeof UNTRACKED | (typeof HEALTH)[number];

const isUntracked = (eventType: string): eventType is keyof typeof UNTRACKED => Object.hasOwn(UNTRACKED, eventType);
const isHealth = (eventType: string): eventType is (typeof HEALTH)[number] => (HEALTH as readonly string[]).includes(eventType);

/**
 * `Health` / `HealthRestored` (docs/upstreams.md §1.5): `level`, `message`, `type` (the check's
 * class) and `wikiUrl`. Each is read leniently: a notice with an odd field is still worth showing.
 */
const HealthSchema = ArrEnvelopeSchema.extend({
  level: lenient(z.string()),
  message: lenient(z.string()),
  type: lenient(z.string()),
  wikiUrl: lenient(z.string()),
});

function healthNotice(service: Service, eventType: (typeof HEALTH)[number], body: Record<string, unknown>, ctx: AdapterContext): ParseResult {
  const v = validate(HealthSchema, body);
  if (!v.ok) return fail(v.errors);
  const h = v.data;
  const restored = eventType === 'HealthRestored';
  const message = h.message?.trim() || h.type?.trim() || (restored ? 'A health check passes again' : 'A health check failed');
  const check = h.type?.trim() || message;
  const notice = {
    kind: 'health' as const,
    instance: instanceName(ctx, h.instanceName, service),
    restored,
    level: (h.level ?? (restored ? 'ok' : 'warning')).toLowerCase(),
    check,
    message,
    wiki_url: h.wikiUrl?.startsWith('http') ? h.wikiUrl : null,
  };
  return { ok: true, events: [], note: `${ARR_LABEL[service]} health check ${restored ? 'restored' : 'failing'}: ${check}`, notices: [notice] };
}

export type Handler = (body: Record<string, unknown>, ctx: AdapterContext) => ParseResult;

/**
 * Parses one webhook body of `service`: `eventType` must be one of `accepted`; an untracked
 * event only needs a valid envelope; every other event goes to its handler.
 */
export function parseWebhook<K extends string>(service: Service, accepted: readonly K[], handlers: Record<Exclude<K, UntrackedEvent>, Handler>, body: unknown, ctx: AdapterContext): ParseResult {
  const head = readDiscriminator(body, 'eventType', accepted);
  if (!head.ok) return fail(head.errors);
  const eventType: K = head.value;
  if (isHealth(eventType)) return healthNotice(service, eventType, head.body, ctx);
  if (isUntracked(eventType)) {
    const env = validate(ArrEnvelopeSchema, head.body);
    if (!env.ok) return fail(env.errors);
    return ignored(`${ARR_LABEL[service]} ${UNTRACKED[eventType]}, nothing to track`);
  }
  return handlers[eventType as Exclude<K, UntrackedEvent>](head.body, ctx);
}

/** A handler that reads the body with `schema` first (a failure names the bad fields). */
export function handler<S extends z.ZodType>(schema: S, parse: (payload: z.output<S>, ctx: AdapterContext) => ParseResult): Handler {
  return (body, ctx) => {
    const v = validate(schema, body);
    return v.ok ? parse(v.data, ctx) : fail(v.errors);
  };
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** The series or movie an event is about. */
export interface Subject {
  service: Service;
  /** The normalised instance name (see `instanceName`). */
  instance: string;
  arr: ArrRef;
  media: MediaInfo;
  anime: AnimeVerdict;
  /** The instance serves 4K requests (true), standard ones (false), or nobody said (undefined). */
  is_4k?: boolean;
}

export function subject(service: Service, id: number, instanceNameField: string | null | undefined, ctx: AdapterContext, media: MediaInfo, anime: AnimeVerdict): Subject {
  const instance = instanceName(ctx, instanceNameField, service);
  return compact<Subject>({ service, instance, arr: { service, instance, id }, media, anime, is_4k: ctx.arrKind?.(service, instance) });
}

/**
 * What every event about `s` starts with: the key `<service>:<instance>:<rest>`, the source,
 * and the match (the download `hash` when known, the *arr record, the media's tmdb/tvdb ids).
 */
export function eventHead(s: Subject, rest: string, hash: string | null, scope: Match['scope']) {
  return {
    key: `${s.service}:${s.instance}:${rest}`,
    source: s.service,
    match: compact<Match>({
      media_type: s.media.media_type,
      hash: hash ?? undefined,
      arr: s.arr,
      tmdb_id: s.media.tmdb_id ?? undefined,
      tvdb_id: s.media.tvdb_id ?? undefined,
      is_4k: s.is_4k,
      scope,
    }),
  };
}

/** The *arr record, media and anime verdict, for the events that carry them. */
export function description(s: Subject): Pick<Subject, 'arr' | 'media' | 'anime'> {
  return { arr: s.arr, media: s.media, anime: s.anime };
}

/** The release of a Grab; `size` 0 means unknown. */
export function grabRelease(release: z.output<typeof GrabReleaseSchema>, client: { downloadClient?: string | null; downloadClientType?: string | null }): ReleaseInfo {
  return compact<ReleaseInfo>({
    title: release.releaseTitle ?? undefined,
    size: release.size ? release.size : null,
    quality: release.quality ?? undefined,
    indexer: release.indexer ?? undefined,
    download_client: client.downloadClient ?? undefined,
    protocol: protocolOfClientType(client.downloadClientType),
  });
}

/** A parse that yields `event`. */
export function accepted(event: UnstampedEvent, note: string): ParseResult {
  return { ok: true, events: [event], note };
}

/** MovieDelete / SeriesDelete: the movie or series left the *arr, with or without its files. */
export function mediaDeleted(s: Subject, what: 'movie' | 'series', title: string, deletedFiles: boolean | null | undefined): ParseResult {
  const name = ARR_LABEL[s.service];
  return accepted(
    {
      kind: 'deleted',
      ...eventHead(s, `delete:${s.arr.id}`, null, 'any'),
      scope: 'media',
      episodes: [],
      reason: `${name}: ${what} deleted (${deletedFiles ? 'files deleted' : 'files kept'})`,
    },
    `${name} deleted ${what} ${title}`,
  );
}

/** MovieFileDelete / EpisodeFileDelete: one file is gone, unless an upgrade replaced it. */
export function fileDeleted(
  s: Subject,
  file: { id: number; what: 'movie file' | 'episode file'; of: string; deleteReason: string | null | undefined; episodes: EpisodeRef[] },
  note: string,
): ParseResult {
  const name = ARR_LABEL[s.service];
  if (file.deleteReason === 'upgrade') return ignored(`${name} ${file.what} of ${file.of} replaced by an upgrade, nothing to track`);
  return accepted(
    {
      kind: 'deleted',
      ...eventHead(s, `file-delete:${file.id}`, null, 'any'),
      scope: 'files',
      episodes: file.episodes,
      reason: `${name}: ${file.what} deleted (${file.deleteReason ?? 'unknown reason'})`,
    },
    note,
  );
}

/** What ManualInteractionRequired says about the download it cannot import. */
export interface BlockedPayload {
  downloadId?: string | null;
  downloadInfo?: { title?: string | null } | null;
  release?: { releaseTitle?: string | null } | null;
  downloadStatus?: string | null;
  downloadStatusMessages?: StatusMessage[] | null;
}

/**
 * ManualInteractionRequired: a completed download the *arr cannot import on its own, keyed by
 * its hash, else its title, else the movie/series (`<what>-<id>`).
 */
export function importBlocked(s: Subject, p: BlockedPayload, what: 'movie' | 'series', title: string, episodes: EpisodeRef[]): ParseResult {
  const name = ARR_LABEL[s.service];
  const hash = normaliseHash(p.downloadId);
  const ref = hash ?? p.downloadInfo?.title ?? p.release?.releaseTitle ?? `${what}-${s.arr.id}`;
  return accepted(
    {
      kind: 'import_blocked',
      ...eventHead(s, `blocked:${ref}`, hash, 'active'),
      arr: s.arr,
      hash,
      message: blockedMessage(name, p.downloadStatusMessages, p.downloadStatus),
      episodes,
    },
    `${name} import blocked for ${title}`,
  );
}

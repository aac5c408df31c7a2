/**
 * Shoko SignalR payloads (docs/upstreams.md §6.3, §6.4), one zod schema per event (D1: a
 * MovieUpdated has no RelativePath, a SeriesUpdated no file id ...).
 *
 * Keys are matched case-insensitively: v5/v6 send PascalCase (`FileID`, `RelativePath`,
 * `CrossReferences`), v4.2.2 camelCase (`fileID`, `relativePath`, `crossRefs`), and some
 * builds used other names for the same field (`NewRelativePath`/`OldRelativePath` in the
 * v4 FileMoved model, `OldFileName`/`NewFileName` in FileRenamed, `ManagedFolderID` in v6).
 * Every payload is first lower-cased key by key, then validated, then mapped to the
 * camelCase shapes below, which is all the rest of the watcher sees.
 */
import { z } from 'zod';

export const SHOKO_EVENTS = ['FileDetected', 'FileHashed', 'FileMatched', 'FileNotMatched', 'FileMoved', 'FileRenamed', 'FileDeleted', 'SeriesUpdated', 'EpisodeUpdated', 'MovieUpdated'] as const;
export type ShokoEventName = (typeof SHOKO_EVENTS)[number];

/** The hub method name of an event (`ShokoEvent:FileMatched`). */
export function hubMethod(name: ShokoEventName): string {
  return `ShokoEvent:${name}`;
}

/** One AniDB/Shoko cross-reference of a file. v4.2.2 only has the Shoko ids. */
export interface CrossRef {
  anidbAnimeId: number | null;
  anidbEpisodeId: number | null;
  shokoSeriesId: number | null;
  shokoEpisodeId: number | null;
}

/** Where a file event says the file is. `fileId` is null for FileDetected (not hashed yet). */
export interface FileRef {
  fileId: number | null;
  locationId: number | null;
  importFolderId: number | null;
  /** As sent: relative to the import folder, the Shoko host's separators, maybe a leading one. */
  relativePath: string;
}

export type ShokoMessage =
  | { event: 'FileDetected'; file: FileRef }
  | { event: 'FileHashed'; file: FileRef; crossRefs: CrossRef[] }
  | { event: 'FileMatched'; file: FileRef; crossRefs: CrossRef[] }
  | {
      event: 'FileNotMatched';
      file: FileRef;
      crossRefs: CrossRef[];
      autoMatchAttempts: number | null;
      hasCrossReferences: boolean | null;
      isUdpBanned: boolean;
    }
  | { event: 'FileMoved'; file: FileRef; crossRefs: CrossRef[]; previous: { importFolderId: number | null; relativePath: string } | null }
  | { event: 'FileRenamed'; file: FileRef; crossRefs: CrossRef[]; fileName: string | null; previousFileName: string | null }
  | { event: 'FileDeleted'; file: FileRef; crossRefs: CrossRef[] }
  | {
      event: 'SeriesUpdated';
      source: string | null;
      reason: string | null;
      seriesId: number;
      shokoSeriesIds: number[];
      episodeCount: number;
    }
  | { event: 'EpisodeUpdated'; source: string | null; reason: string | null; episodeId: number; seriesId: number | null; shokoEpisodeIds: number[] }
  | { event: 'MovieUpdated'; source: string | null; reason: string; movieId: number; shokoSeriesIds: number[]; shokoEpisodeIds: number[] };

export type ParseResult = { ok: true; message: ShokoMessage } | { ok: false; error: string };

/** Lower-cases every object key, recursively (arrays included). */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = k.toLowerCase();
      // A payload with both `FileID` and `fileId` keeps the first non-null one.
      if (out[key] === undefined || out[key] === null) out[key] = lowerKeys(v);
    }
    return out;
  }
  return value;
}

const int = z.number().int();
const optInt = int.nullish();
const optStr = z.string().nullish();
/** Enums are strings in v5 (Newtonsoft StringEnumConverter); tolerate numbers. */
const enumLike = z.union([z.string(), z.number()]).nullish();
const intList = z.array(int).nullish();

const crossRefSchema = z.looseObject({
  anidbanimeid: optInt,
  anidbepisodeid: optInt,
  seriesid: optInt,
  episodeid: optInt,
  groupid: optInt,
});

const fileFields = {
  fileid: optInt,
  filelocationid: optInt,
  importfolderid: optInt,
  managedfolderid: optInt,
  relativepath: optStr,
  crossreferences: z.array(crossRefSchema).nullish(),
  crossrefs: z.array(crossRefSchema).nullish(),
};

const fileDetectedSchema = z.looseObject({ relativepath: optStr, importfolderid: optInt, managedfolderid: optInt });
const fileEventSchema = z.looseObject(fileFields);
const fileNotMatchedSchema = z.looseObject({
  ...fileFields,
  automatchattempts: optInt,
  hascrossreferences: z.boolean().nullish(),
  isudpbanned: z.boolean().nullish(),
});
const fileMovedSchema = z.looseObject({
  ...fileFields,
  newrelativepath: optStr,
  newimportfolderid: optInt,
  previousrelativepath: optStr,
  previousimportfolderid: optInt,
  previousmanagedfolderid: optInt,
  oldrelativepath: optStr,
  oldimportfolderid: optInt,
});
const fileRenamedSchema = z.looseObject({
  ...fileFields,
  filename: optStr,
  newfilename: optStr,
  previousfilename: optStr,
  oldfilename: optStr,
});
const seriesUpdatedSchema = z.looseObject({
  source: enumLike,
  reason: enumLike,
  seriesid: int,
  shokoseriesids: intList,
  episodes: z.array(z.unknown()).nullish(),
});
const episodeUpdatedSchema = z.looseObject({
  source: enumLike,
  reason: enumLike,
  episodeid: int,
  seriesid: optInt,
  shokoepisodeids: intList,
});
const movieUpdatedSchema = z.looseObject({
  source: enumLike,
  reason: z.union([z.string(), z.number()]),
  movieid: int,
  shokoseriesids: intList,
  shokoepisodeids: intList,
});

type CrossRefRaw = z.infer<typeof crossRefSchema>;
type FileRaw = z.infer<typeof fileEventSchema>;

function crossRefs(raw: FileRaw): CrossRef[] {
  const list: CrossRefRaw[] = raw.crossreferences ?? raw.crossrefs ?? [];
  return list.map((x) => ({
    anidbAnimeId: x.anidbanimeid ?? null,
    anidbEpisodeId: x.anidbepisodeid ?? null,
    shokoSeriesId: x.seriesid ?? null,
    shokoEpisodeId: x.episodeid ?? null,
  }));
}

function fileRef(raw: FileRaw, path?: string | null, folder?: number | null): FileRef {
  return {
    fileId: raw.fileid ?? null,
    locationId: raw.filelocationid ?? null,
    importFolderId: folder ?? raw.importfolderid ?? raw.managedfolderid ?? null,
    relativePath: path ?? raw.relativepath ?? '',
  };
}

const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}

/** Validates one invocation argument of `ShokoEvent:<name>` by that event's own schema. */
export function parseShokoEvent(name: ShokoEventName, payload: unknown): ParseResult {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { ok: false, error: `expected an object, got ${payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload}` };
  }
  const data = lowerKeys(payload);
  const fail = (error: z.ZodError): ParseResult => ({ ok: false, error: describe(error) });
  switch (name) {
    case 'FileDetected': {
      const p = fileDetectedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      return {
        ok: true,
        message: {
          event: name,
          file: { fileId: null, locationId: null, importFolderId: p.data.importfolderid ?? p.data.managedfolderid ?? null, relativePath: p.data.relativepath ?? '' },
        },
      };
    }
    case 'FileHashed':
    case 'FileMatched':
    case 'FileDeleted': {
      const p = fileEventSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      return { ok: true, message: { event: name, file: fileRef(p.data), crossRefs: crossRefs(p.data) } };
    }
    case 'FileNotMatched': {
      const p = fileNotMatchedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      return {
        ok: true,
        message: {
          event: name,
          file: fileRef(p.data),
          crossRefs: crossRefs(p.data),
          autoMatchAttempts: p.data.automatchattempts ?? null,
          hasCrossReferences: p.data.hascrossreferences ?? null,
          isUdpBanned: p.data.isudpbanned ?? false,
        },
      };
    }
    case 'FileMoved': {
      const p = fileMovedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      const d = p.data;
      const prevPath = d.previousrelativepath ?? d.oldrelativepath ?? null;
      const prevFolder = d.previousimportfolderid ?? d.previousmanagedfolderid ?? d.oldimportfolderid ?? null;
      return {
        ok: true,
        message: {
          event: name,
          file: fileRef(d, d.relativepath ?? d.newrelativepath, d.importfolderid ?? d.managedfolderid ?? d.newimportfolderid),
          crossRefs: crossRefs(d),
          previous: prevPath !== null || prevFolder !== null ? { importFolderId: prevFolder, relativePath: prevPath ?? '' } : null,
        },
      };
    }
    case 'FileRenamed': {
      const p = fileRenamedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      const d = p.data;
      return {
        ok: true,
        message: {
          event: name,
          file: fileRef(d),
          crossRefs: crossRefs(d),
          fileName: d.filename ?? d.newfilename ?? null,
          previousFileName: d.previousfilename ?? d.oldfilename ?? null,
        },
      };
    }
    case 'SeriesUpdated': {
      const p = seriesUpdatedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      const d = p.data;
      return {
        ok: true,
        message: { event: name, source: str(d.source), reason: str(d.reason), seriesId: d.seriesid, shokoSeriesIds: d.shokoseriesids ?? [], episodeCount: d.episodes?.length ?? 0 },
      };
    }
    case 'EpisodeUpdated': {
      const p = episodeUpdatedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      const d = p.data;
      return {
        ok: true,
        message: { event: name, source: str(d.source), reason: str(d.reason), episodeId: d.episodeid, seriesId: d.seriesid ?? null, shokoEpisodeIds: d.shokoepisodeids ?? [] },
      };
    }
    case 'MovieUpdated': {
      const p = movieUpdatedSchema.safeParse(data);
      if (!p.success) return fail(p.error);
      const d = p.data;
      return {
        ok: true,
        message: {
          event: name,
          source: str(d.source),
          reason: String(d.reason),
          movieId: d.movieid,
          shokoSeriesIds: d.shokoseriesids ?? [],
          shokoEpisodeIds: d.shokoepisodeids ?? [],
        },
      };
    }
  }
}

/** The file an event is about, for the file events. */
export function fileOf(m: ShokoMessage): FileRef | null {
  return 'file' in m ? m.file : null;
}

/** Cross-references that say which AniDB/Shoko episode a file is. */
export function crossRefsOf(m: ShokoMessage): CrossRef[] {
  return 'crossRefs' in m ? m.crossRefs : [];
}

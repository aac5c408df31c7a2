/**
 * Shoko REST (docs/upstreams.md §6.6, base `/api/v3`, header `apikey`): import folders for path
 * mapping, and file look-ups for the catch-up after a reconnect. Keys are read
 * case-insensitively like the hub payloads; messages never carry the key.
 */
import { z } from 'zod';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError, type CallOptions } from '../../net/service.js';
import type { CrossRef } from './payloads.js';
import { lowerKeys } from './payloads.js';

const optInt = z.number().int().nullish();

const folderSchema = z.looseObject({ id: z.number().int(), name: z.string().nullish(), path: z.string() });
const foldersSchema = z.preprocess(lowerKeys, z.array(folderSchema));

const locationSchema = z.looseObject({
  id: optInt,
  fileid: optInt,
  importfolderid: optInt,
  managedfolderid: optInt,
  relativepath: z.string().nullish(),
  absolutepath: z.string().nullish(),
});
const idsSchema = z.looseObject({ id: optInt, anidb: optInt });
const xrefSchema = z.looseObject({ seriesid: idsSchema.nullish(), episodeids: z.array(idsSchema).nullish() });
const fileSchema = z.looseObject({
  id: z.number().int(),
  locations: z.array(locationSchema).nullish(),
  seriesids: z.array(xrefSchema).nullish(),
});
const fileListSchema = z.preprocess(lowerKeys, z.union([z.array(fileSchema), z.looseObject({ list: z.array(fileSchema) }).transform((p) => p.list)]));
const oneFileSchema = z.preprocess(lowerKeys, fileSchema);

/** Where Shoko lists its import folders: v6 renamed `ImportFolder` to `ManagedFolder` (the old path answers 404). */
export const FOLDER_PATHS = ['/api/v3/ImportFolder', '/api/v3/ManagedFolder'] as const;

export interface ImportFolder {
  id: number;
  name: string | null;
  path: string;
}

export interface ShokoFileLocation {
  locationId: number | null;
  importFolderId: number | null;
  relativePath: string;
  absolutePath: string | null;
}

export interface ShokoFile {
  id: number;
  locations: ShokoFileLocation[];
  /** Flattened cross-references (empty until Shoko linked the file to AniDB). */
  crossRefs: CrossRef[];
}

function toFolder(f: z.infer<typeof folderSchema>): ImportFolder {
  return { id: f.id, name: f.name ?? null, path: f.path };
}

/** An answer of one of FOLDER_PATHS as folders; null when it has another shape. */
export function parseFolders(data: unknown): ImportFolder[] | null {
  const parsed = foldersSchema.safeParse(data);
  return parsed.success ? parsed.data.map(toFolder) : null;
}

function toFile(raw: z.infer<typeof fileSchema>): ShokoFile {
  const crossRefs: CrossRef[] = [];
  for (const x of raw.seriesids ?? []) {
    const eps = x.episodeids?.length ? x.episodeids : [null];
    for (const e of eps) {
      crossRefs.push({
        anidbAnimeId: x.seriesid?.anidb ?? null,
        anidbEpisodeId: e?.anidb ?? null,
        shokoSeriesId: x.seriesid?.id ?? null,
        shokoEpisodeId: e?.id ?? null,
      });
    }
  }
  return {
    id: raw.id,
    locations: (raw.locations ?? []).map((l) => ({
      locationId: l.id ?? null,
      importFolderId: l.importfolderid ?? l.managedfolderid ?? null,
      relativePath: l.relativepath ?? '',
      absolutePath: l.absolutepath ?? null,
    })),
    crossRefs,
  };
}

export class ShokoClient {
  readonly http: ServiceClient;

  constructor(opts: { url: string; apiKey: string; timeoutMs?: number; retries?: number }) {
    registerSecret(opts.apiKey);
    this.http = new ServiceClient({
      service: 'shoko',
      baseUrl: opts.url,
      headers: { apikey: opts.apiKey },
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 2,
    });
  }

  /** A GET whose 404 means "none" (null); any other non-2xx or unexpected shape throws. */
  private async get<T>(path: string, schema: z.ZodType<T>, query?: CallOptions['query']): Promise<T | null> {
    const res = await this.http.raw('GET', path, query ? { query } : {});
    if (res.status === 404) return null;
    if (res.status < 200 || res.status >= 300) {
      const hint = res.status === 401 || res.status === 403 ? ' (check the API key)' : '';
      throw new UpstreamError('shoko', `GET ${path} answered HTTP ${res.status}${hint}`, res.status);
    }
    let data: unknown;
    try {
      data = res.text === '' ? null : JSON.parse(res.text);
    } catch {
      throw new UpstreamError('shoko', `GET ${path} returned invalid JSON`, res.status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new UpstreamError('shoko', `GET ${path} returned an unexpected shape (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})`, res.status);
    }
    return parsed.data;
  }

  /** The import folders, at the first of FOLDER_PATHS that does not answer 404. */
  async importFolders(): Promise<ImportFolder[]> {
    for (const path of FOLDER_PATHS) {
      const folders = await this.get(path, foldersSchema);
      if (folders) return folders.map(toFolder);
    }
    return [];
  }

  /** Files whose full server path ends with `tail` (separators normalised, case-insensitive). */
  async filesByPathEnd(tail: string, limit = 5): Promise<ShokoFile[]> {
    const list = await this.get('/api/v3/File/PathEndsWith', fileListSchema, { path: tail, includeXRefs: true, limit });
    return (list ?? []).map(toFile);
  }

  /** `GET /api/v3/File/{id}?include=XRefs`; null when Shoko no longer knows the file. */
  async file(id: number): Promise<ShokoFile | null> {
    const raw = await this.get(`/api/v3/File/${id}`, oneFileSchema, { include: 'XRefs' });
    return raw ? toFile(raw) : null;
  }
}

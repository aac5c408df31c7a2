/**
 * In-memory lookup tables over the requests, kept in step with every change so that
 * correlation is O(1) whatever the number of stored requests.
 */
import type { ArrRef, MediaType } from './events.js';
import type { MediaRequest } from './model.js';

// Ids per key in a plain array: a key almost always names one request, and 100k one-element
// arrays cost a fraction of the memory and start-up time of 100k Sets.
function add<K>(map: Map<K, string[]>, key: K, id: string): void {
  const ids = map.get(key);
  if (!ids) map.set(key, [id]);
  else if (!ids.includes(id)) ids.push(id);
}

function remove<K>(map: Map<K, string[]>, key: K, id: string): void {
  const ids = map.get(key);
  if (!ids) return;
  const i = ids.indexOf(id);
  if (i >= 0) ids.splice(i, 1);
  if (ids.length === 0) map.delete(key);
}

export function arrKey(arr: ArrRef): string {
  return `${arr.service}:${arr.instance}:${arr.id}`;
}

export function mediaKey(type: MediaType, scheme: 'tmdb' | 'tvdb', id: number): string {
  return `${type}:${scheme}:${id}`;
}

/** Same rule as the reducer's: separators and doubled slashes differ between hosts. */
export function pathKey(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/\/$/, '');
}

function keysOf(r: MediaRequest) {
  const paths = r.file_path ? [pathKey(r.file_path)] : [];
  const jellyfin = r.jellyfin_id ? [r.jellyfin_id] : [];
  for (const e of Object.values(r.episodes)) {
    if (e.file_path) paths.push(pathKey(e.file_path));
    if (e.jellyfin_id) jellyfin.push(e.jellyfin_id);
  }
  return {
    paths,
    jellyfin,
    hashes: Object.keys(r.downloads),
    jellyseerr: [r.jellyseerr_request_id, ...r.merged_request_ids].filter((n): n is number => n !== null),
    arr: r.arr ? [arrKey(r.arr)] : [],
    media: [...(r.tmdb_id ? [mediaKey(r.media_type, 'tmdb', r.tmdb_id)] : []), ...(r.tvdb_id ? [mediaKey(r.media_type, 'tvdb', r.tvdb_id)] : [])],
  };
}

export class RequestIndex {
  readonly byId = new Map<string, MediaRequest>();
  readonly byHash = new Map<string, string[]>();
  readonly byJellyseerr = new Map<number, string[]>();
  readonly byArr = new Map<string, string[]>();
  readonly byMedia = new Map<string, string[]>();
  readonly byPath = new Map<string, string[]>();
  readonly byJellyfin = new Map<string, string[]>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): MediaRequest | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<MediaRequest> {
    return this.byId.values();
  }

  put(next: MediaRequest): void {
    const prev = this.byId.get(next.id);
    if (prev) this.unindex(prev);
    this.byId.set(next.id, next);
    const k = keysOf(next);
    for (const h of k.hashes) add(this.byHash, h, next.id);
    for (const j of k.jellyseerr) add(this.byJellyseerr, j, next.id);
    for (const a of k.arr) add(this.byArr, a, next.id);
    for (const m of k.media) add(this.byMedia, m, next.id);
    for (const p of k.paths) add(this.byPath, p, next.id);
    for (const j of k.jellyfin) add(this.byJellyfin, j, next.id);
  }

  delete(id: string): void {
    const prev = this.byId.get(id);
    if (!prev) return;
    this.unindex(prev);
    this.byId.delete(id);
  }

  private unindex(r: MediaRequest): void {
    const k = keysOf(r);
    for (const h of k.hashes) remove(this.byHash, h, r.id);
    for (const j of k.jellyseerr) remove(this.byJellyseerr, j, r.id);
    for (const a of k.arr) remove(this.byArr, a, r.id);
    for (const m of k.media) remove(this.byMedia, m, r.id);
    for (const p of k.paths) remove(this.byPath, p, r.id);
    for (const j of k.jellyfin) remove(this.byJellyfin, j, r.id);
  }

  resolve(ids: readonly string[] | undefined): MediaRequest[] {
    const out: MediaRequest[] = [];
    if (!ids) return out;
    for (const id of ids) {
      const r = this.byId.get(id);
      if (r) out.push(r);
    }
    return out;
  }
}

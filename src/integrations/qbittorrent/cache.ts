/**
 * The client side of qBittorrent's incremental sync (docs/upstreams.md §4.3): merging
 * `sync/maindata` responses into a map of torrents. Pure: the input cache is never modified;
 * unchanged torrent objects are shared between the old and the new cache.
 *
 * - `full_update: true` (first call, unknown rid, new session, server restart): the snapshot
 *   replaces everything; torrents the old cache had and the snapshot lacks count as removed.
 * - Delta (no `full_update`): only the changed fields of each torrent; a torrent seen for the
 *   first time comes with all its fields; `torrents_removed` lists deleted hashes.
 * - Hashes are lower-cased (qBittorrent already sends them lower-case; the *arrs use upper-case).
 */
import type { MainData, TorrentFields } from './client.js';

export type Torrent = TorrentFields & { hash: string };

export interface SyncCache {
  /** The rid to send on the next call (0 = ask for a full snapshot). */
  readonly rid: number;
  readonly torrents: ReadonlyMap<string, Torrent>;
}

export interface MergeResult {
  cache: SyncCache;
  /** The response was a full snapshot. */
  full: boolean;
  /** Hashes new in this response. */
  added: string[];
  /** Hashes whose fields changed (not the new ones). */
  changed: string[];
  /** Hashes gone, with the last torrent the cache had for them. */
  removed: Torrent[];
}

export function emptyCache(): SyncCache {
  return { rid: 0, torrents: new Map() };
}

export function mergeMaindata(cache: SyncCache, data: MainData): MergeResult {
  const full = data.full_update === true;
  const next = new Map<string, Torrent>(full ? [] : cache.torrents);
  const added: string[] = [];
  const changed: string[] = [];
  const removed: Torrent[] = [];

  for (const [rawHash, fields] of Object.entries(data.torrents ?? {})) {
    const hash = rawHash.toLowerCase();
    const before = cache.torrents.get(hash);
    if (full) {
      next.set(hash, { ...fields, hash });
      if (!before) added.push(hash);
      else if (differs(before, fields)) changed.push(hash);
      continue;
    }
    const base = next.get(hash);
    if (!base) {
      next.set(hash, { ...fields, hash });
      added.push(hash);
    } else if (differs(base, fields)) {
      next.set(hash, { ...base, ...fields, hash });
      changed.push(hash);
    }
  }

  if (full) {
    for (const [hash, t] of cache.torrents) if (!next.has(hash)) removed.push(t);
  }
  for (const rawHash of data.torrents_removed ?? []) {
    const hash = rawHash.toLowerCase();
    const t = next.get(hash);
    if (!t) continue;
    next.delete(hash);
    removed.push(t);
    const i = added.indexOf(hash);
    if (i >= 0) added.splice(i, 1);
    const j = changed.indexOf(hash);
    if (j >= 0) changed.splice(j, 1);
  }

  return { cache: { rid: data.rid, torrents: next }, full, added, changed, removed };
}

function differs(base: Torrent, fields: TorrentFields): boolean {
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'hash') continue;
    const old = (base as Record<string, unknown>)[k];
    if (old === v) continue;
    if (typeof v !== 'object' || v === null || JSON.stringify(old) !== JSON.stringify(v)) return true;
  }
  return false;
}

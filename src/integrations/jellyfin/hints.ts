/**
 * Webhook hints from Jellyfin's webhook plugin, verified against the API before they count:
 * an `ItemAdded` item is fetched and matched at once; an `ItemDeleted` item that the API still
 * returns was not deleted, otherwise the requests holding it get `deleted` events.
 */
import { errorMessage } from '../../log.js';
import type { EventSink, TrackedView } from '../../watchers/types.js';
import type { JellyfinHint } from './adapter.js';
import type { JellyfinClient } from './client.js';
import type { RequestHolders } from './holders.js';
import { episodeNumbers, isPlayable, toLibItem, type ItemKind, type LibItem, type LibraryIndex } from './library.js';
import { deletionEvents, matchRequests } from './match.js';

export interface HintOutcome {
  note: string;
  results: unknown[];
}

export interface HintContext {
  client: JellyfinClient;
  library: LibraryIndex;
  holders: RequestHolders;
  view: TrackedView;
  sink: EventSink;
  clock: () => Date;
}

export class JellyfinHints {
  constructor(private readonly ctx: HintContext) {}

  async onHint(hint: JellyfinHint): Promise<HintOutcome> {
    return hint.notification === 'ItemAdded' ? this.onItemAdded(hint) : this.onItemDeleted(hint);
  }

  private async onItemAdded(hint: JellyfinHint): Promise<HintOutcome> {
    const { client, library, holders, view, sink, clock } = this.ctx;
    const label = `${hint.item_type} "${hint.name ?? hint.item_id}"`;
    if (hint.item_type !== 'Movie' && hint.item_type !== 'Episode' && hint.item_type !== 'Series') {
      return { note: `Jellyfin ItemAdded ${label}: nothing to verify`, results: [] };
    }
    let item: LibItem;
    try {
      const dto = await client.item(hint.item_id);
      if (!dto) return { note: `Jellyfin ItemAdded ${label}: the API does not know this item (already removed?)`, results: [] };
      item = toLibItem(dto);
      if (item.type === 'Episode' && item.series_id && !library.has(item.series_id)) {
        const series = await client.item(item.series_id);
        if (series) library.upsert(toLibItem(series), clock().getTime());
      }
    } catch (err) {
      return { note: `Jellyfin ItemAdded ${label}: could not verify it (${errorMessage(err)}); the next poll checks again`, results: [] };
    }
    library.upsert(item, clock().getTime());
    const report = matchRequests(view.openRequests(), library);
    const relevant = report.matches.filter((m) => m.item_ids.includes(item.id) || (item.type === 'Series' && m.series_ids.includes(item.id)));
    if (relevant.length === 0) {
      const why = item.type === 'Series' ? 'a series alone proves no episode' : isPlayable(item) ? 'no open request waits for it' : 'not playable yet (no file)';
      return { note: `Jellyfin ItemAdded ${label}: ${why}`, results: [] };
    }
    holders.remember(relevant);
    const results = await sink.ingest(relevant.map((m) => m.event));
    return {
      note: `Jellyfin ItemAdded ${label}: playable; ${relevant.map((m) => m.request_id).join(', ')}`,
      results: Array.isArray(results) ? results : [],
    };
  }

  private async onItemDeleted(hint: JellyfinHint): Promise<HintOutcome> {
    const { client, library, holders, view, sink, clock } = this.ctx;
    const label = `${hint.item_type} "${hint.name ?? hint.item_id}"`;
    const id = hint.item_id;
    // The webhook is a hint: an item that is still there (a re-scan, Shokofin's VFS) was not deleted.
    let verified = 'verified';
    try {
      const still = await client.item(id);
      if (still) {
        library.upsert(toLibItem(still), clock().getTime());
        return { note: `Jellyfin ItemDeleted ${label}: the item is still in the library; ignored`, results: [] };
      }
    } catch (err) {
      verified = `not verified: ${errorMessage(err)}`;
    }
    const known = library.get(id);
    const type: ItemKind = known?.type ?? kindOfHint(hint.item_type);
    const episodes = known ? episodeNumbers(known) : hintEpisodes(hint);
    const episodeIds = type === 'Series' ? library.episodesOf(id).map((e) => e.id) : [];
    const holding = [...holders.holding([id, ...episodeIds])].map((rid) => view.request(rid)).filter((r) => r !== undefined);
    const events = deletionEvents({ id, type, episodes, episode_ids: episodeIds }, holding, clock().toISOString());
    library.remove(id);
    holders.forget([id, ...episodeIds]);
    if (events.length === 0) return { note: `Jellyfin ItemDeleted ${label}: no tracked request holds it (${verified})`, results: [] };
    const results = await sink.ingest(events);
    return { note: `Jellyfin ItemDeleted ${label} (${verified})`, results: Array.isArray(results) ? results : [] };
  }
}

function kindOfHint(type: string): ItemKind {
  return type === 'Movie' || type === 'Series' || type === 'Episode' || type === 'Season' ? type : 'Other';
}

function hintEpisodes(hint: JellyfinHint): Array<{ season: number; episode: number }> {
  if (hint.item_type !== 'Episode' || hint.season === null || hint.episode === null) return [];
  const end = hint.episode_end !== null && hint.episode_end > hint.episode && hint.episode_end - hint.episode <= 50 ? hint.episode_end : hint.episode;
  const out: Array<{ season: number; episode: number }> = [];
  for (let e = hint.episode; e <= end; e++) out.push({ season: hint.season, episode: e });
  return out;
}

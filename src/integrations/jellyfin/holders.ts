/**
 * Which requests point at which Jellyfin items. A deletion must reach requests that are no
 * longer open (already available), which the tracked view's open requests do not list.
 */
import type { TrackedView } from '../../watchers/types.js';
import type { RequestMatch } from './match.js';

export class RequestHolders {
  /** Jellyfin item id → requests known to point at it. */
  private readonly byItem = new Map<string, Set<string>>();

  constructor(private readonly view: TrackedView) {}

  /** Records open requests as they are now, plus what was just matched. */
  remember(matches: RequestMatch[]): void {
    const hold = (itemId: string | null | undefined, requestId: string) => {
      if (!itemId) return;
      let set = this.byItem.get(itemId);
      if (!set) this.byItem.set(itemId, (set = new Set()));
      set.add(requestId);
    };
    for (const r of this.view.openRequests()) {
      hold(r.jellyfin_id, r.id);
      for (const ep of Object.values(r.episodes)) hold(ep.jellyfin_id, r.id);
    }
    for (const m of matches) for (const id of m.item_ids) hold(id, m.request_id);
  }

  /** Ids of the requests holding any of these items, in the order first seen. */
  holding(itemIds: string[]): Set<string> {
    const out = new Set<string>();
    for (const itemId of itemIds) for (const rid of this.byItem.get(itemId) ?? []) out.add(rid);
    return out;
  }

  forget(itemIds: string[]): void {
    for (const itemId of itemIds) this.byItem.delete(itemId);
  }
}

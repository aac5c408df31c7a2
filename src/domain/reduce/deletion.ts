/** The media, or some of its episode files, were deleted upstream. */
import type { Draft } from '../draft.js';
import type { DeletedEvent } from '../events.js';
import { episodeKey, type Episode } from '../model.js';
import { isTv, moveEpisodes } from './steps.js';
import { dropUpgrades } from './upgrade.js';

export function onDeleted(d: Draft, ev: DeletedEvent): string {
  // Jellyfin drops the old item when an upgrade's file has another name, before it adds the new one.
  if (!isTv(d) && d.r.upgrade && (ev.scope === 'files' || ev.source === 'jellyfin')) {
    d.note(`Old file removed for the upgrade (${ev.reason})`);
    return 'upgrade replaced the file';
  }
  if (!isTv(d) || ev.scope === 'media') {
    if (isTv(d) && Object.keys(d.r.episodes).length) {
      moveEpisodes(d, Object.values(d.r.episodes), 'DELETED', ev.reason, true);
    }
    if (d.r.state !== 'DELETED') {
      if (isTv(d)) d.set('phase', 'DELETED');
      d.transition('DELETED', ev.reason);
    }
    dropUpgrades(d);
    return 'deleted';
  }
  // Only episodes this request tracks: a deleted file elsewhere in the series is not ours.
  const byItem = ev.match.jellyfin_id;
  const tracked = ev.episodes
    .map((ref) => d.r.episodes[episodeKey(ref.season, ref.episode)])
    // A Jellyfin delete names its item: only the episodes that item holds (Shokofin numbering may differ).
    .filter((ep): ep is Episode => ep !== undefined && (!byItem || !ep.jellyfin_id || ep.jellyfin_id === byItem));
  const replaced = tracked.filter((ep) => ep.upgrade);
  if (replaced.length) d.note(`Old file removed for the upgrade: ${replaced.map((e) => episodeKey(e.season, e.episode)).join(', ')}`);
  const gone = tracked.filter((ep) => !ep.upgrade);
  if (gone.length) moveEpisodes(d, gone, 'DELETED', ev.reason, true);
  dropUpgrades(d);
  return 'deleted';
}

/**
 * Reducer invariants under random event sequences, through the engine's own path
 * (correlate → reduce → index; storage disabled):
 * - nothing throws;
 * - no illegal regression: only explicit events (a delete, a command, a re-approval, a re-grab
 *   after a failure or deletion, a re-import after deletion) move a request or an episode back
 *   or out of DECLINED/DELETED;
 * - a TV request's state and its published episode summary agree with its episodes; it is never
 *   AVAILABLE while a wanted episode is not, nor without a roster (or Jellyseerr's word for the whole);
 * - no event creates a second request for media an existing request covers (only a new
 *   Jellyseerr request id does);
 * - `available` is announced at most once per request;
 * - applying the same event twice changes nothing the second time;
 * - replaying the accepted events (the journal) rebuilds exactly the same state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrackerEvent, UnstampedEvent } from '../../src/domain/events.js';
import type { MediaRequest } from '../../src/domain/model.js';
import { isPipeline, rank, type State } from '../../src/domain/states.js';
import { Engine, EVENT_SCHEMA_VERSION, type Change } from '../../src/engine/index.js';
import { sourceLabel } from '../../src/labels.js';
import { createLogger, setLogLevel } from '../../src/log.js';
import { eventPayload, statePayload } from '../../src/features/home-assistant/payloads.js';
import { Store } from '../../src/store/store.js';
import type { JournalRecord } from '../../src/store/types.js';
import { anyEvent } from './arbitraries.js';

setLogLevel('error');
const log = createLogger('fuzz');
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

async function engine(verifyAvailability: boolean, clock: () => Date): Promise<Engine> {
  const { store } = await Store.open({ dir: '/nonexistent-storage-disabled', durable: false });
  const reopen = async () => ({ store, requests: [], replay: [], warnings: [], snapshotSeq: 0 });
  return new Engine(store, reopen, { verifyAvailability, labelOf: sourceLabel }, log, clock);
}

/**
 * Backwards in the pipeline, or from DECLINED/DELETED back into it (only an explicit event may
 * do either). Outcomes are always accepted, so one outcome replacing another is not "back".
 */
function backwards(from: State, to: State): boolean {
  if (from === to) return false;
  if (isPipeline(from) && isPipeline(to)) return rank(to) < rank(from);
  return (from === 'DECLINED' || from === 'DELETED') && isPipeline(to);
}

/** Whether `event` may move something back from `from` (the documented explicit events). */
function explicit(event: UnstampedEvent, from: State): boolean {
  switch (event.kind) {
    case 'deleted':
    case 'command':
      return true;
    case 'request':
      return from === 'DECLINED' || from === 'FAILED';
    case 'grabbed':
      return from === 'FAILED' || from === 'DELETED';
    case 'imported':
      return from === 'DELETED';
    case 'roster':
      // The first episode list says what "everything" is: a request Jellyseerr called available may not be.
      return from === 'AVAILABLE';
    default:
      return false;
  }
}

/** A new download for an episode or movie not yet imported replaces the old one (a re-grab). */
function regrab(event: UnstampedEvent, beforeHash: string | null | undefined, afterHash: string | null | undefined, to: State): boolean {
  return event.kind === 'grabbed' && to === 'GRABBING' && event.hash !== null && afterHash === event.hash && beforeHash !== event.hash;
}

function regressions(change: Change, event: UnstampedEvent): string[] {
  const { before, after } = change;
  if (!before || !after) return [];
  const out: string[] = [];
  // A TV request with episodes follows them (the furthest working episode, see aggregateProblems):
  // it is judged through its episodes, so an episode that fails or is deleted may lower it.
  const reopened = Object.values(before.episodes).filter((e) => after.episodes[episodeKey(e)] && backwards(e.state, after.episodes[episodeKey(e)]!.state));
  const followsEpisodes = before.media_type === 'tv' && Object.keys(before.episodes).length > 0;
  const movieRegrab = event.kind === 'grabbed' && after.state === 'GRABBING' && event.hash !== null && !before.downloads[event.hash];
  if (!followsEpisodes && backwards(before.state, after.state) && !explicit(event, before.state) && !movieRegrab) out.push(`${after.id}: ${before.state} → ${after.state} on ${event.kind}`);
  for (const e of reopened) {
    const next = after.episodes[episodeKey(e)]!;
    // A release that lacked the episode sends it back to searching (Sonarr searches again).
    const lacking = event.kind === 'import_blocked' && next.state === 'SEARCHING';
    if (!explicit(event, e.state) && !regrab(event, e.hash, next.hash, next.state) && !lacking) out.push(`${after.id} ${episodeKey(e)}: ${e.state} → ${next.state} on ${event.kind}`);
  }
  return out;
}

function episodeKey(e: { season: number; episode: number }): string {
  return `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;
}

/** The documented aggregate rule, checked from the outside, and the published summary. */
function aggregateProblems(r: MediaRequest): string[] {
  const out: string[] = [];
  const summary = statePayload(r).episodes;
  const eps = Object.values(r.episodes);
  if (r.media_type === 'movie') {
    if (eps.length) out.push(`${r.id}: a movie with episodes`);
    if (summary.total !== 1 || summary.available !== (r.state === 'AVAILABLE' ? 1 : 0)) out.push(`${r.id}: movie summary ${JSON.stringify(summary)} for ${r.state}`);
    return out;
  }
  const available = eps.filter((e) => e.state === 'AVAILABLE').length;
  if (summary.total !== eps.length || summary.available !== available) out.push(`${r.id}: summary ${JSON.stringify(summary)}, episodes ${eps.length}/${available}`);
  const counted = Object.values(summary.by_state).reduce((n, v) => n + v, 0);
  if (counted !== eps.length) out.push(`${r.id}: by_state counts ${counted} of ${eps.length}`);
  if (eps.length === 0) {
    if (r.state !== r.phase) out.push(`${r.id}: no episodes, state ${r.state} but phase ${r.phase}`);
    return out;
  }
  const live = eps.filter((e) => e.state !== 'DELETED');
  const complete = Boolean(r.roster) || r.phase === 'AVAILABLE';
  if (r.state === 'AVAILABLE' && (available !== eps.length || !complete)) out.push(`${r.id}: AVAILABLE with ${available}/${eps.length} episodes available (roster or Jellyseerr's word: ${complete})`);
  if (live.length === 0) {
    if (r.state !== 'DELETED') out.push(`${r.id}: every episode deleted but state ${r.state}`);
  } else if (available > 0 && r.state !== 'AVAILABLE' && r.state !== 'PARTIALLY_AVAILABLE') {
    out.push(`${r.id}: ${available} episodes available but state ${r.state}`);
  } else if (available === 0) {
    const working = live.filter((e) => e.state !== 'FAILED' && e.state !== 'DECLINED');
    const top = Math.max(...working.map((e) => (isPipeline(e.state) ? rank(e.state) : -1)));
    if (working.length && (!isPipeline(r.state) || rank(r.state) !== top)) out.push(`${r.id}: state ${r.state} but the furthest working episode is at rank ${top}`);
    if (!working.length && r.state !== 'FAILED' && r.state !== 'DECLINED') out.push(`${r.id}: every live episode failed or declined but state ${r.state}`);
  }
  return out;
}

/** Whether an existing request already covered what a grab or import created a new request for. */
function coveredBefore(created: MediaRequest, event: UnstampedEvent, existing: readonly MediaRequest[]): string | null {
  if (event.kind !== 'grabbed' && event.kind !== 'imported') return null;
  const seasons = new Set(event.episodes.map((e) => e.season));
  for (const r of existing) {
    if (r.state === 'DECLINED' || r.media_type !== created.media_type || (r.is_4k ?? false) !== (created.is_4k ?? false)) continue;
    const sameMedia = (created.tmdb_id !== null && r.tmdb_id === created.tmdb_id) || (created.tvdb_id !== null && r.tvdb_id === created.tvdb_id);
    if (!sameMedia) continue;
    const covers = r.media_type === 'movie' || r.requested_seasons.length === 0 || [...seasons].some((s) => r.requested_seasons.includes(s));
    if (covers) return `${created.id} created by ${event.kind} although ${r.id} (${r.state}) covers it`;
  }
  return null;
}

/** The requests (all, or those with the given ids) as comparable text. */
const snapshot = (e: Engine, ids?: string[]) => JSON.stringify([...e.requests()].filter((r) => !ids || ids.includes(r.id)).sort((a, b) => a.id.localeCompare(b.id)));

describe('reducer properties (fast-check)', () => {
  it(`holds every invariant over ${RUNS} random event sequences`, async () => {
    let events = 0;
    let accepted = 0;
    let transitions = 0;
    let redelivered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyEvent, { minLength: 5, maxLength: 60 }), fc.boolean(), async (sequence, verify) => {
        let tick = 0;
        let at = '';
        const clock = () => {
          at = new Date(Date.UTC(2026, 0, 1) + ++tick * 1000).toISOString();
          return new Date(at);
        };
        const e = await engine(verify, clock);
        let changes: Change[] = [];
        const announced = new Map<string, number>();
        e.onCommit((c, effects) => {
          changes.push(...c);
          // A forgotten request is gone: a later request with the same id is a new one.
          for (const x of c) if (!x.after) announced.delete(x.id);
          for (const effect of effects) {
            const r = c.find((x) => x.id === ('request_id' in effect ? effect.request_id : ''))?.after;
            if (r && eventPayload(r, effect)?.event_type === 'available') announced.set(r.id, (announced.get(r.id) ?? 0) + 1);
          }
        });
        const journal: JournalRecord[] = [];
        for (const event of sequence) {
          events++;
          changes = [];
          const existing = [...e.requests()];
          const [item] = await e.ingest([event]);
          if (item?.status === 'accepted') {
            accepted++;
            journal.push({ v: EVENT_SCHEMA_VERSION, seq: journal.length + 1, event: { ...event, at } as TrackerEvent });
          }
          for (const c of changes) {
            if (c.before && c.after && c.before.state !== c.after.state) transitions++;
            expect(regressions(c, event), JSON.stringify(event)).toEqual([]);
            if (!c.before && c.after) expect(coveredBefore(c.after, event, existing), JSON.stringify(event)).toBeNull();
          }
          for (const [id, n] of announced) expect(n, `${id}: available announced ${n} times`).toBeLessThanOrEqual(1);
          for (const r of e.requests()) expect(aggregateProblems(r), JSON.stringify(event)).toEqual([]);
          // The same event again changes nothing on the requests it reached. (One that closed a
          // request, e.g. "available", may then reach another open request of the same media.)
          const touched = item?.request_ids ?? [];
          const before = snapshot(e, touched);
          changes = [];
          const [again] = await e.ingest([event]);
          if (again?.status === 'accepted') journal.push({ v: EVENT_SCHEMA_VERSION, seq: journal.length + 1, event: { ...event, at } as TrackerEvent });
          expect(snapshot(e, touched), `re-applied ${JSON.stringify(event)}`).toBe(before);
          if (changes.some((c) => touched.includes(c.id))) throw new Error(`re-applied ${event.kind} changed ${touched.join(', ')} again`);
          if (changes.length) redelivered++;
        }
        // The journal rebuilds the same state.
        const replayed = await engine(verify, clock);
        replayed.load([], journal, 0);
        expect(snapshot(replayed)).toBe(snapshot(e));
      }),
      { numRuns: RUNS },
    );
    console.log(
      `reducer properties: ${RUNS} sequences, ${events} events, ${accepted} accepted, ${transitions} state transitions checked, ${redelivered} re-deliveries that reached another request of the same media`,
    );
    expect(transitions).toBeGreaterThan(RUNS);
  });
});

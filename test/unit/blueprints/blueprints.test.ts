/**
 * The Home Assistant blueprints (blueprints/automation/media_tracker/*.yaml) parsed as YAML
 * with HA's `!input` tag: every `!input` names a declared input, every input is used, every
 * `event.<field>` a template reads is a field the tracker publishes on `media/<id>/event`,
 * and every event type a template names is one the tracker fires. What the blueprints rely
 * on is checked on the tracker's side: `available` once per request, an upgrade as
 * `upgraded`. A real HA runs them in test/e2e/home-assistant.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument, type ScalarTag } from 'yaml';
import { EVENT_TYPES } from '../../../src/contract/index.js';
import type { Effect } from '../../../src/domain/draft.js';
import type { TrackerEvent } from '../../../src/domain/events.js';
import { createRequest, reduce } from '../../helpers/reduce.js';
import { eventPayload, recipientLookup } from '../../../src/features/home-assistant/payloads.js';
import { blankRequest } from '../../helpers/requests.js';

const DIR = fileURLToPath(new URL('../../../blueprints/automation/media_tracker/', import.meta.url));

/** HA's `!input name`: kept as a marker object so references can be checked. */
class InputRef {
  constructor(readonly name: string) {}
}
const inputTag: ScalarTag = { tag: '!input', resolve: (name: string) => new InputRef(name) };

function load(file: string): { doc: Record<string, unknown>; errors: string[] } {
  const parsed = parseDocument(readFileSync(join(DIR, file), 'utf8'), { customTags: [inputTag] });
  return { doc: parsed.toJS() as Record<string, unknown>, errors: [...parsed.errors, ...parsed.warnings].map((e) => e.message) };
}

function walk(value: unknown, visit: (v: unknown) => void): void {
  visit(value);
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value && typeof value === 'object' && !(value instanceof InputRef)) for (const v of Object.values(value)) walk(v, visit);
}

/** Every field an automation can read from an event (each kind of event of a TV request with a mapped requester). */
function eventFields(): Set<string> {
  const r = blankRequest({ id: 'jellyseerr-1', media_type: 'tv', requested_by: 'alice' });
  const lookup = recipientLookup([{ requester: 'alice', person: 'person.alice', service: 'notify.mobile_app_alice' }]);
  const common = { request_id: r.id, source: 'jellyfin' as const, episodes: ['S01E01'] };
  const effects: Effect[] = [
    { ...common, type: 'transition', from: 'IMPORTING', to: 'AVAILABLE', reason: 'x' },
    { ...common, type: 'episodes_available' },
    { ...common, type: 'upgraded', release: 'Show.S01E01.2160p' },
  ];
  return new Set(effects.flatMap((e) => Object.keys(eventPayload(r, e, lookup) ?? {})));
}

/** Every string a blueprint template compares `event.event_type` with, or looks it up in. */
function namedEventTypes(doc: unknown): Set<string> {
  const out = new Set<string>();
  walk(doc, (v) => {
    if (typeof v !== 'string') return;
    for (const m of v.matchAll(/event\.event_type\s*[!=]=\s*'([a-z_]+)'/g)) out.add(m[1]!);
    for (const m of v.matchAll(/event\.event_type in \[([^\]]*)\]/g)) for (const q of m[1]!.matchAll(/'([a-z_]+)'/g)) out.add(q[1]!);
    for (const m of v.matchAll(/\{([^{}]*)\}\.get\(event\.event_type/g)) for (const q of m[1]!.matchAll(/'([a-z_]+)'\s*:/g)) out.add(q[1]!);
  });
  return out;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('blueprints', () => {
  it('are the two the docs describe', () => {
    expect(files.sort()).toEqual(['flash_light_anime_available.yaml', 'notify_when_available.yaml']);
  });

  for (const file of files) {
    describe(file, () => {
      const { doc, errors } = load(file);
      const blueprint = doc.blueprint as { name?: string; domain?: string; input?: Record<string, { name?: string; default?: unknown }> };

      it('parses without YAML errors and is an automation blueprint', () => {
        expect(errors).toEqual([]);
        expect(blueprint.domain).toBe('automation');
        expect(blueprint.name).toMatch(/^Media Tracker/);
        expect(Object.keys(doc)).toEqual(expect.arrayContaining(['trigger', 'action']));
      });

      it('refers only to declared inputs, and uses every input', () => {
        const declared = Object.keys(blueprint.input ?? {});
        const used = new Set<string>();
        walk({ ...doc, blueprint: undefined }, (v) => {
          if (v instanceof InputRef) used.add(v.name);
        });
        expect(used.size).toBeGreaterThan(0);
        for (const name of used) expect(declared, `!input ${name}`).toContain(name);
        for (const name of declared) expect([...used], `input ${name} is never used`).toContain(name);
        for (const [name, input] of Object.entries(blueprint.input ?? {})) expect(input.name, `input ${name} has a name`).toBeTruthy();
      });

      it('listens on the event topic under the configurable base topic', () => {
        expect((doc.trigger_variables as Record<string, unknown>).base_topic).toEqual(new InputRef('base_topic'));
        expect(doc.trigger).toEqual([{ platform: 'mqtt', topic: '{{ base_topic }}/+/event' }]);
      });

      it('reads only fields the tracker publishes in its events', () => {
        const fields = eventFields();
        const read = new Set<string>();
        walk(doc, (v) => {
          if (typeof v === 'string') for (const m of v.matchAll(/\bevent(?:\.([a-z0-9_]+)|\['([a-z0-9_]+)'\])/g)) read.add((m[1] ?? m[2])!);
        });
        expect(read.size).toBeGreaterThan(0);
        for (const f of read) expect([...fields], `event.${f}`).toContain(f);
      });

      it('names only event types the tracker fires, and reacts to available', () => {
        const named = namedEventTypes(doc);
        expect(named).toContain('available');
        for (const t of named) expect([...EVENT_TYPES], `event_type '${t}'`).toContain(t);
      });
    });
  }

  it('the notify blueprint announces upgrades only when asked to, and never as ready', () => {
    const { doc } = load('notify_when_available.yaml');
    const input = (doc.blueprint as { input: Record<string, { default?: unknown }> }).input;
    expect(input.upgrades?.default).toBe(false);
    const condition = JSON.stringify(doc.condition);
    expect(condition).toContain("(upgrades and event.event_type == 'upgraded')");
    expect(condition.match(/'upgraded'/g)).toHaveLength(1);
    expect(namedEventTypes(doc)).toEqual(new Set(['available', 'upgraded', 'episodes_available', 'partially_available']));
  });

  it('the flash blueprint never flashes for an upgrade', () => {
    expect(namedEventTypes(load('flash_light_anime_available.yaml').doc)).not.toContain('upgraded');
  });
});

/**
 * What the blueprints rely on, from the tracker: a movie made available, then upgraded to a
 * better release, fires `available` once and `upgraded` for the upgrade (reducer events as
 * the Radarr and Jellyfin adapters produce them; no library verifier).
 */
describe('the events the blueprints key on', () => {
  it('available fires once per request; an upgrade fires upgraded', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
    const arr = { service: 'radarr', instance: 'radarr', id: 7 } as const;
    const media = { media_type: 'movie', title: 'Dune', year: 2021, tmdb_id: 438631 } as const;
    const match = { jellyseerr_request_id: 9, scope: 'any' } as const;
    const imported = (hash: string, s: number, file: string, upgrade: boolean): TrackerEvent => ({
      kind: 'imported',
      key: `import-${hash}`,
      source: 'radarr',
      at: at(s),
      match,
      arr,
      media,
      hash: hash.padEnd(40, '0'),
      files: [{ path: `/movies/Dune (2021)/${file}`, episodes: [] }],
      episodes: [],
      is_upgrade: upgrade,
    });
    const events: TrackerEvent[] = [
      { kind: 'request', key: 'j', source: 'jellyseerr', at: at(0), match, jellyseerr_request_id: 9, status: 'auto_approved', notification_type: 'MEDIA_AUTO_APPROVED', media },
      { kind: 'grabbed', key: 'g1', source: 'radarr', at: at(1), match, arr, media, hash: 'g1'.padEnd(40, '0'), release: { title: 'Dune.2021.1080p' }, episodes: [] },
      imported('g1', 2, 'Dune (2021) [Bluray-1080p].mkv', false),
      { kind: 'available', key: 'a1', source: 'jellyseerr', at: at(3), match, verified: false, episodes: [], reason: 'Jellyseerr reports it available' },
      { kind: 'grabbed', key: 'g2', source: 'radarr', at: at(4), match, arr, media, hash: 'g2'.padEnd(40, '0'), release: { title: 'Dune.2021.2160p.Remux' }, episodes: [] },
      imported('g2', 5, 'Dune (2021) [Remux-2160p].mkv', true),
    ];
    let r = createRequest('jellyseerr-9', events[0] as Extract<TrackerEvent, { kind: 'request' }>);
    const fired: string[] = [];
    for (const e of events) {
      const out = reduce(r, e, { verifyAvailability: false });
      r = out.request!;
      for (const effect of out.effects) fired.push(String(eventPayload(r, effect)?.event_type));
    }
    expect(fired.filter((t) => t === 'available')).toHaveLength(1);
    expect(fired.at(-1)).toBe('upgraded');
    expect(r.state).toBe('AVAILABLE');
  });
});

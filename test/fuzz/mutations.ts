/**
 * Real webhook payloads (the fixtures captured from each service's wire format) and
 * fast-check mutations of them: one value replaced by one of another JSON type, a key
 * removed, the body replaced, or the bytes cut or garbled. Each mutation remembers where it
 * struck, so a rejection can be checked to name that place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseJellyfin } from '../../src/integrations/jellyfin/adapter.js';
import type { AdapterContext, FieldError, ParseResult } from '../../src/adapters/types.js';
import { parseJellyseerr } from '../../src/integrations/jellyseerr/adapter.js';
import { parseRadarr } from '../../src/integrations/radarr/adapter.js';
import { parseSonarr } from '../../src/integrations/sonarr/adapter.js';

/** The webhook parsers with fixtures under test/fixtures/<source>/ (Jellyfin's bodies are built below). */
export const WEBHOOK_SOURCES: ReadonlyMap<string, (body: unknown, ctx: AdapterContext) => ParseResult> = new Map([
  ['jellyseerr', parseJellyseerr],
  ['sonarr', parseSonarr],
  ['radarr', parseRadarr],
]);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = Array<string | number>;

export interface Fixture {
  /** `radarr/grab.json` */
  name: string;
  source: 'jellyseerr' | 'sonarr' | 'radarr' | 'jellyfin';
  body: Json;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** What the Jellyfin webhook plugin sends with its default template and with "Send All Properties". */
const JELLYFIN: Array<{ name: string; body: Json }> = [
  {
    name: 'jellyfin/item-added-template.json',
    body: {
      NotificationType: 'ItemAdded',
      ItemId: '6a0f6f0c-8f3e-4b5a-9c2d-1e2f3a4b5c6d',
      ItemType: 'Episode',
      Name: 'The One',
      Year: '2024',
      SeriesId: '1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0',
      SeasonNumber: '1',
      EpisodeNumber: '2',
      Provider_tmdb: '',
      Provider_tvdb: '12345',
      Provider_imdb: '',
      Provider_shoko_episode: '',
      Provider_shoko_file: '',
    },
  },
  {
    name: 'jellyfin/item-added-all-properties.json',
    body: {
      ServerId: '0f5e7c9a1b2d4e6f8a0b1c2d3e4f5a6b',
      ServerName: 'jellyfin',
      ServerVersion: '10.10.7',
      NotificationType: 'ItemAdded',
      Timestamp: '2026-11-22T10:00:00.0000000+00:00',
      UtcTimestamp: '2026-11-22T10:00:00.0000000Z',
      Name: 'Dune: Part Two',
      ItemId: '6a0f6f0c8f3e4b5a9c2d1e2f3a4b5c6d',
      ItemType: 'Movie',
      Year: 2024,
      Provider_tmdb: '693134',
      Provider_imdb: 'tt15239678',
    },
  },
];

export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const source of [...WEBHOOK_SOURCES.keys()] as Array<Fixture['source']>) {
    for (const file of readdirSync(join(FIXTURES, source))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      out.push({ name: `${source}/${file}`, source, body: JSON.parse(readFileSync(join(FIXTURES, source, file), 'utf8')) as Json });
    }
  }
  for (const j of JELLYFIN) out.push({ name: j.name, source: 'jellyfin', body: j.body });
  return out;
}

/** Names an object inherits: as route segments and as field names they must be plain strings. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf', '__defineGetter__'] as const;

/**
 * `body` with `key` added as an own field of every object in it (the root included), as
 * `JSON.parse` creates it from a sender's text: `{"__proto__": …}` is an own property there.
 */
export function withOwnKey(body: Json, key: string, value: Json): string {
  const add = (v: Json): Json => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(add);
    const out: { [k: string]: Json } = {};
    for (const [k, child] of Object.entries(v)) out[k] = add(child);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    return out;
  };
  return JSON.stringify(add(body));
}

/** The field each source switches on: a mutation there may legitimately change every other rule. */
export const DISCRIMINATOR: Record<Fixture['source'], string> = {
  jellyseerr: 'notification_type',
  sonarr: 'eventType',
  radarr: 'eventType',
  jellyfin: 'notificationtype',
};

/** Every path in a JSON value (objects and arrays included, the root excluded). */
export function paths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function clone(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

function setAt(root: Json, path: Path, next: Json | undefined): Json {
  const copy = clone(root);
  let node = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (next === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = next;
  return copy;
}

function typeOf(v: Json | undefined): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function nested(depth: number): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Values of every JSON type, including awkward ones (huge, negative, deep, unicode). */
const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', 'x', '💥', 'null', '[]', '{}', [], {}, [null], { '': null }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.json().map((s) => JSON.parse(s) as Json),
  fc.constantFrom<Json>('x'.repeat(5_000), nested(200), ['a', 1, null, {}]),
);

export interface Mutant {
  fixture: Fixture;
  /** What was done, for messages. */
  what: string;
  /** Where it struck (empty: the whole body). */
  path: Path;
  /** The body sent: JSON text, or raw bytes that are not JSON. */
  text: string;
  /** The parsed body, when `text` is JSON. */
  body?: Json;
}

/** One value replaced by a value of another JSON type, or a key removed. */
export function valueMutant(list: Fixture[]): fc.Arbitrary<Mutant> {
  return fc
    .constantFrom(...list)
    .chain((fixture) => fc.record({ fixture: fc.constant(fixture), path: fc.constantFrom(...paths(fixture.body)), value: fc.option(anyJson, { nil: undefined, freq: 5 }) }))
    .filter(({ fixture, path, value }) => value === undefined || typeOf(value) !== typeOf(valueAt(fixture.body, path)))
    .map(({ fixture, path, value }) => {
      const body = setAt(fixture.body, path, value);
      return { fixture, path, body, text: JSON.stringify(body), what: value === undefined ? `removed ${path.join('.')}` : `${path.join('.')} = ${JSON.stringify(value)?.slice(0, 60)}` };
    });
}

/** The body as a whole replaced, or its bytes cut or garbled (not JSON any more, mostly). */
export function bodyMutant(list: Fixture[]): fc.Arbitrary<Mutant> {
  return fc.constantFrom(...list).chain((fixture) => {
    const text = JSON.stringify(fixture.body);
    return fc.oneof(
      anyJson.filter((v) => typeOf(v) !== 'object').map((v): Mutant => ({ fixture, path: [], body: v, text: JSON.stringify(v), what: `body = ${JSON.stringify(v)?.slice(0, 60)}` })),
      fc.integer({ min: 1, max: text.length - 1 }).map((cut): Mutant => ({ fixture, path: [], text: text.slice(0, cut), what: `cut at ${cut}` })),
      fc
        .record({ at: fc.integer({ min: 0, max: text.length - 1 }), junk: fc.constantFrom('\u0000', '}', '{', '"', ',', '\\', ']', 'NaN', 'undefined', "'") })
        .map(({ at, junk }): Mutant => ({ fixture, path: [], text: text.slice(0, at) + junk + text.slice(at), what: `inserted ${JSON.stringify(junk)} at ${at}` })),
    );
  });
}

function valueAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const k of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, Json>)[k] : undefined;
  return node;
}

/** Parses a body the way the route does (`/hooks/jellyfin` has its own parser). */
export function parse(source: Fixture['source'], body: unknown): { ok: true } | { ok: false; errors: FieldError[] } {
  const anime = { tags: ['anime'], path_patterns: ['/anime/'] };
  const result = source === 'jellyfin' ? parseJellyfin(body) : WEBHOOK_SOURCES.get(source)!(body, { anime });
  return result.ok ? { ok: true } : { ok: false, errors: result.errors };
}

/**
 * Whether a field error names the mutated place: the same path, one above or below it, or a
 * sibling (a rule over two fields, such as "episodeFile or episodeFiles"). Jellyfin keys are
 * case-insensitive.
 */
export function names(error: FieldError, mutant: Mutant): boolean {
  if (mutant.path.length === 0) return error.path === '(body)';
  const norm = (p: string) => (mutant.fixture.source === 'jellyfin' ? p.toLowerCase() : p);
  const at = mutant.path.map(String).map(norm);
  const err = error.path === '(body)' ? [] : error.path.split('.').map(norm);
  const n = Math.min(at.length, err.length);
  const shared = at.slice(0, n).every((k, i) => k === err[i]);
  if (shared) return true;
  // Siblings: everything but the last segment agrees.
  return at.length === err.length && at.slice(0, -1).every((k, i) => k === err[i]);
}

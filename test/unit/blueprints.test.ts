/**
 * The Home Assistant blueprints (blueprints/automation/media_tracker/*.yaml) parsed as YAML
 * with HA's `!input` tag: every `!input` names a declared input, every input is used, and
 * every `event.<field>` a template reads is a field the tracker publishes on
 * `media/<id>/event`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument, type ScalarTag } from 'yaml';
import { eventPayload, recipientLookup } from '../../src/mqtt/contract.js';
import { blankRequest } from '../helpers/requests.js';

const DIR = fileURLToPath(new URL('../../blueprints/automation/media_tracker/', import.meta.url));

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
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value && typeof value === 'object' && !(value instanceof InputRef)) Object.values(value).forEach((v) => walk(v, visit));
}

/** Every field an automation can read from an event (a TV transition with a mapped requester). */
function eventFields(): Set<string> {
  const r = blankRequest({ id: 'jellyseerr-1', media_type: 'tv', requested_by: 'alice' });
  const lookup = recipientLookup([{ requester: 'alice', person: 'person.alice', service: 'notify.mobile_app_alice' }]);
  const payload = eventPayload(r, { type: 'transition', request_id: r.id, from: 'IMPORTING', to: 'AVAILABLE', reason: 'x', source: 'jellyfin', episodes: ['S01E01'] }, lookup);
  return new Set(Object.keys(payload ?? {}));
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
          if (typeof v === 'string') for (const m of v.matchAll(/\bevent(?:\.([a-z_]+)|\['([a-z_]+)'\])/g)) read.add((m[1] ?? m[2])!);
        });
        expect(read.size).toBeGreaterThan(0);
        for (const f of read) expect([...fields], `event.${f}`).toContain(f);
      });
    });
  }
});

/** What the webhook adapter tests share: their fixtures (test/fixtures/<service>/) and checks of a ParseResult. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { FieldError, ParseResult } from '../../src/adapters/types.js';
import type { UnstampedEvent } from '../../src/domain/events.js';

/** `fixture(name)` reads `test/fixtures/<service>/<name>.json`; `edited(name, edit)` is a fresh copy with `edit` applied. */
export function fixtures(service: 'radarr' | 'sonarr') {
  const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/${service}/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  const edited = (name: string, edit: (body: any) => void): Record<string, unknown> => {
    const body = fixture(name);
    edit(body);
    return body;
  };
  return { fixture, edited };
}

/** The single event of a successful parse, of kind `kind`. */
export function one<K extends UnstampedEvent['kind']>(result: ParseResult, kind: K): Extract<UnstampedEvent, { kind: K }> {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  if (!result.ok) throw new Error('not ok');
  expect(result.events).toHaveLength(1);
  const event = result.events[0]!;
  expect(event.kind).toBe(kind);
  return event as Extract<UnstampedEvent, { kind: K }>;
}

/** The errors of a failed parse. */
export function errors(result: ParseResult): FieldError[] {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unexpectedly ok');
  return result.errors;
}

/** The paths of the errors of a failed parse. */
export function paths(result: ParseResult): string[] {
  return errors(result).map((e) => e.path);
}

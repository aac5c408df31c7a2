/**
 * Options entries auto-configuration offers but never writes (the add-on's options belong to
 * the user): one action per entry, the same client revealed by several services offered once,
 * with a one-line YAML snippet and the secrets left as placeholders to fill in.
 */
import type { OptionsSuggestion } from '../integrations/types.js';
import { redact } from '../log.js';
import type { AutoconfigAction } from './types.js';

const PLACEHOLDER = /^<.+>$/;

/**
 * `sabnzbd: [{ name: "nas", url: "http://nas:8080", api_key: "<the SABnzbd API key>" }]` (a list
 * item, with its name) or `service: { url: "…" }` (a single-instance service): flow YAML on one
 * line, which the add-on's options editor takes as it is.
 */
export function optionsSnippet(service: string, entry: Record<string, unknown>): string {
  const object = `{ ${Object.entries(entry)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ')} }`;
  return `${service}: ${'name' in entry ? `[${object}]` : object}`;
}

const and = (words: readonly string[]): string => (words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`);

/** `configured`: the instance names each service already has (a suggested name never clashes with them). */
export function suggestionActions(list: readonly OptionsSuggestion[], labels: Readonly<Record<string, string>>, configured: (service: string) => readonly string[]): AutoconfigAction[] {
  const groups = new Map<string, { first: OptionsSuggestion; usedBy: string[] }>();
  for (const s of list) {
    const key = `${s.service} ${s.entry.url.toLowerCase()}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { first: s, usedBy: [s.usedBy] });
    else if (!g.usedBy.includes(s.usedBy)) g.usedBy.push(s.usedBy);
  }
  const taken = new Map<string, Set<string>>();
  return [...groups.values()].map(({ first, usedBy }) => {
    const names = taken.get(first.service) ?? new Set(configured(first.service));
    taken.set(first.service, names);
    let name = first.entry.name;
    if (name !== undefined) {
      for (let n = 2; names.has(name); n++) name = `${first.entry.name}-${n}`;
      names.add(name);
    }
    const entry = name === undefined ? first.entry : { ...first.entry, name };
    const who = and(usedBy);
    const plural = usedBy.length > 1;
    const holes = Object.values(entry).filter((v): v is string => typeof v === 'string' && PLACEHOLDER.test(v));
    const fill = holes.length ? ` Then replace ${and(holes)} with the real value${holes.length > 1 ? 's' : ''}: ${who} ${plural ? 'show' : 'shows'} secrets masked, so none is copied.` : '';
    const label = labels[first.service] ?? first.service;
    const detail =
      `${who} ${plural ? 'use' : 'uses'} ${first.found}, which the tracker follows only through ${plural ? 'their queues' : `${who}'s queue`} (coarser progress). ` +
      `To follow it directly, add ${name === undefined ? label : `this ${label} instance`} to the add-on options: ${optionsSnippet(first.service, entry)}.${fill}${first.note ? ` ${first.note}` : ''}`;
    return { service: first.service, instance: name ?? null, action: 'skipped', detail: redact(detail), test: 'not run' };
  });
}

/**
 * Hash routes, so the panel works under any path prefix (HA ingress serves it below
 * `/api/hassio_ingress/<token>/`):
 *
 *   #/                               the list (filters in the query: #/?group=stuck&q=dune)
 *   #/request/<id>                   one request
 *   #/setup                          the doctor's checks, auto-configuration and the webhook URLs
 */
import { DEFAULT_QUERY, GROUPS, SORTS, type ListQuery } from './query.js';

export type Route = { view: 'list'; query: ListQuery } | { view: 'detail'; id: string } | { view: 'setup' };

const PARAMS: Record<keyof ListQuery, string> = { group: 'group', media: 'media', anime: 'anime', requester: 'by', search: 'q', sort: 'sort' };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  if (/^\/?setup\/?$/.test(path)) return { view: 'setup' };
  const detail = /^\/?request\/([^/?#]+)\/?$/.exec(path);
  if (detail?.[1]) {
    let id = detail[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // Keep the raw text; the detail view will say it is unknown.
    }
    return { view: 'detail', id };
  }
  return { view: 'list', query: parseQuery(search) };
}

export function parseQuery(search: string): ListQuery {
  const p = new URLSearchParams(search);
  const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T => (value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback);
  return {
    group: pick(p.get(PARAMS.group), GROUPS, DEFAULT_QUERY.group),
    media: pick(p.get(PARAMS.media), ['all', 'movie', 'tv'] as const, DEFAULT_QUERY.media),
    anime: pick(p.get(PARAMS.anime), ['all', 'anime', 'regular'] as const, DEFAULT_QUERY.anime),
    requester: p.get(PARAMS.requester) ?? DEFAULT_QUERY.requester,
    search: p.get(PARAMS.search) ?? DEFAULT_QUERY.search,
    sort: pick(p.get(PARAMS.sort), SORTS, DEFAULT_QUERY.sort),
  };
}

export function formatRoute(route: Route): string {
  if (route.view === 'detail') return `#/request/${encodeURIComponent(route.id)}`;
  if (route.view === 'setup') return '#/setup';
  const p = new URLSearchParams();
  for (const key of Object.keys(PARAMS) as Array<keyof ListQuery>) {
    if (route.query[key] !== DEFAULT_QUERY[key]) p.set(PARAMS[key], route.query[key]);
  }
  const search = p.toString();
  return search ? `#/?${search}` : '#/';
}

export const detailHref = (id: string): string => formatRoute({ view: 'detail', id });

/** Shared zod building blocks for Sonarr/Radarr (camelCase, nulls omitted, extra keys allowed). */
import * as z from 'zod';
import { lenient } from './fields.js';

/** `{ coverType, url, remoteUrl }`; everything but `coverType` may be missing. */
export const ArrImageSchema = z.looseObject({
  coverType: z.string(),
  url: lenient(z.string()),
  remoteUrl: lenient(z.string()),
});
/** Wider than the schema's output: the API watchers pass their own (nullable) images too. */
export interface ArrImage {
  coverType: string;
  url?: string | null | undefined;
  remoteUrl?: string | null | undefined;
}

/** `{ title, messages[] }` on ManualInteractionRequired. */
export const StatusMessageSchema = z.looseObject({
  title: lenient(z.string()),
  messages: lenient(z.array(z.string())),
});
export type StatusMessage = z.output<typeof StatusMessageSchema>;

const MESSAGE_LIMIT = 500;

/** `Sonarr: import blocked — <title>: <messages>; ...` from `downloadStatusMessages`. */
export function blockedMessage(service: 'Sonarr' | 'Radarr', messages: readonly StatusMessage[] | null | undefined, status: string | null | undefined): string {
  const parts: string[] = [];
  for (const m of messages ?? []) {
    const title = m.title?.trim() ?? '';
    const lines = (m.messages ?? []).map((s) => s.trim()).filter((s) => s !== '');
    if (lines.length > 0) parts.push(title ? `${title}: ${lines.join('; ')}` : lines.join('; '));
    else if (title) parts.push(title);
  }
  const detail = parts.length > 0 ? parts.join('; ') : `download status ${status ?? 'unknown'}`;
  const text = `${service}: import blocked — ${detail}`;
  return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT - 1)}…` : text;
}

/** Envelope of every Sonarr/Radarr event; used alone for events we do not track. */
export const ArrEnvelopeSchema = z.looseObject({
  eventType: z.string(),
  instanceName: lenient(z.string()),
  applicationUrl: lenient(z.string()),
});

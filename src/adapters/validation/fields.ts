/** Strict where the tracker relies on a value, lenient everywhere else. */
import * as z from 'zod';

/**
 * An id that becomes part of a request id, an MQTT topic or a dedup key (*arr record, file and
 * episode ids, tmdb/tvdb ids): a positive safe integer, nothing else.
 */
export const PositiveId = z.int().min(1);

/** An id the *arrs send as 0 when unknown: 0, null or missing mean unknown; a negative id is refused. */
export const OptionalId = z.int().min(0).nullish();

/**
 * A descriptive field the tracker can do without: kept when it parses with `schema`, dropped
 * (undefined) otherwise. Older versions and other forks send other types here (Sonarr 3 sends
 * `quality` as an object), which is never a reason to refuse an event.
 */
export function lenient<T>(schema: z.ZodType<T>) {
  return z
    .unknown()
    .transform((value): T | undefined => {
      const r = schema.safeParse(value);
      return r.success ? r.data : undefined;
    })
    .optional();
}

/**
 * Small persisted settings (lowdb): the generated webhook secret, the discovery topics
 * published last run, the merged-away requests whose topics were cleared, where Jellyseerr
 * notifications are forwarded after auto-configuration took its webhook slot, when each
 * webhook source was last heard from, and how far the Jellyseerr back-fill has come. It holds
 * secrets, so it is written 0600 with temp file + rename (src/private-file.ts).
 */
import type { AccuracyState } from './domain/estimate/accuracy.js';
import { STATES } from './domain/states.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { z } from 'zod';
import { registerSecret } from './log.js';
import { PrivateJsonFile, restrictToOwner } from './private-file.js';

/** The receiver that owned Jellyseerr's webhook slot before the tracker took it. */
export const ForwardTargetSchema = z.object({
  url: z.string().regex(/^https?:\/\/\S+$/),
  /** Sent verbatim as `Authorization`, as Jellyseerr did; `""` for none. A secret. */
  auth_header: z.string(),
  /** Jellyseerr's notification-type bitmask the previous receiver subscribed to. */
  types: z.number().int().min(0),
  since: z.string(),
});
export type ForwardTarget = z.infer<typeof ForwardTargetSchema>;

const LastEventsSchema = z.record(z.string(), z.string());

/** A Sonarr/Radarr health check not restored yet (contract SourceHealthMessage + its integration). */
const HealthMessagesSchema = z.array(
  z.object({
    integration: z.string(),
    instance: z.string().nullable(),
    level: z.string(),
    check: z.string(),
    message: z.string(),
    wiki_url: z.string().nullable(),
    since: z.string(),
  }),
);
export type StoredHealthMessage = z.infer<typeof HealthMessagesSchema>[number];

/** The estimates' comparisons with what happened (domain/estimate/accuracy.ts AccuracyState). */
const PredictionSchema = z.object({ request: z.string(), state: z.enum(STATES), at: z.string(), watchable_at: z.string() });
const AccuracySchema = z.object({
  version: z.literal(1),
  pending: z.array(PredictionSchema),
  records: z.array(PredictionSchema.extend({ actual_at: z.string(), error_s: z.number() })),
});

interface LocalState {
  webhook_secret?: string;
  discovery_topics?: string[];
  jellyseerr_forward?: unknown;
  last_events?: unknown;
  estimate_accuracy?: unknown;
  /** Health checks the *arrs reported and have not restored: they are sent once, so they outlive a restart. */
  health_messages?: unknown;
  /** Ids of requests merged into others whose topics and HA devices were cleared. */
  cleared_absorbed_ids?: unknown;
  /** The newest Jellyseerr change imported (ISO); absent until the first back-fill is done. */
  jellyseerr_cursor?: unknown;
}

const IdsSchema = z.array(z.string());

export class LocalSettings {
  private constructor(private readonly db: Low<LocalState>) {}

  static async open(dataDir: string): Promise<LocalSettings> {
    const file = join(dataDir, 'settings.json');
    await restrictToOwner(file);
    const db = new Low<LocalState>(new PrivateJsonFile<LocalState>(file), {});
    await db.read();
    const settings = new LocalSettings(db);
    registerSecret(settings.jellyseerrForward?.auth_header);
    return settings;
  }

  /** Returns the secret and whether it was generated now (so the caller prints it once). */
  async webhookSecret(): Promise<{ secret: string; generated: boolean }> {
    if (this.db.data.webhook_secret) return { secret: this.db.data.webhook_secret, generated: false };
    const secret = randomBytes(24).toString('base64url');
    this.db.data.webhook_secret = secret;
    await this.db.write();
    return { secret, generated: true };
  }

  /** The generated secret without generating one (for tools that must not write). */
  get storedSecret(): string | null {
    return this.db.data.webhook_secret ?? null;
  }

  get discoveryTopics(): string[] {
    return this.db.data.discovery_topics ?? [];
  }

  async saveDiscoveryTopics(topics: string[]): Promise<void> {
    const sorted = [...topics].sort();
    if (sorted.join('\n') === (this.db.data.discovery_topics ?? []).join('\n')) return;
    this.db.data.discovery_topics = sorted;
    await this.db.write();
  }

  /** The stored forwarding target; a hand-edited entry that does not validate counts as none. */
  get jellyseerrForward(): ForwardTarget | null {
    const parsed = ForwardTargetSchema.safeParse(this.db.data.jellyseerr_forward);
    return parsed.success ? parsed.data : null;
  }

  async setJellyseerrForward(target: ForwardTarget | null): Promise<void> {
    registerSecret(target?.auth_header);
    if (target) this.db.data.jellyseerr_forward = target;
    else delete this.db.data.jellyseerr_forward;
    await this.db.write();
  }

  /** Merged-away request ids whose retained topics were already cleared on every broker. */
  get clearedAbsorbedIds(): string[] {
    const parsed = IdsSchema.safeParse(this.db.data.cleared_absorbed_ids);
    return parsed.success ? parsed.data : [];
  }

  async addClearedAbsorbedIds(ids: readonly string[]): Promise<void> {
    const all = [...new Set([...this.clearedAbsorbedIds, ...ids])].sort();
    if (all.length === this.clearedAbsorbedIds.length) return;
    this.db.data.cleared_absorbed_ids = all;
    await this.db.write();
  }

  /** `source[/instance]` → ISO time of the last valid webhook, as saved by the running tracker. */
  get lastEvents(): Record<string, string> {
    const parsed = LastEventsSchema.safeParse(this.db.data.last_events);
    return parsed.success ? parsed.data : {};
  }

  /** The watchable-time estimates' comparisons with what happened (features/estimates); null when none or malformed. */
  get estimateAccuracy(): AccuracyState | null {
    const parsed = AccuracySchema.safeParse(this.db.data.estimate_accuracy);
    return parsed.success ? parsed.data : null;
  }

  async saveEstimateAccuracy(accuracy: AccuracyState): Promise<void> {
    this.db.data.estimate_accuracy = accuracy;
    await this.db.write();
  }

  async saveLastEvents(events: Record<string, string>): Promise<void> {
    const current = this.lastEvents;
    const keys = Object.keys(events);
    if (keys.length === Object.keys(current).length && keys.every((k) => current[k] === events[k])) return;
    this.db.data.last_events = { ...events };
    await this.db.write();
  }

  get healthMessages(): StoredHealthMessage[] {
    const parsed = HealthMessagesSchema.safeParse(this.db.data.health_messages);
    return parsed.success ? parsed.data : [];
  }

  async saveHealthMessages(messages: readonly StoredHealthMessage[]): Promise<void> {
    if (JSON.stringify(messages) === JSON.stringify(this.healthMessages)) return;
    this.db.data.health_messages = [...messages];
    await this.db.write();
  }

  /** The newest Jellyseerr change already imported; null before the first back-fill. */
  get jellyseerrCursor(): string | null {
    const v = this.db.data.jellyseerr_cursor;
    return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null;
  }

  async saveJellyseerrCursor(at: string): Promise<void> {
    if (this.db.data.jellyseerr_cursor === at) return;
    this.db.data.jellyseerr_cursor = at;
    await this.db.write();
  }
}

/**
 * The webhook secret: the option when set, else the one stored in settings.json (generated at
 * first start and printed that once, on purpose outside the logger, which redacts it from then on).
 */
export async function resolveWebhookSecret(option: string, settings: LocalSettings, dataDir: string): Promise<string> {
  if (option) return option;
  const { secret, generated } = await settings.webhookSecret();
  if (generated) process.stdout.write(`Generated webhook secret (stored in ${dataDir}/settings.json, shown only this once): ${secret}\n`);
  return secret;
}

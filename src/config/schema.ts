/**
 * The add-on options: one JSON object, the same keys as `config.yaml`'s `options`.
 * This zod schema is the single source of truth for validation, defaults and types: the core
 * keys are here, each integration's slice (`sonarr: [...]`, `jellyfin: {...}`), its poll
 * intervals and its cross-field rules come from its descriptor (src/integrations/registry.ts).
 */
import { z } from 'zod';
import { REGISTRY, sliceOf, type IntervalKeys, type Registry, type SliceShape } from '../integrations/registry.js';
import { port, serviceUrl } from './fields.js';

export const mqttSchema = z
  .object({
    /**
     * `auto`: mirror to `external_url` when set, else (as an add-on) to the broker the Supervisor
     * provides, else offer the embedded broker to Home Assistant; `embedded`: never mirror;
     * `external`: mirroring is required (`external_url`, or as an add-on the Supervisor's broker).
     */
    mode: z.enum(['auto', 'embedded', 'external']).default('auto'),
    /** TCP port of the embedded broker (0 picks a free port). */
    port: port.default(1883),
    /** Credentials for the embedded broker's TCP listener; without them it only listens on loopback. */
    username: z.string().default(''),
    password: z.string().default(''),
    /** External broker, e.g. `mqtt://core-mosquitto:1883`. */
    external_url: z.string().default(''),
    external_username: z.string().default(''),
    external_password: z.string().default(''),
    base_topic: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+(\/[a-zA-Z0-9_-]+)*$/, 'letters, digits, "_", "-" and "/" between levels, no wildcards')
      .default('media'),
    discovery: z.boolean().default(true),
    discovery_prefix: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/, 'letters, digits, "_" and "-"')
      .default('homeassistant'),
    /** Home Assistant's birth/will topic. */
    ha_status_topic: z.string().min(1).default('homeassistant/status'),
    /** Wait after HA's birth message before replaying state, so HA has processed the configs first. */
    ha_birth_delay_s: z.number().min(0).max(600).default(5),
  })
  .strict();

export const animeSchema = z
  .object({
    tags: z.array(z.string().min(1)).default(['anime']),
    path_patterns: z.array(z.string().min(1)).default(['/anime/']),
  })
  .strict();

/** The slices of the registry's integrations, under their ids. */
export function servicesShape<const R extends Registry>(registry: R): SliceShape<R> {
  return Object.fromEntries(registry.map((d) => [d.id, d.options.schema])) as SliceShape<R>;
}

export const servicesSchema = servicesShape(REGISTRY);

type IntervalsShape<R extends Registry> = { [K in IntervalKeys<R>]: z.ZodDefault<z.ZodNumber> };

/** `intervals`: every poll interval the integrations declare (a key shared by two is declared once). */
export function buildIntervalsSchema<const R extends Registry>(registry: R): z.ZodObject<IntervalsShape<R>, z.core.$strict> {
  const shape: Record<string, z.ZodDefault<z.ZodNumber>> = {};
  for (const d of registry) for (const [key, seconds] of Object.entries<number>(d.options.intervals ?? {})) shape[key] ??= z.number().min(1).default(seconds);
  return z.object(shape).strict() as unknown as z.ZodObject<IntervalsShape<R>, z.core.$strict>;
}

export const intervalsSchema = buildIntervalsSchema(REGISTRY);

/** Minutes a request may sit in a stage without progress before it is flagged stuck. */
export const stuckSchema = z
  .object({
    requested_min: z
      .number()
      .min(1)
      .default(24 * 60),
    approved_min: z.number().min(1).default(30),
    searching_min: z.number().min(1).default(60),
    grabbing_min: z.number().min(1).default(30),
    downloading_min: z.number().min(1).default(30),
    downloaded_min: z.number().min(1).default(30),
    importing_min: z.number().min(1).default(30),
    anime_matching_min: z.number().min(1).default(60),
  })
  .strict();

/** One Jellyseerr requester → the Home Assistant person and notify service automations should use. */
export const notifySchema = z
  .object({
    /** The Jellyseerr display name, as published in `requested_by` (compared case-insensitively). */
    requester: z.string().trim().min(1, 'required'),
    person: z
      .string()
      .trim()
      .regex(/^(person\.[a-z0-9_]+)?$/, 'an entity id like "person.alice", or ""')
      .default(''),
    service: z
      .string()
      .trim()
      .regex(/^(notify\.[a-z0-9_]+)?$/, 'a service like "notify.mobile_app_alice", or ""')
      .default(''),
  })
  .strict()
  .refine((n) => n.person !== '' || n.service !== '', { message: 'set person, service or both', path: ['service'] });

/** The core keys before the integrations' slices (the order config.yaml and the docs follow). */
const coreHead = {
  data_dir: z.string().min(1).default('./data'),
  log_level: z.enum(['debug', 'info', 'warning', 'error']).default('info'),
  webhook_port: port.default(8787),
  /** Shared secret for every webhook route; generated and stored in the data dir when empty. */
  webhook_secret: z.string().default(''),
  ingress_port: port.default(8099),
  mqtt: mqttSchema.default(mqttSchema.parse({})),
  anime: animeSchema.default(animeSchema.parse({})),
  /** How long finished requests keep their Home Assistant device. */
  ha_retention_days: z.number().min(0).max(3650).default(7),
  /** At first start, the most recently modified Jellyseerr requests imported, whatever their status. */
  backfill_limit: z.number().int().min(0).max(10000).default(250),
};

/** The core keys after them. */
const coreTail = {
  stuck_after: stuckSchema.default(stuckSchema.parse({})),
  /**
   * Origins besides loopback that the panel is opened from (a reverse proxy's
   * `https://tracker.example.com`): their host names are answered and their pages may open `/mqtt`.
   */
  panel_origins: z.array(z.string().regex(/^https?:\/\/[^\s/?#]+\/?$/, 'an origin: scheme, host and port only, e.g. https://tracker.example.com')).default([]),
  /**
   * Home Assistant users (user names or ids) whose panel may send commands; the others see the
   * panel read-only. Empty: every user may (src/http/viewer.ts).
   */
  command_users: z.array(z.string().trim().min(1, 'a Home Assistant user name or user id')).default([]),
  /** How Sonarr/Radarr/Jellyseerr reach the webhook listener; empty = derived from this host and `webhook_port`. */
  public_url: serviceUrl,
  /** Take Jellyseerr's single webhook slot from another receiver and forward every notification to it. */
  forward_existing: z.boolean().default(false),
  /** Configure the Sonarr/Radarr/Jellyseerr webhooks at every start (idempotent). */
  autoconfigure_on_start: z.boolean().default(false),
  /** Minutes between doctor runs (0: only at start and on command). */
  doctor_interval_min: z.number().min(0).default(60),
  /** A configured webhook source silent for this many hours is a doctor warning (0: never). */
  no_event_warning_hours: z.number().min(0).default(72),
  /** Requests waiting on a webhook source that sent nothing for this many minutes make it a problem on the bridge (0: never). */
  source_silence_min: z.number().min(0).default(60),
  notify: z.array(notifySchema).default([]),
};

type CoreOptions = z.output<z.ZodObject<typeof coreHead & typeof coreTail>>;

type OptionsShape<R extends Registry> = typeof coreHead & SliceShape<R> & { intervals: z.ZodDefault<z.ZodObject<IntervalsShape<R>, z.core.$strict>> } & typeof coreTail;

/** The options of a tracker with these integrations. */
export function buildOptionsSchema<const R extends Registry>(registry: R): z.ZodObject<OptionsShape<R>, z.core.$strict> {
  const intervals = buildIntervalsSchema(registry);
  const shape: Record<string, z.ZodType> = { ...coreHead, ...servicesShape(registry), intervals: intervals.default(intervals.parse({}) as never), ...coreTail };
  const schema = z
    .object(shape)
    .strict()
    .superRefine((parsed, ctx) => {
      const o = parsed as CoreOptions;
      const requesters = new Set<string>();
      o.notify.forEach((n, i) => {
        const key = n.requester.toLowerCase();
        if (requesters.has(key)) ctx.addIssue({ code: 'custom', path: ['notify', i, 'requester'], message: `duplicate requester "${n.requester}"` });
        requesters.add(key);
      });
      // A user name alone would open the broker to the network with an empty password.
      const { username, password } = o.mqtt;
      if (username && !password) ctx.addIssue({ code: 'custom', path: ['mqtt', 'password'], message: 'required when mqtt.username is set' });
      if (password && !username) ctx.addIssue({ code: 'custom', path: ['mqtt', 'username'], message: 'required when mqtt.password is set' });
      for (const d of registry) d.options.check?.(sliceOf(parsed, d), (path, message) => ctx.addIssue({ code: 'custom', path: [d.id, ...path], message }));
    });
  return schema as unknown as z.ZodObject<OptionsShape<R>, z.core.$strict>;
}

export const optionsSchema = buildOptionsSchema(REGISTRY);

export type Options = z.infer<typeof optionsSchema>;
export type MqttOptions = Options['mqtt'];
export type NotifyMapping = Options['notify'][number];

/** Every key and password in the options: what the logger must redact from the start. */
export function optionSecrets(o: Options, registry: Registry = REGISTRY): string[] {
  return [o.webhook_secret, o.mqtt.password, o.mqtt.external_password, ...registry.flatMap((d) => d.options.secrets(sliceOf(o, d)))];
}

/** Maximum webhook body size, documented in docs/configuration.md. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The add-on options: one JSON object, the same keys as `config.yaml`'s `options`.
 * This zod schema is the single source of truth for validation, defaults and types.
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

export const mqttSchema = z
  .object({
    /** `auto`: mirror to the external broker when one is configured; `embedded`: never; `external`: required. */
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
    discovery_prefix: z.string().regex(/^[a-zA-Z0-9_-]+$/, 'letters, digits, "_" and "-"').default('homeassistant'),
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

export const optionsSchema = z
  .object({
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
  })
  .strict();

export type Options = z.infer<typeof optionsSchema>;
export type MqttOptions = Options['mqtt'];

/** Maximum webhook body size, documented in docs/configuration.md. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

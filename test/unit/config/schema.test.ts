/**
 * Options (src/config/schema.ts, src/config/load.ts, src/main.ts): defaults, validation
 * messages that name the key and what is expected, where the options come from, and the
 * built entry point's exit code 2 on invalid options.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ConfigError, loadOptions, parseOptions } from '../../../src/config/load.js';
import { animeSchema, intervalsSchema, mqttSchema, optionsSchema, servicesSchema, stuckSchema, type Options } from '../../../src/config/schema.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST_MAIN = join(ROOT, 'dist', 'main.js');

const tmp = mkdtempSync(join(tmpdir(), 'media-tracker-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;
function writeOptions(content: unknown): string {
  const path = join(tmp, `options-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
const MISSING = join(tmp, 'does-not-exist', 'options.json');

const DEFAULTS: Options = {
  data_dir: './data',
  log_level: 'info',
  webhook_port: 8787,
  webhook_secret: '',
  ingress_port: 8099,
  mqtt: {
    mode: 'auto',
    port: 1883,
    username: '',
    password: '',
    external_url: '',
    external_username: '',
    external_password: '',
    base_topic: 'media',
    discovery: true,
    discovery_prefix: 'homeassistant',
    ha_status_topic: 'homeassistant/status',
    ha_birth_delay_s: 5,
  },
  anime: { tags: ['anime'], path_patterns: ['/anime/'] },
  ha_retention_days: 7,
  backfill_limit: 250,
  jellyseerr: { url: '', api_key: '' },
  sonarr: [],
  radarr: [],
  qbittorrent: [],
  transmission: [],
  deluge: [],
  sabnzbd: [],
  nzbget: [],
  jellyfin: { url: '', api_key: '' },
  shoko: { url: '', api_key: '' },
  intervals: { qbittorrent_s: 5, transmission_s: 5, deluge_s: 5, sabnzbd_s: 5, nzbget_s: 5, arr_s: 60, downloads_s: 5, jellyfin_s: 60, jellyseerr_s: 300 },
  stuck_after: {
    requested_min: 1440,
    approved_min: 30,
    searching_min: 60,
    grabbing_min: 30,
    downloading_min: 30,
    downloaded_min: 30,
    importing_min: 30,
    anime_matching_min: 60,
  },
  public_url: '',
  panel_origins: [],
  command_users: [],
  forward_existing: false,
  autoconfigure_on_start: false,
  doctor_interval_min: 60,
  no_event_warning_hours: 72,
  source_silence_min: 60,
  notify: [],
};

/** Every leaf key path of the schema, e.g. `mqtt.port`, from the zod shapes themselves. */
function schemaKeys(): string[] {
  const nested: Record<string, z.ZodObject> = {
    mqtt: mqttSchema,
    anime: animeSchema,
    intervals: intervalsSchema,
    stuck_after: stuckSchema,
    jellyseerr: servicesSchema.jellyseerr.unwrap(),
    jellyfin: servicesSchema.jellyfin.unwrap(),
    shoko: servicesSchema.shoko.unwrap(),
  };
  return Object.keys(optionsSchema.shape).flatMap((k) => (nested[k] ? Object.keys(nested[k].shape).map((n) => `${k}.${n}`) : [k]));
}

function valueAt(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('defaults', () => {
  it('an empty object parses to the documented defaults', () => {
    expect(parseOptions({})).toEqual(DEFAULTS);
  });

  it('a partial section keeps the defaults of its other keys', () => {
    const o = parseOptions({ mqtt: { port: 1884 }, anime: { tags: ['アニメ'] } });
    expect(o.mqtt).toEqual({ ...DEFAULTS.mqtt, port: 1884 });
    expect(o.anime).toEqual({ ...DEFAULTS.anime, tags: ['アニメ'] });
  });

  it('every key of the schema has a default', () => {
    const parsed = parseOptions({});
    const keys = schemaKeys();
    expect(keys.length).toBeGreaterThan(15);
    for (const k of keys) expect(valueAt(parsed, k), k).not.toBeUndefined();
    expect(keys.sort()).toEqual(
      Object.keys(DEFAULTS)
        .flatMap((k) => {
          const v = (DEFAULTS as Record<string, unknown>)[k];
          return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).map((n) => `${k}.${n}`) : [k];
        })
        .sort(),
    );
  });

  it('every key of the schema is documented in docs/configuration.md with its default', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => l.startsWith('| `'));
    const parsed = parseOptions({});
    for (const k of schemaKeys()) {
      const row = rows.find((r) => r.split('|')[1]!.includes(`\`${k}\``));
      expect(row, `${k} is not in the keys table`).toBeDefined();
      const cell = row!.split('|')[2]!.trim();
      const first = /`([^`]*)`/.exec(cell)?.[1];
      expect(first, `${k}: no default in "${cell}"`).toBeDefined();
      let documented: unknown;
      try {
        documented = JSON.parse(first!);
      } catch {
        documented = first;
      }
      expect(documented, `documented default of ${k}`).toEqual(valueAt(parsed, k));
    }
  });
});

describe('invalid values', () => {
  it('mqtt.port: "abc" names the key path and that a number is expected', () => {
    const err = configError(() => parseOptions({ mqtt: { port: 'abc' } }, '/etc/mt.json'));
    expect(err.message).toContain('/etc/mt.json');
    expect(err.message).toMatch(/^- mqtt\.port: .*expected (a )?(number|integer)/im);
  });

  it('mqtt.port out of range names the bound', () => {
    const err = configError(() => parseOptions({ mqtt: { port: 70000 } }));
    expect(err.message).toMatch(/^- mqtt\.port: .*65535/m);
  });

  it('webhook_port must be an integer', () => {
    const err = configError(() => parseOptions({ webhook_port: 80.5 }));
    expect(err.message).toMatch(/^- webhook_port: .*int/m);
  });

  it('log_level: "loud" names the key and the allowed values', () => {
    const err = configError(() => parseOptions({ log_level: 'loud' }));
    expect(err.message).toMatch(/^- log_level: /m);
    for (const level of ['debug', 'info', 'warning', 'error']) expect(err.message).toContain(level);
  });

  it('mqtt.base_topic with a wildcard explains the allowed characters', () => {
    const err = configError(() => parseOptions({ mqtt: { base_topic: 'media/#' } }));
    expect(err.message).toMatch(/^- mqtt\.base_topic: .*letters, digits/m);
  });

  it('an unknown key mqtt.prot is rejected, naming the exact key path mqtt.prot', () => {
    const err = configError(() => parseOptions({ mqtt: { prot: 1883 } }));
    expect(err.message).toMatch(/unknown key/i);
    expect(err.message).toContain('mqtt.prot');
  });

  it('an unknown key mqtt.prot says what is expected (the known keys of mqtt)', () => {
    const err = configError(() => parseOptions({ mqtt: { prot: 1883 } }));
    expect(err.message).toMatch(/\bport\b/);
  });

  it('an unknown top-level key is named', () => {
    const err = configError(() => parseOptions({ webhook_prot: 1 }));
    expect(err.message).toContain('webhook_prot');
  });

  it('one line per problem', () => {
    const err = configError(() => parseOptions({ log_level: 'loud', mqtt: { port: 'abc', discovery: 'yes' } }));
    const lines = err.message.split('\n').filter((l) => l.startsWith('- '));
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.slice(2, l.indexOf(':'))).sort()).toEqual(['log_level', 'mqtt.discovery', 'mqtt.port']);
  });

  it('command_users: a list of user names or ids, trimmed; an empty entry names its index', () => {
    expect(parseOptions({ command_users: [' alice ', '8f1c2a0e'] }).command_users).toEqual(['alice', '8f1c2a0e']);
    const err = configError(() => parseOptions({ command_users: ['alice', '  '] }));
    expect(err.message).toMatch(/^- command_users\.1: .*user name or user id/m);
    expect(configError(() => parseOptions({ command_users: 'alice' })).message).toMatch(/^- command_users: /m);
  });

  it('a non-object is rejected', () => {
    configError(() => parseOptions([]));
    configError(() => parseOptions('{}'));
  });
});

describe('loadOptions: where the options come from', () => {
  it('neither the add-on file nor MEDIA_TRACKER_OPTIONS: defaults, path null', () => {
    expect(loadOptions({}, MISSING)).toEqual({ path: null, options: DEFAULTS });
    expect(loadOptions({ MEDIA_TRACKER_OPTIONS: '' }, MISSING)).toEqual({ path: null, options: DEFAULTS });
  });

  it('MEDIA_TRACKER_OPTIONS wins over the defaults', () => {
    const env = writeOptions({ log_level: 'debug' });
    const src = loadOptions({ MEDIA_TRACKER_OPTIONS: env }, MISSING);
    expect(src.path).toBe(env);
    expect(src.options).toEqual({ ...DEFAULTS, log_level: 'debug' });
  });

  it('the add-on options file wins over MEDIA_TRACKER_OPTIONS', () => {
    const addon = writeOptions({ log_level: 'error', mqtt: { port: 1999 } });
    const env = writeOptions({ log_level: 'debug' });
    const src = loadOptions({ MEDIA_TRACKER_OPTIONS: env }, addon);
    expect(src.path).toBe(addon);
    expect(src.options.log_level).toBe('error');
    expect(src.options.mqtt.port).toBe(1999);
  });

  it('the add-on file wins even when MEDIA_TRACKER_OPTIONS is invalid', () => {
    const addon = writeOptions({});
    const env = writeOptions('{ not json');
    expect(loadOptions({ MEDIA_TRACKER_OPTIONS: env }, addon).path).toBe(addon);
  });

  it('a file that is not JSON → ConfigError naming the file', () => {
    const bad = writeOptions('{ "log_level": "debug", ');
    const err = configError(() => loadOptions({ MEDIA_TRACKER_OPTIONS: bad }, MISSING));
    expect(err.message).toContain(bad);
  });

  it('a missing MEDIA_TRACKER_OPTIONS file → ConfigError naming the file', () => {
    const gone = join(tmp, 'gone.json');
    const err = configError(() => loadOptions({ MEDIA_TRACKER_OPTIONS: gone }, MISSING));
    expect(err.message).toContain(gone);
  });

  it('an invalid value in a file → ConfigError naming the file and the key', () => {
    const path = writeOptions({ mqtt: { port: 'abc' } });
    const err = configError(() => loadOptions({ MEDIA_TRACKER_OPTIONS: path }, MISSING));
    expect(err.message).toContain(path);
    expect(err.message).toContain('mqtt.port');
  });
});

describe('the built entry point (dist/main.js)', () => {
  function runMain(optionsFile: string) {
    // Built by `npm test` (npm run build) before vitest; a missing build is a failure, not a skip.
    expect(existsSync(DIST_MAIN), `${DIST_MAIN} is missing: run \`npm run build\``).toBe(true);
    return spawnSync(process.execPath, [DIST_MAIN], {
      cwd: tmp,
      env: { ...process.env, MEDIA_TRACKER_OPTIONS: optionsFile },
      encoding: 'utf8',
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
  }

  it('invalid options: exit code 2, stderr names the key', () => {
    const path = writeOptions({ data_dir: join(tmp, 'data'), mqtt: { port: 'abc' } });
    const res = runMain(path);
    expect(res.error, 'the process did not exit on its own').toBeUndefined();
    expect(res.signal).toBeNull();
    expect(res.status, res.stderr).toBe(2);
    expect(res.stderr).toContain('mqtt.port');
    expect(res.stderr).toContain(path);
  });

  it('unreadable options file: exit code 2, stderr names the file', () => {
    const path = writeOptions('not json at all');
    const res = runMain(path);
    expect(res.error).toBeUndefined();
    expect(res.status, res.stderr).toBe(2);
    expect(res.stderr).toContain(path);
  });
});

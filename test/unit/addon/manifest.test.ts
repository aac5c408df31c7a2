/**
 * config.yaml, translations/en.yaml and repository.yaml against the Supervisor's own rules
 * (test/fakes/supervisor-rules.ts) and against the tracker: options/schema follow the zod
 * options one to one, no key carries its default, every option is translated. Mutated copies
 * of the manifest prove each rule rejects a broken file with a message naming the key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ADDON_OPTIONS_PATH, loadOptions, parseOptions } from '../../../src/config/load.js';
import { optionsSchema } from '../../../src/config/schema.js';
import { STOP_DEADLINE_MS } from '../../../src/supervisor/stop-budget.js';
import { lintAddonConfig, parseSchemaElement, validateAddonConfig, validateOptions, validateTranslations, type SchemaElement } from '../../fakes/supervisor-rules.js';
import { clone, readManifest, readTranslations, readYaml, ROOT, type Rec } from '../../helpers/addon.js';

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const DEFAULTS = optionsSchema.parse({});

/**
 * Options the add-on's container fixes, so they are deliberately not add-on options: a user
 * changing them would break the add-on rather than configure it.
 */
const FIXED: Record<string, (m: Rec) => string[]> = {
  // /data is the add-on's private, backed-up folder; src/config/load.ts defaults to it.
  data_dir: () => (addonDataDirFollowsOptionsFile() && dirname(ADDON_OPTIONS_PATH) === '/data' ? [] : ['data_dir: an add-on keeps its state in /data']),
  // The container port of the webhook mapping; users change the host port under Network.
  webhook_port: (m) => (hostPort(m, DEFAULTS.webhook_port) === undefined ? [`ports: no mapping for the webhook listener's ${DEFAULTS.webhook_port}/tcp`] : []),
  // Ingress connects to the manifest's ingress_port (8099 when absent).
  ingress_port: (m) => ((m.ingress_port ?? 8099) === DEFAULTS.ingress_port ? [] : [`ingress_port: ${String(m.ingress_port)} but the tracker serves ingress on ${DEFAULTS.ingress_port}`]),
  // The embedded broker's container port, the one announced to Home Assistant.
  'mqtt.port': (m) => (hostPort(m, DEFAULTS.mqtt.port) === undefined ? [`ports: no mapping for the embedded broker's ${DEFAULTS.mqtt.port}/tcp`] : []),
};

function hostPort(m: Rec, containerPort: number): number | null | undefined {
  const ports = isRec(m.ports) ? m.ports : {};
  const value = ports[`${containerPort}/tcp`];
  return value === undefined ? undefined : (value as number | null);
}

const scratch = mkdtempSync(join(tmpdir(), 'addon-manifest-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An add-on options file without data_dir puts the state next to it. */
function addonDataDirFollowsOptionsFile(): boolean {
  const file = join(scratch, 'options.json');
  writeFileSync(file, '{}');
  return loadOptions({}, file).options.data_dir === scratch;
}

// ---------------------------------------------------------------------------------------
// The zod options, as a tree

interface ZodNode {
  optional: boolean;
  object?: Record<string, ZodNode>;
  array?: ZodNode;
  /** JSON Schema of a scalar (type, enum, pattern, minimum/maximum, minLength/maxLength). */
  leaf?: Rec;
  schema: z.ZodType;
}

function describeZod(t: z.ZodType): ZodNode {
  const optional = t.safeParse(undefined).success;
  let cur: z.ZodType = t;
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else break;
  }
  if (cur instanceof z.ZodObject) {
    const shape = cur.shape as Record<string, z.ZodType>;
    return { optional, schema: t, object: Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, describeZod(v)])) };
  }
  if (cur instanceof z.ZodArray) return { optional, schema: t, array: describeZod(cur.element as z.ZodType) };
  return { optional, schema: t, leaf: z.toJSONSchema(cur, { unrepresentable: 'any' }) as Rec };
}

const SECRET_NAME = /(^|_)(password|secret|api_key|token)$/;
const URL_NAME = /(^|_)url$/;
const sameSet = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Does the Supervisor element accept what the zod leaf accepts (type, bounds, pattern, optional)? */
function leafProblems(node: ZodNode, el: SchemaElement | null, raw: unknown, name: string, path: string, optional: boolean): string[] {
  if (!el) return [`${path}: "${String(raw)}" is not a Supervisor type`];
  const js = node.leaf ?? {};
  const want: string[] = [];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
  if (Array.isArray(js.enum)) {
    if (el.kind !== 'list' || !sameSet(el.values ?? [], js.enum)) want.push(`list(${js.enum.join('|')})`);
  } else if (js.type === 'boolean') {
    if (el.kind !== 'bool') want.push('bool');
  } else if (js.type === 'integer' || js.type === 'number') {
    const kind = js.type === 'integer' ? 'int' : 'float';
    const [min, max] = [num(js.minimum), num(js.maximum)];
    if (el.kind !== kind || el.min !== min || el.max !== max) want.push(`${kind}(${min ?? ''},${max ?? ''})`);
  } else if (js.type === 'string') {
    const [min, max] = [num(js.minLength), num(js.maxLength)];
    const bounds = min !== undefined || max !== undefined ? `(${min ?? ''},${max ?? ''})` : '';
    if (typeof js.pattern === 'string') {
      if (el.kind !== 'match' || new RegExp(el.pattern ?? '').source !== new RegExp(js.pattern).source) want.push(`match(${js.pattern})`);
    } else if (SECRET_NAME.test(name)) {
      if (el.kind !== 'password' || el.min !== min || el.max !== max) want.push(`password${bounds} (a secret: the UI masks it)`);
    } else if (URL_NAME.test(name)) {
      if (el.kind !== 'url') want.push('url');
      else if (!node.schema.safeParse('http://media.example:8989').success) want.push('a type the tracker accepts (it refuses a plain http URL)');
    } else if (el.kind !== 'str' || el.min !== min || el.max !== max) want.push(`str${bounds}`);
  } else {
    want.push(`a type for ${JSON.stringify(js)}`);
  }
  if (el.optional !== optional) want.push(optional ? 'a trailing "?" (the option has a default)' : 'no "?" (the option is required)');
  return want.length ? [`${path}: "${String(raw)}" does not match the tracker's option; expected ${want.join(', ')}`] : [];
}

/** Every zod option is in config.yaml's schema with a matching type, and nothing else is. */
function schemaProblems(schema: unknown, zodSchema: z.ZodType = optionsSchema): string[] {
  const out: string[] = [];
  const walk = (node: ZodNode, sup: unknown, path: string, option: string) => {
    const name = option.split('.').at(-1) ?? option;
    if (node.object) {
      if (!isRec(sup)) return void out.push(`${path}: expected a section (a dict), like the tracker's option "${option}"`);
      for (const [key, child] of Object.entries(node.object)) {
        const opt = option ? `${option}.${key}` : key;
        if (opt in FIXED) {
          if (key in sup) out.push(`${path}.${key}: fixed by the add-on container; must not be an option`);
        } else if (!(key in sup)) out.push(`${path}.${key}: missing; the tracker has the option "${opt}" (src/config/schema.ts)`);
        else walk(child, sup[key], `${path}.${key}`, opt);
      }
      for (const key of Object.keys(sup)) if (!(key in node.object)) out.push(`${path}.${key}: not an option of the tracker (src/config/schema.ts)`);
    } else if (node.array) {
      if (!Array.isArray(sup) || sup.length !== 1) return void out.push(`${path}: expected a list of one element type, like the tracker's option "${option}"`);
      if (node.array.object || node.array.array) walk(node.array, sup[0], `${path}[]`, `${option}[]`);
      else out.push(...leafProblems(node.array, typeof sup[0] === 'string' ? parseSchemaElement(sup[0]) : null, sup[0], name, `${path}[]`, node.optional));
    } else {
      out.push(...leafProblems(node, typeof sup === 'string' ? parseSchemaElement(sup) : null, sup, name, path, node.optional));
    }
  };
  walk(describeZod(zodSchema), schema, 'schema', '');
  return out;
}

/**
 * `options` holds only what the Supervisor requires to exist (sections and instance lists,
 * empty) or what a user must fill in; no value equal to the tracker's default.
 */
function optionsProblems(m: Rec): string[] {
  const schema = isRec(m.schema) ? m.schema : {};
  const options = isRec(m.options) ? m.options : {};
  const out: string[] = [];
  const written = validateOptions(schema, options);
  out.push(...written.errors, ...written.dropped.map((k) => `${k}: not in the schema (the Supervisor drops it)`));
  for (const [key, value] of Object.entries(options)) {
    const typ = schema[key];
    const container = isRec(typ) || (Array.isArray(typ) && isRec(typ[0]));
    const emptyContainer = (isRec(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
    if (container && emptyContainer) continue;
    const fallback = (DEFAULTS as Rec)[key];
    if (fallback !== undefined && isDeepStrictEqual(value, fallback)) out.push(`options.${key}: should be removed, it is the tracker's default`);
    else if (container) out.push(`options.${key}: a section holds no defaults here; the tracker has them`);
  }
  if (!written.errors.length) {
    try {
      parseOptions(written.options, 'the options the Supervisor writes');
    } catch (err) {
      out.push(`options: the Supervisor's options.json would not start the tracker: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Every schema key (and nested field) has a name and a description; no stale translations. */
function translationProblems(schema: unknown, tr: Rec): string[] {
  const out: string[] = [];
  const walk = (sup: Rec, entries: unknown, path: string) => {
    const have = isRec(entries) ? entries : {};
    for (const [key, typ] of Object.entries(sup)) {
      const entry = have[key];
      const p = `${path}.${key}`;
      if (!isRec(entry) || typeof entry.name !== 'string' || !entry.name.trim() || typeof entry.description !== 'string' || !entry.description.trim()) {
        out.push(`${p}: needs a name and a description (translations/en.yaml)`);
        continue;
      }
      const nested = isRec(typ) ? typ : Array.isArray(typ) && isRec(typ[0]) ? typ[0] : null;
      if (nested) walk(nested, entry.fields, `${p}.fields`);
    }
    for (const key of Object.keys(have)) if (!(key in sup)) out.push(`${path}.${key}: translates an option that does not exist`);
  };
  walk(isRec(schema) ? schema : {}, tr.configuration, 'configuration');
  return out;
}

/** The add-on as a whole: what the Supervisor, the linter and the tracker each require. */
function projectProblems(m: Rec, tr: Rec): string[] {
  const out: string[] = [];
  const repo = readYaml('repository.yaml');
  if (m.version !== PKG.version) out.push(`version: "${String(m.version)}" but package.json says ${PKG.version}`);
  if (m.url !== repo.url) out.push(`url: "${String(m.url)}" differs from repository.yaml's url`);
  if (!Array.isArray(m.arch) || !sameSet(m.arch, ['aarch64', 'amd64'])) out.push('arch: the image is built for aarch64 and amd64');
  if (m.ingress !== true) out.push('ingress: the panel needs ingress');
  // Every Home Assistant user may open the panel; command_users limits who may command (the broker enforces it).
  if (m.panel_admin !== false) out.push('panel_admin: false: the panel is for every Home Assistant user, read-only unless listed in command_users');
  if (typeof m.panel_icon !== 'string' || !m.panel_icon.startsWith('mdi:')) out.push('panel_icon: an mdi: icon for the sidebar');
  if (typeof m.panel_title !== 'string' || !m.panel_title) out.push('panel_title: a short sidebar title');
  for (const check of Object.values(FIXED)) out.push(...check(m));
  if (hostPort(m, DEFAULTS.webhook_port) === null) out.push(`ports: ${DEFAULTS.webhook_port}/tcp must be mapped: webhook senders need it`);
  const ports = isRec(m.ports) ? Object.keys(m.ports) : [];
  const described = isRec(m.ports_description) ? m.ports_description : {};
  for (const port of ports) if (!described[port]) out.push(`ports_description: ${port} is not described`);
  if (!isDeepStrictEqual(described, tr.network)) out.push('ports_description: differs from translations/en.yaml network');
  if (!Array.isArray(m.services) || !m.services.some((s) => /^mqtt:(want|need)$/.test(String(s)))) out.push("services: mqtt:want lets the tracker use Home Assistant's broker");
  if (!Array.isArray(m.discovery) || !m.discovery.includes('mqtt')) out.push('discovery: mqtt lets the tracker offer its broker to Home Assistant');
  // The image's entry point is s6-overlay's /init, which must be PID 1 (test/unit/addon/dockerfile.test.ts).
  if (m.init !== false) out.push("init: false: s6-overlay (the base image's /init) must be PID 1, not Docker's init");
  if (typeof m.timeout !== 'number' || m.timeout * 1000 <= STOP_DEADLINE_MS) {
    out.push(`timeout: ${String(m.timeout ?? 10)} s; a stop may take up to ${STOP_DEADLINE_MS / 1000} s (src/supervisor/stop-budget.ts) before SIGKILL`);
  }
  return out;
}

function manifestProblems(m: Rec, tr: Rec): string[] {
  const supervisor = validateAddonConfig(m);
  return [...supervisor, ...lintAddonConfig(m), ...validateTranslations(tr), ...schemaProblems(m.schema), ...optionsProblems(m), ...translationProblems(m.schema, tr), ...projectProblems(m, tr)];
}

// ---------------------------------------------------------------------------------------

const manifest = readManifest();
const translations = readTranslations();

describe('config.yaml', () => {
  it('passes the Supervisor, the add-on linter and the tracker', () => {
    expect(manifestProblems(manifest, translations)).toEqual([]);
  });

  it('is the only config.* file in the repository (the Supervisor takes every one for an add-on)', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const configs = files.filter((f) => /(^|\/)config\.(json|ya?ml)$/.test(f) && !f.split('/').some((p) => p.startsWith('.') || p === 'rootfs'));
    expect(configs).toEqual(['config.yaml']);
  });

  it('repository.yaml has a name, a URL and a maintainer', () => {
    const repo = readYaml('repository.yaml');
    expect(typeof repo.name).toBe('string');
    expect(String(repo.url)).toMatch(/^https:\/\/\S+$/);
    expect(typeof repo.maintainer).toBe('string');
  });
});

describe('options and schema follow the zod options', () => {
  const schema = manifest.schema as Rec;

  it('an option added to src/config/schema.ts without config.yaml is reported by name', () => {
    const extended = z.object({ ...optionsSchema.shape, brand_new_option: z.string().default('') }).strict();
    expect(schemaProblems(schema, extended)).toEqual([expect.stringMatching(/^schema\.brand_new_option: missing; the tracker has the option "brand_new_option"/)]);
    const nested = z.object({
      ...optionsSchema.shape,
      mqtt: optionsSchema.shape.mqtt
        .unwrap()
        .extend({ keepalive_s: z.number().default(30) })
        .optional(),
    });
    expect(schemaProblems(schema, nested)).toEqual([expect.stringMatching(/^schema\.mqtt\.keepalive_s: missing/)]);
  });

  it('the options the Supervisor writes from the defaults start the tracker on its defaults, in /data', () => {
    const written = validateOptions(schema, manifest.options as Rec);
    expect(written.errors).toEqual([]);
    const file = join(scratch, 'options.json');
    writeFileSync(file, JSON.stringify(written.options));
    const loaded = loadOptions({}, file).options;
    expect(loaded).toEqual({ ...DEFAULTS, data_dir: scratch });
  });

  it('a full set of options passes the Supervisor unchanged and reaches the tracker', () => {
    const full = {
      log_level: 'debug',
      webhook_secret: 'a-long-webhook-secret',
      mqtt: {
        mode: 'external',
        username: 'tracker',
        password: 'broker-password',
        external_url: 'mqtts://broker.example:8883',
        external_username: 'ha',
        external_password: 'external-password',
        base_topic: 'home/media',
        discovery: false,
        discovery_prefix: 'ha',
        ha_status_topic: 'ha/status',
        ha_birth_delay_s: 2.5,
      },
      anime: { tags: ['anime', 'donghua'], path_patterns: ['/anime/', '/Anime/'] },
      ha_retention_days: 14,
      backfill_limit: 100,
      jellyseerr: { url: 'http://jellyseerr:5055', api_key: 'jellyseerr-key' },
      sonarr: [
        { name: 'sonarr', url: 'http://sonarr:8989', api_key: 'sonarr-key', is_4k: false },
        { name: 'sonarr-anime', url: 'http://sonarr-anime:8989/base', api_key: 'sonarr-anime-key' },
      ],
      radarr: [{ name: 'radarr', url: 'http://radarr:7878', api_key: 'radarr-key', is_4k: true }],
      qbittorrent: [{ name: 'qbittorrent', url: 'http://qbittorrent:8080', username: 'admin', password: 'qbit-password' }],
      transmission: [{ name: 'transmission', url: 'http://transmission:9091', username: 'transmission', password: 'transmission-password' }],
      deluge: [{ name: 'deluge', url: 'http://deluge:8112', password: 'deluge-password' }],
      sabnzbd: [{ name: 'sabnzbd', url: 'http://sabnzbd:8080', api_key: 'sabnzbd-key' }],
      nzbget: [{ name: 'nzbget', url: 'http://nzbget:6789', username: 'nzbget', password: 'nzbget-password' }],
      jellyfin: { url: 'http://jellyfin:8096', api_key: 'jellyfin-key' },
      shoko: { url: 'http://shoko:8111', api_key: 'shoko-key' },
      intervals: { qbittorrent_s: 2, transmission_s: 3, deluge_s: 7, sabnzbd_s: 4, nzbget_s: 6, arr_s: 30, downloads_s: 10, jellyfin_s: 45, jellyseerr_s: 120 },
      stuck_after: {
        requested_min: 60,
        approved_min: 10,
        searching_min: 20,
        grabbing_min: 15,
        downloading_min: 45,
        downloaded_min: 25,
        importing_min: 35,
        anime_matching_min: 90,
      },
      public_url: 'http://192.168.1.10:8787',
      panel_origins: ['https://tracker.example.com', 'http://media.lan:8099'],
      command_users: ['alice', '8f1c2a0e5b7d4c3a9e6f1b2d3c4a5e6f'],
      forward_existing: true,
      autoconfigure_on_start: true,
      doctor_interval_min: 30,
      no_event_warning_hours: 24,
      source_silence_min: 30,
      notify: [{ requester: 'alice', person: 'person.alice', service: 'notify.mobile_app_alice' }],
    };
    // The sample sets every schema key, so a new option needs a value here too.
    const keys = (v: unknown, p = ''): string[] => (isRec(v) ? Object.entries(v).flatMap(([k, x]) => [`${p}${k}`, ...keys(Array.isArray(x) && isRec(x[0]) ? x[0] : x, `${p}${k}.`)]) : []);
    expect(keys(full).sort()).toEqual(keys(schema).sort());
    const written = validateOptions(schema, { ...(manifest.options as Rec), ...full });
    expect(written.errors).toEqual([]);
    expect(written.dropped).toEqual([]);
    expect(written.options).toEqual(full);
    const parsed = parseOptions(written.options);
    expect({ ...parsed, data_dir: undefined, webhook_port: undefined, ingress_port: undefined, mqtt: { ...parsed.mqtt, port: undefined } }).toEqual({
      ...full,
      data_dir: undefined,
      webhook_port: undefined,
      ingress_port: undefined,
      mqtt: { ...full.mqtt, port: undefined },
    });
  });

  it('values the tracker refuses, the Supervisor already refuses in the options page', () => {
    const cases: Array<[string, Rec]> = [
      ['options.log_level', { log_level: 'loud' }],
      ['options.mqtt.mode', { mqtt: { mode: 'cloud' } }],
      ['options.mqtt.base_topic', { mqtt: { base_topic: 'media/#' } }],
      ['options.mqtt.discovery_prefix', { mqtt: { discovery_prefix: 'home assistant' } }],
      ['options.mqtt.ha_birth_delay_s', { mqtt: { ha_birth_delay_s: 601 } }],
      ['options.sonarr[0].name', { sonarr: [{ name: 'Sonarr 4K', url: 'http://sonarr:8989', api_key: 'k' }] }],
      ['options.radarr[0].api_key', { radarr: [{ name: 'radarr', url: 'http://radarr:7878' }] }],
      ['options.intervals.arr_s', { intervals: { arr_s: 0 } }],
      ['options.transmission[0].name', { transmission: [{ name: 'Transmission NAS', url: 'http://nas:9091' }] }],
      ['options.intervals.transmission_s', { intervals: { transmission_s: 0.5 } }],
      ['options.deluge[0].password', { deluge: [{ name: 'deluge', url: 'http://deluge:8112' }] }],
      ['options.intervals.deluge_s', { intervals: { deluge_s: 0 } }],
      ['options.anime.tags[0]', { anime: { tags: [''] } }],
    ];
    for (const [path, bad] of cases) {
      const written = validateOptions(schema, { ...(manifest.options as Rec), ...bad });
      expect(written.errors.join('\n'), path).toContain(path);
      expect(() => parseOptions({ ...bad }), path).toThrow();
    }
  });
});

describe('translations/en.yaml', () => {
  it('names and describes every option, nested fields included, and every port', () => {
    expect(validateTranslations(translations)).toEqual([]);
    expect(translationProblems(manifest.schema, translations)).toEqual([]);
    expect(Object.keys(translations.network as Rec).sort()).toEqual(Object.keys(manifest.ports as Rec).sort());
  });
});

describe('a broken manifest is rejected with a message naming the key', () => {
  type Mutation = [string, (m: Rec, tr: Rec) => void, string];
  const schemaOf = (m: Rec) => m.schema as Rec;
  const mutations: Mutation[] = [
    ['name removed', (m) => delete m.name, 'name'],
    ['version unquoted (a float)', (m) => (m.version = 0.1), 'version'],
    ['version differs from package.json', (m) => (m.version = '9.9.9'), 'version'],
    ['slug with a space', (m) => (m.slug = 'media tracker'), 'slug'],
    ['unknown architecture', (m) => (m.arch = ['x86_64']), 'arch'],
    ['deprecated architecture', (m) => (m.arch = ['aarch64', 'amd64', 'armv7']), 'arch'],
    ['url not a URL', (m) => (m.url = 'media-tracker'), 'url'],
    ['a key set to its default (init)', (m) => (m.init = true), 'init'],
    ["init left out (Docker's init takes PID 1 from s6-overlay)", (m) => delete m.init, 'init'],
    ['a key set to its default (boot)', (m) => (m.boot = 'auto'), 'boot'],
    ['ingress_port written out at its default', (m) => (m.ingress_port = 8099), 'ingress_port'],
    ['ingress_port the tracker does not serve', (m) => (m.ingress_port = 8100), 'ingress_port'],
    ['ingress off', (m) => (m.ingress = false), 'ingress'],
    ['panel for administrators only', (m) => delete m.panel_admin, 'panel_admin'],
    ['ingress_entry with a leading slash', (m) => (m.ingress_entry = '/ui/'), 'ingress_entry'],
    ['webui next to ingress', (m) => (m.webui = 'http://[HOST]:[PORT:8099]/'), 'webui'],
    ['watchdog instead of HEALTHCHECK', (m) => (m.watchdog = 'http://[HOST]:[PORT:8787]/health'), 'watchdog'],
    ['a typo the Supervisor would drop', (m) => (m.ingres = true), 'ingres'],
    ['a port mapped to a word', (m) => (m.ports = { '8787/tcp': 'eighty' }), 'ports'],
    ['webhook port not mapped', (m) => delete (m.ports as Rec)['8787/tcp'], 'ports'],
    ['webhook port disabled', (m) => ((m.ports as Rec)['8787/tcp'] = null), 'ports'],
    ['port description drifts from the translation', (m) => ((m.ports_description as Rec)['8787/tcp'] = 'Webhooks'), 'ports_description'],
    ['service right misspelt', (m) => (m.services = ['mqtt:maybe']), 'services'],
    ['discovery not declared', (m) => delete m.discovery, 'discovery'],
    ['timeout below the Supervisor minimum', (m) => (m.timeout = 5), 'timeout'],
    ['timeout shorter than the stop deadline', (m) => (m.timeout = 20), 'timeout'],
    ['map entry the Supervisor skips', (m) => (m.map = ['music:rw']), 'map'],
    ['schema type the Supervisor does not know', (m) => (schemaOf(m).log_level = 'string'), 'schema.log_level'],
    ['schema enum missing a value', (m) => ((schemaOf(m).mqtt as Rec).mode = 'list(auto|embedded)?'), 'schema.mqtt.mode'],
    ['schema float as int', (m) => ((schemaOf(m).mqtt as Rec).ha_birth_delay_s = 'int(0,600)?'), 'schema.mqtt.ha_birth_delay_s'],
    ['schema range differs', (m) => ((schemaOf(m).intervals as Rec).arr_s = 'float(5,)?'), 'schema.intervals.arr_s'],
    ['schema optional key made required', (m) => ((schemaOf(m).stuck_after as Rec).requested_min = 'float(1,)'), 'schema.stuck_after.requested_min'],
    ['schema required key made optional', (m) => (((schemaOf(m).radarr as Rec[])[0] as Rec).url = 'url?'), 'schema.radarr[].url'],
    ['schema regex differs from the tracker', (m) => (((schemaOf(m).sonarr as Rec[])[0] as Rec).name = 'match(^[a-z]+$)'), 'schema.sonarr[].name'],
    ['schema secret not masked', (m) => (schemaOf(m).webhook_secret = 'str?'), 'schema.webhook_secret'],
    ['schema URL as plain string', (m) => ((schemaOf(m).jellyfin as Rec).url = 'str?'), 'schema.jellyfin.url'],
    ['schema list inside a list', (m) => (schemaOf(m).sonarr = [['str']]), 'schema.sonarr'],
    ['schema option missing', (m) => delete (schemaOf(m).mqtt as Rec).base_topic, 'schema.mqtt.base_topic'],
    ['schema option the tracker does not have', (m) => (schemaOf(m).brand_new_option = 'url?'), 'schema.brand_new_option'],
    ['schema exposes a container-fixed option', (m) => (schemaOf(m).webhook_port = 'port?'), 'schema.webhook_port'],
    ['options with a default value', (m) => ((m.options as Rec).log_level = 'info'), 'options.log_level'],
    ['options key outside the schema', (m) => ((m.options as Rec).foo = 'bar'), 'options.foo'],
    ['options section missing (the Supervisor refuses to start)', (m) => delete (m.options as Rec).mqtt, 'options.mqtt'],
    ['options instance list missing', (m) => delete (m.options as Rec).sonarr, 'options.sonarr'],
    ['translation missing', (_m, tr) => delete ((tr.configuration as Rec).jellyfin as { fields: Rec }).fields.api_key, 'configuration.jellyfin.fields.api_key'],
    ['translation without a description', (_m, tr) => delete ((tr.configuration as Rec).log_level as Rec).description, 'configuration.log_level'],
    ['stale translation', (_m, tr) => ((tr.configuration as Rec).data_dir = { name: 'Data', description: 'x' }), 'configuration.data_dir'],
  ];

  it.each(mutations)('%s', (_what, mutate, key) => {
    const m = clone(manifest);
    const tr = clone(translations);
    mutate(m, tr);
    const problems = manifestProblems(m, tr);
    expect(problems.length, `no problem reported for ${key}`).toBeGreaterThan(0);
    expect(
      problems.some((p) => p.startsWith(`${key}:`) || p.startsWith(`${key}.`) || p.startsWith(`${key}[`)),
      problems.join('\n'),
    ).toBe(true);
  });
});

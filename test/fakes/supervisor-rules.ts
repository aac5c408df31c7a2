/**
 * The Supervisor's rules for an add-on's files, ported from its source (2026.08) so tests can
 * hold config.yaml, translations and options to them without a Supervisor:
 *
 * - `validateAddonConfig`: `_SCHEMA_APP_CONFIG` (supervisor/apps/validate.py) with the value
 *   rules of supervisor/validate.py (`docker_ports`, `network_port`, `docker_image`), plus the
 *   map-entry migration that skips entries not matching `RE_VOLUME`.
 * - `parseSchemaElement` / `validateSchema`: `RE_SCHEMA_ELEMENT` and `SCHEMA_ELEMENT` (options.py,
 *   validate.py): `str(min,max)`, `password`, `int(min,max)`, `float(min,max)`, `bool`, `email`,
 *   `url`, `port`, `match(re)`, `list(a|b)`, `device`, a trailing `?`; lists hold one element
 *   (never a list), dicts nest.
 * - `validateOptions`: `AppOptions.__call__` — what the Supervisor writes to /data/options.json
 *   (unknown keys dropped, values coerced, a missing key is an error unless its type ends in `?`).
 * - `validateTranslations`: `SCHEMA_APP_TRANSLATIONS`.
 * - `lintAddonConfig`: frenck/action-addon-linter (src/lint.py, src/config.schema.json): a key
 *   set to its default is an error, `webui` with ingress, `ingress_port: 0` off the host
 *   network, obsolete `watchdog`, deprecated architectures; plus keys the Supervisor would drop
 *   silently (REMOVE_EXTRA hides typos) and an `ingress_entry` with a leading slash.
 *
 * Every problem is one string, `<key path>: <what is wrong>`.
 */
import { isDeepStrictEqual } from 'node:util';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export const ARCH_ALL = ['aarch64', 'amd64'];
export const ARCH_DEPRECATED = ['armhf', 'armv7', 'i386'];
const RE_SLUG_FIELD = /^[-_.A-Za-z0-9]+$/;
const RE_SERVICE = /^(mqtt|mysql):(provide|want|need)$/;
const RE_DOCKER_PORT = /^\d+(?:\/tcp|\/udp)?$/;
const RE_VOLUME = /^(data|config|ssl|local_apps|addons|backup|share|media|homeassistant_config|all_app_configs|all_addon_configs|app_config|addon_config)(?::(rw|ro))?$/;
const MAPPING_TYPES = ['data', 'config', 'ssl', 'local_apps', 'backup', 'share', 'media', 'homeassistant_config', 'all_app_configs', 'app_config', 'addons', 'all_addon_configs', 'addon_config'];
const RE_WATCHDOG = /^(?:https?|\[PROTO:\w+\]|tcp):\/\/\[HOST\]:(\[PORT:\d+\]|\d+).*$/;
const RE_WEBUI = /^(?:https?|\[PROTO:\w+\]):\/\/\[HOST\]:\[PORT:\d+\].*$/;
const RE_IMAGE_COMPONENT = /^[a-z0-9{][a-z0-9.\-_{}]*$/;

/** options.py RE_SCHEMA_ELEMENT, with Python's `(?P<name>` as `(?<name>`. */
export const RE_SCHEMA_ELEMENT = new RegExp(
  '^(?:' +
    '|bool|email|url|port' +
    '|device(?:\\((?<filter>subsystem=[a-z]+)\\))?' +
    '|str(?:\\((?<s_min>\\d+)?,(?<s_max>\\d+)?\\))?' +
    '|password(?:\\((?<p_min>\\d+)?,(?<p_max>\\d+)?\\))?' +
    '|int(?:\\((?<i_min>-?\\d+)?,(?<i_max>-?\\d+)?\\))?' +
    '|float(?:\\((?<f_min>-?\\d*\\.?\\d+)?,(?<f_max>-?\\d*\\.?\\d+)?\\))?' +
    '|match\\((?<match>.*)\\)' +
    '|list\\((?<list>.+)\\)' +
    ')\\??$',
);

export type ElementKind = 'str' | 'password' | 'int' | 'float' | 'bool' | 'email' | 'url' | 'port' | 'match' | 'list' | 'device';

export interface SchemaElement {
  kind: ElementKind;
  optional: boolean;
  min?: number;
  max?: number;
  /** `match(...)`: the regular expression. */
  pattern?: string;
  /** `list(...)`: the allowed values. */
  values?: string[];
}

const KINDS: ElementKind[] = ['password', 'device', 'float', 'match', 'email', 'list', 'bool', 'port', 'str', 'int', 'url'];

/** Null when the Supervisor would reject the type string. */
export function parseSchemaElement(typ: string): SchemaElement | null {
  const m = RE_SCHEMA_ELEMENT.exec(typ);
  const kind = KINDS.find((k) => typ.startsWith(k));
  if (!m || !kind) return null;
  const g = m.groups ?? {};
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const el: SchemaElement = { kind, optional: typ.endsWith('?') };
  const prefix = { str: 's', password: 'p', int: 'i', float: 'f' }[kind as 'str'];
  if (prefix) {
    const min = num(g[`${prefix}_min`]);
    const max = num(g[`${prefix}_max`]);
    if (min !== undefined) el.min = min;
    if (max !== undefined) el.max = max;
  }
  if (kind === 'match' && g.match !== undefined) el.pattern = g.match;
  if (kind === 'list' && g.list !== undefined) el.values = g.list.split('|');
  return el;
}

/** SCHEMA_ELEMENT: a type string, a list of one element (not a list), or a dict of those. */
export function validateSchema(schema: unknown, path = 'schema'): string[] {
  if (typeof schema === 'string') return parseSchemaElement(schema) ? [] : [`${path}: unknown type "${schema}"`];
  if (Array.isArray(schema)) {
    if (schema.length !== 1) return [`${path}: a list holds exactly one element type`];
    if (Array.isArray(schema[0])) return [`${path}: a list may not directly contain another list`];
    return validateSchema(schema[0], `${path}[]`);
  }
  if (isRec(schema)) return Object.entries(schema).flatMap(([k, v]) => validateSchema(v, `${path}.${k}`));
  return [`${path}: expected a type string, a list or a dict`];
}

// ---------------------------------------------------------------------------------------
// Option values (AppOptions)

export interface OptionsResult {
  options: Rec;
  errors: string[];
  /** Keys the Supervisor drops with a warning. */
  dropped: string[];
}

export function validateOptions(schema: Rec, options: Rec): OptionsResult {
  const errors: string[] = [];
  const dropped: string[] = [];
  const out = validateDict(schema, options, 'options', errors, dropped);
  return { options: out, errors, dropped };
}

function validateDict(schema: Rec, data: Rec, path: string, errors: string[], dropped: string[]): Rec {
  const out: Rec = {};
  for (const [key, value] of Object.entries(data)) {
    if (!(key in schema)) {
      dropped.push(`${path}.${key}`);
      continue;
    }
    const v = validateElement(schema[key], value, `${path}.${key}`, errors, dropped);
    if (v !== undefined) out[key] = v;
  }
  for (const key of Object.keys(schema)) {
    if (key in out) continue;
    let typ = schema[key];
    if (Array.isArray(typ) && typ.length > 0) typ = typ[0];
    if (typeof typ === 'string' && typ.endsWith('?')) continue;
    if (!errors.some((e) => e.startsWith(`${path}.${key}`))) errors.push(`${path}.${key}: missing option (the Supervisor refuses to start the add-on)`);
  }
  return out;
}

function validateElement(typ: unknown, value: unknown, path: string, errors: string[], dropped: string[]): unknown {
  if (Array.isArray(typ)) {
    if (!Array.isArray(value)) return void errors.push(`${path}: invalid list`);
    return value.map((v, i) => validateElement(typ[0], v, `${path}[${i}]`, errors, dropped));
  }
  if (isRec(typ)) {
    if (!isRec(value)) return void errors.push(`${path}: invalid dict`);
    return validateDict(typ, value, path, errors, dropped);
  }
  try {
    return validateValue(String(typ), value);
  } catch (err) {
    errors.push(`${path}: ${(err as Error).message}`);
    return undefined;
  }
}

function coerceInt(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  throw new Error(`expected an integer, got ${JSON.stringify(value)}`);
}

function coerceFloat(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw new Error(`expected a number, got ${JSON.stringify(value)}`);
}

function range(n: number, el: SchemaElement): number {
  if (el.min !== undefined && n < el.min) throw new Error(`value must be at least ${el.min}`);
  if (el.max !== undefined && n > el.max) throw new Error(`value must be at most ${el.max}`);
  return n;
}

/** `vol.Url()`: urlparse() must find a scheme and a network location. */
export function isSupervisorUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)/.exec(value);
  return m !== null;
}

function validateValue(typ: string, value: unknown): unknown {
  if (value === null || value === undefined) throw new Error('missing required option');
  const el = parseSchemaElement(typ);
  if (!el) throw new Error(`unknown type "${typ}"`);
  switch (el.kind) {
    case 'str':
    case 'password': {
      if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
      if (el.min !== undefined && value.length < el.min) throw new Error(`length must be at least ${el.min}`);
      if (el.max !== undefined && value.length > el.max) throw new Error(`length must be at most ${el.max}`);
      return value;
    }
    case 'int':
      return range(coerceInt(value), el);
    case 'float':
      return range(coerceFloat(value), el);
    case 'bool': {
      if (typeof value === 'boolean') return value;
      const s = String(value).toLowerCase();
      if (['1', 'true', 'yes', 'on', 'enable'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', 'disable'].includes(s)) return false;
      throw new Error(`expected a boolean, got ${JSON.stringify(value)}`);
    }
    case 'email':
      if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) throw new Error('expected an email address');
      return value;
    case 'url':
      if (!isSupervisorUrl(value)) throw new Error(`expected a URL, got ${JSON.stringify(value)}`);
      return value;
    case 'port': {
      const n = coerceInt(value);
      if (n < 1 || n > 65535) throw new Error('expected a port (1-65535)');
      return n;
    }
    case 'match':
      // vol.Match uses re.match: anchored at the start only.
      if (!new RegExp(`^(?:${el.pattern ?? ''})`).test(String(value))) throw new Error(`does not match ${el.pattern}`);
      return String(value);
    case 'list':
      if (!(el.values ?? []).includes(String(value))) throw new Error(`expected one of ${(el.values ?? []).join(', ')}`);
      return String(value);
    case 'device':
      throw new Error('device options need real hardware; not checked here');
  }
}

// ---------------------------------------------------------------------------------------
// config.yaml (_SCHEMA_APP_CONFIG)

type Check = (value: unknown, path: string) => string[];
const fail = (path: string, msg: string) => [`${path}: ${msg}`];
const str: Check = (v, p) => (typeof v === 'string' ? [] : fail(p, `expected a string, got ${JSON.stringify(v)}`));
const bool: Check = (v, p) => (typeof v === 'boolean' ? [] : fail(p, `expected a boolean, got ${JSON.stringify(v)}`));
const oneOf =
  (values: string[]): Check =>
  (v, p) =>
    typeof v === 'string' && values.includes(v) ? [] : fail(p, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
const matches =
  (re: RegExp, what: string): Check =>
  (v, p) =>
    typeof v === 'string' && re.test(v) ? [] : fail(p, `${JSON.stringify(v)} is not ${what}`);
const listOf =
  (item: Check): Check =>
  (v, p) =>
    Array.isArray(v) ? v.flatMap((x, i) => item(x, `${p}[${i}]`)) : fail(p, 'expected a list');
const networkPort: Check = (v, p) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? [] : fail(p, `expected a port 1-65535, got ${JSON.stringify(v)}`));
const versionTag: Check = (v, p) => (typeof v === 'string' || typeof v === 'number' ? [] : fail(p, 'expected a version'));
const url: Check = (v, p) => (isSupervisorUrl(v) ? [] : fail(p, `expected a URL, got ${JSON.stringify(v)}`));
const dictOf =
  (key: RegExp, value: Check): Check =>
  (v, p) => {
    if (!isRec(v)) return fail(p, 'expected a dict');
    return Object.entries(v).flatMap(([k, x]) => (key.test(k) ? value(x, `${p}.${k}`) : fail(`${p}.${k}`, `"${k}" is not a valid key (${key.source})`)));
  };
const dockerImage: Check = (v, p) => {
  if (typeof v !== 'string' || !v) return fail(p, 'expected a Docker image name');
  const parts = v.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? '') ? parts.slice(1) : parts;
  if (path.join('/').includes(':')) return fail(p, `must not contain a tag: ${v}`);
  return path.every((c) => RE_IMAGE_COMPONENT.test(c)) ? [] : fail(p, `invalid image name ${v}`);
};
const mapEntry: Check = (v, p) => {
  if (typeof v === 'string') return RE_VOLUME.test(v) ? [] : fail(p, `invalid map entry "${v}" (the Supervisor skips it)`);
  if (!isRec(v) || !('type' in v)) return fail(p, 'map entry without a type (the Supervisor skips it)');
  return [...oneOf(MAPPING_TYPES)(v.type, `${p}.type`), ...('read_only' in v ? bool(v.read_only, `${p}.read_only`) : []), ...('path' in v ? str(v.path, `${p}.path`) : [])];
};

const BOOLEAN_KEYS = [
  'init',
  'advanced',
  'ingress',
  'ingress_stream',
  'panel_admin',
  'host_network',
  'host_pid',
  'host_ipc',
  'host_uts',
  'host_dbus',
  'udev',
  'tmpfs',
  'apparmor',
  'full_access',
  'audio',
  'video',
  'gpio',
  'usb',
  'uart',
  'devicetree',
  'kernel_modules',
  'realtime',
  'hassio_api',
  'homeassistant_api',
  'stdin',
  'legacy',
  'docker_api',
  'auth_api',
  'journald',
];

export const REQUIRED_KEYS = ['name', 'version', 'slug', 'description', 'arch'];

const CHECKS: Record<string, Check> = {
  name: str,
  version: versionTag,
  slug: matches(RE_SLUG_FIELD, `a slug (${RE_SLUG_FIELD.source})`),
  description: str,
  arch: listOf(oneOf([...ARCH_ALL, ...ARCH_DEPRECATED])),
  machine: listOf(str),
  url,
  startup: oneOf(['initialize', 'system', 'services', 'application', 'once', 'before', 'after']),
  boot: oneOf(['auto', 'manual', 'manual_only']),
  stage: oneOf(['stable', 'experimental', 'deprecated']),
  ports: dictOf(RE_DOCKER_PORT, (v, p) => (v === null ? [] : networkPort(v, p))),
  ports_description: dictOf(RE_DOCKER_PORT, str),
  watchdog: matches(RE_WATCHDOG, 'a watchdog URL'),
  webui: matches(RE_WEBUI, 'a webui URL'),
  ingress_port: (v, p) => (v === 0 ? [] : networkPort(v, p)),
  ingress_entry: str,
  panel_icon: str,
  panel_title: str,
  homeassistant: versionTag,
  devices: listOf(str),
  map: listOf(mapEntry),
  environment: dictOf(/^\w*$/, str),
  privileged: listOf(str),
  hassio_role: oneOf(['default', 'homeassistant', 'backup', 'manager', 'admin']),
  services: listOf(matches(RE_SERVICE, `a service (${RE_SERVICE.source})`)),
  discovery: listOf(str),
  backup_exclude: listOf(str),
  backup_pre: str,
  backup_post: str,
  backup: oneOf(['hot', 'cold']),
  options: (v, p) => (isRec(v) ? [] : fail(p, 'expected a dict')),
  schema: (v, p) => (v === false ? [] : isRec(v) ? validateSchema(v, p) : fail(p, 'expected a dict or false')),
  image: dockerImage,
  ulimits: (v, p) => (isRec(v) ? [] : fail(p, 'expected a dict')),
  timeout: (v, p) => (Number.isInteger(v) && (v as number) >= 10 && (v as number) <= 300 ? [] : fail(p, `expected an integer 10-300, got ${JSON.stringify(v)}`)),
  breaking_versions: listOf(versionTag),
  codenotary: str,
  ...Object.fromEntries(BOOLEAN_KEYS.map((k) => [k, bool])),
};

/** What the Supervisor rejects (the add-on would not show up in the store). */
export function validateAddonConfig(config: unknown): string[] {
  if (!isRec(config)) return ['(root): the add-on config must be a dictionary'];
  const errors: string[] = [];
  for (const key of REQUIRED_KEYS) if (!(key in config)) errors.push(`${key}: required key not provided`);
  if ('name' in config && !config.name) errors.push('name: Invalid app config!');
  for (const [key, value] of Object.entries(config)) {
    const check = CHECKS[key];
    if (check) errors.push(...check(value, key));
  }
  return errors;
}

/** config.schema.json defaults of frenck/action-addon-linter: writing one of these is an error there. */
export const LINTER_DEFAULTS: Rec = {
  advanced: false,
  apparmor: true,
  audio: false,
  auth_api: false,
  auto_uart: false,
  backup: 'hot',
  boot: 'auto',
  devicetree: false,
  docker_api: false,
  full_access: false,
  gpio: false,
  hassio_api: false,
  hassio_role: 'default',
  homeassistant_api: false,
  host_dbus: false,
  host_ipc: false,
  host_network: false,
  host_pid: false,
  host_uts: false,
  ingress: false,
  ingress_port: 8099,
  ingress_stream: false,
  init: true,
  journald: false,
  kernel_modules: false,
  legacy: false,
  options: {},
  panel_admin: true,
  panel_icon: 'mdi:puzzle',
  realtime: false,
  schema: {},
  stage: 'stable',
  startup: 'application',
  stdin: false,
  timeout: 10,
  tmpfs: false,
  uart: false,
  udev: false,
  ulimits: {},
  usb: false,
  video: false,
};

/** What the add-on linter (and our stricter house rules) reject although the Supervisor would load it. */
export function lintAddonConfig(config: Rec): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!(key in CHECKS) && key !== 'auto_uart') errors.push(`${key}: not an add-on config key (the Supervisor drops it silently)`);
    if (key in LINTER_DEFAULTS && isDeepStrictEqual(value, LINTER_DEFAULTS[key])) errors.push(`${key}: should be removed, it uses a default value`);
  }
  if (typeof config.version !== 'string') errors.push('version: must be a string (quote it in YAML)');
  for (const arch of Array.isArray(config.arch) ? config.arch : []) {
    if (ARCH_DEPRECATED.includes(String(arch))) errors.push(`arch: "${String(arch)}" is deprecated (dropped by Home Assistant 2025.12)`);
  }
  if (Array.isArray(config.arch) && config.arch.length === 0) errors.push('arch: lists no architecture');
  if (config.ingress === true) {
    if (config.webui) errors.push('webui: should be removed, Ingress is enabled');
    if (config.host_network !== true && config.ingress_port === 0) errors.push('ingress_port: 0 (dynamic) only makes sense on the host network');
  }
  if (typeof config.ingress_entry === 'string' && config.ingress_entry.startsWith('/')) {
    errors.push('ingress_entry: must not start with "/" (it is appended to the ingress URL)');
  }
  if (config.watchdog) errors.push('watchdog: obsolete, use the Dockerfile HEALTHCHECK');
  if ('codenotary' in config) errors.push('codenotary: deprecated and no longer used');
  if (config.backup === 'cold') for (const k of ['backup_pre', 'backup_post']) if (k in config) errors.push(`${k}: not valid with cold backups`);
  return errors;
}

// ---------------------------------------------------------------------------------------
// translations/<lang>.yaml (SCHEMA_APP_TRANSLATIONS)

function validateTranslationEntry(v: unknown, p: string): string[] {
  if (!isRec(v)) return fail(p, 'expected a dict with name and description');
  const errors = [...(typeof v.name === 'string' ? [] : fail(`${p}.name`, 'required string'))];
  if ('description' in v && v.description !== null && typeof v.description !== 'string') errors.push(`${p}.description: expected a string`);
  if ('fields' in v) {
    if (!isRec(v.fields)) errors.push(`${p}.fields: expected a dict`);
    else for (const [k, f] of Object.entries(v.fields)) errors.push(...validateTranslationEntry(f, `${p}.fields.${k}`));
  }
  return errors;
}

export function validateTranslations(tr: unknown): string[] {
  if (!isRec(tr)) return ['(root): expected a dict'];
  const errors: string[] = [];
  if ('configuration' in tr) {
    if (!isRec(tr.configuration)) errors.push('configuration: expected a dict');
    else for (const [k, v] of Object.entries(tr.configuration)) errors.push(...validateTranslationEntry(v, `configuration.${k}`));
  }
  if ('network' in tr) errors.push(...dictOf(/^.*$/, str)(tr.network, 'network'));
  return errors;
}

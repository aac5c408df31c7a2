/**
 * What Sonarr and Radarr share (docs/upstreams.md §1.8, §2.5): API-key auth, `system/status`,
 * `command`, `notification` (+ `test`, `schema`, the Webhook connection sending real events
 * with Basic auth and custom headers), `downloadclient` (arr-downloadclients.ts) and `history` (paged, `eventType` integers in the query,
 * camelCase names in the response; `history/since`), the paged `queue` and the download side of
 * the fakes (queue records with an UPPER-case `downloadId` and a .NET TimeSpan `timeleft`,
 * history records).
 */
import type { Request, Response } from 'express';
import { defaultDownloadClients, maskedClient, type ArrDownloadClient } from './arr-downloadclients.js';
import { basicAuth, createFakeApp, header, iso, paged, q, qBool, qInt, qList, sendHook, stripNulls, timeSpan, versionAtLeast, type FakeApp, type SentHook } from './common.js';

export type Rec = Record<string, unknown>;

export interface ArrField {
  name: string;
  value?: unknown;
  [k: string]: unknown;
}

export interface ArrNotification {
  id: number;
  name: string;
  implementation: string;
  fields: ArrField[];
  [k: string]: unknown;
}

export interface ArrHistoryRecord {
  id: number;
  /** camelCase name, e.g. `'grabbed'`, `'downloadFailed'`. */
  eventType: string;
  date: string;
  downloadId?: string;
  data: Record<string, string>;
  [k: string]: unknown;
}

export interface ArrCommand {
  id: number;
  name: string;
  status: string;
  body: Rec;
  [k: string]: unknown;
}

export interface ArrState {
  apiKey: string;
  version: string;
  instanceName: string;
  commands: ArrCommand[];
  notifications: ArrNotification[];
  history: ArrHistoryRecord[];
  /** The download-client definitions, values in clear (`GET /downloadclient` masks the secrets); see arr-downloadclients.ts. */
  downloadClients: ArrDownloadClient[];
  /** Every webhook the fake sent (notification tests, create-time tests and `deliver()`). */
  sent: SentHook[];
}

export interface ArrQueueRecord extends Rec {
  id: number;
  downloadId: string;
  status: string;
  trackedDownloadState: string;
}

export interface ArrConfig {
  appName: 'Sonarr' | 'Radarr';
  /** eventType name → integer. */
  eventTypes: Record<string, number>;
  /** The service's own `on*` flags of the Webhook connection (besides `ARR_FLAGS`). */
  flags: string[];
  /** Version from which the `headers` field is honoured. */
  headersSince: string;
  testBody: () => Rec;
  /** A `Download` body sent under `onImportComplete` (Sonarr ≥ 4.0.6), not `onDownload`. */
  isImportComplete?: (body: Rec) => boolean;
  /** Extra history filters (seriesIds, movieIds, episodeId...). */
  historyFilter: (req: Request, r: ArrHistoryRecord) => boolean;
  /** Adds `series`/`episode`/`movie` to a history record when asked. */
  historyDecorate: (req: Request, r: ArrHistoryRecord) => Rec;
  /** The queue records `GET /queue` pages, filtered and decorated for the request. */
  queue: (req: Request) => ArrQueueRecord[];
}

/** The `on*` flags both services have. */
export const ARR_FLAGS = ['onGrab', 'onDownload', 'onUpgrade', 'onRename', 'onHealthIssue', 'onHealthRestored', 'onApplicationUpdate', 'onManualInteractionRequired'];

/** Which `on*` flag gates an outgoing event body; the `Test` event is always sent. */
function flagFor(cfg: ArrConfig, body: Rec): string | undefined {
  const t = String(body.eventType);
  if (t === 'Test') return undefined;
  if (t === 'Download') return cfg.isImportComplete?.(body) ? 'onImportComplete' : body.isUpgrade ? 'onUpgrade' : 'onDownload';
  if (t.endsWith('FileDelete') && body.deleteReason === 'upgrade') return `on${t}ForUpgrade`;
  if (t === 'Health') return 'onHealthIssue';
  return `on${t}`;
}

export function newArrState(appName: string, version: string): ArrState {
  const downloadClients = appName === 'Sonarr' || appName === 'Radarr' ? defaultDownloadClients(appName) : [];
  return { apiKey: `${appName.toLowerCase()}-api-key`, version, instanceName: appName, commands: [], notifications: [], history: [], downloadClients, sent: [] };
}

export function json(res: Response, body: unknown, status = 200): void {
  res.status(status).json(stripNulls(body));
}

/** What the API answers instead of a stored password or key. */
export const PRIVATE_VALUE = '********';

export const nextId = (list: Array<{ id: number }>) => Math.max(0, ...list.map((x) => x.id)) + 1;

export function createArrApp(state: ArrState, cfg: ArrConfig): FakeApp & { deliver(body: Rec): Promise<SentHook[]> } {
  const fa = createFakeApp({
    auth: (req) => {
      const bearer = header(req, 'authorization')?.replace(/^Bearer\s+/i, '');
      return [header(req, 'x-api-key'), q(req, 'apikey'), bearer].includes(state.apiKey);
    },
    onUnauthorized: (res) => void res.status(401).json({ message: 'Unauthorized' }),
  });
  const { route } = fa;
  const base = '/api/v3';

  route('get', `${base}/system/status`, (_req, res) =>
    json(res, {
      appName: cfg.appName,
      instanceName: state.instanceName,
      version: state.version,
      buildTime: '2025-01-01T00:00:00Z',
      isDebug: false,
      isProduction: true,
      isAdmin: false,
      isUserInteractive: false,
      startupPath: '/app/bin',
      appData: '/config',
      osName: 'ubuntu',
      osVersion: '22.04',
      isNetCore: true,
      isLinux: true,
      isOsx: false,
      isWindows: false,
      isDocker: true,
      mode: 'console',
      branch: 'main',
      authentication: 'forms',
      urlBase: '',
      runtimeVersion: '8.0.12',
      runtimeName: '.NET',
      startTime: iso(),
      packageUpdateMechanism: 'docker',
      databaseType: 'sqLite',
    }),
  );

  // --- commands
  route('post', `${base}/command`, (req, res) => {
    const input = (req.body ?? {}) as Rec;
    if (typeof input.name !== 'string') return json(res, [{ propertyName: 'Name', errorMessage: "'Name' must not be empty.", severity: 'error' }], 400);
    const now = iso();
    const cmd: ArrCommand = {
      id: nextId(state.commands),
      name: input.name,
      commandName: input.name.replace(/([a-z])([A-Z])/g, '$1 $2'),
      body: { ...input, sendUpdatesToClient: true, updateScheduledTask: true, requiresDiskAccess: false, isExclusive: false, trigger: 'manual', suppressMessages: false },
      priority: 'normal',
      status: 'queued',
      result: 'unknown',
      queued: now,
      trigger: 'manual',
      stateChangeTime: now,
      sendUpdatesToClient: true,
      updateScheduledTask: true,
    };
    state.commands.push(cmd);
    json(res, cmd, 201);
  });
  route('get', `${base}/command`, (_req, res) => json(res, state.commands));
  route('get', `${base}/command/:id`, (req, res) => {
    const cmd = state.commands.find((c) => c.id === Number(req.params.id));
    return cmd ? json(res, cmd) : json(res, { message: 'NotFound' }, 404);
  });

  // --- notifications (connections)
  const schema = (): ArrNotification => ({
    id: 0,
    name: '',
    implementation: 'Webhook',
    implementationName: 'Webhook',
    configContract: 'WebhookSettings',
    infoLink: `https://wiki.servarr.com/${cfg.appName.toLowerCase()}/supported#webhook`,
    tags: [],
    presets: [],
    ...Object.fromEntries(
      [...ARR_FLAGS, ...cfg.flags].flatMap((f) => [
        [f, false],
        [`supports${f[0]!.toUpperCase()}${f.slice(1)}`, true],
      ]),
    ),
    fields: [
      { order: 0, name: 'url', label: 'Webhook URL', type: 'url', advanced: false, privacy: 'normal', isFloat: false },
      {
        order: 1,
        name: 'method',
        label: 'Method',
        value: 1,
        type: 'select',
        advanced: false,
        privacy: 'normal',
        isFloat: false,
        selectOptions: [
          { value: 1, name: 'POST', order: 1 },
          { value: 2, name: 'PUT', order: 2 },
        ],
      },
      { order: 2, name: 'username', label: 'Username', type: 'textbox', advanced: false, privacy: 'userName', isFloat: false },
      { order: 3, name: 'password', label: 'Password', type: 'password', advanced: false, privacy: 'password', isFloat: false },
      { order: 4, name: 'headers', label: 'Headers', value: [], type: 'keyValueList', advanced: true, privacy: 'normal', isFloat: false },
    ],
  });
  /**
   * The resource as stored: fields in schema order; a password sent back as `********` keeps
   * the stored one (Servarr `SchemaBuilder.ReadFromSchema` with the existing definition).
   */
  const normalize = (input: Rec, id: number, existing?: ArrNotification): ArrNotification => {
    const tpl = schema();
    const given = Array.isArray(input.fields) ? (input.fields as ArrField[]) : [];
    const fields = tpl.fields.map((f) => {
      const value = given.find((g) => g.name?.toLowerCase() === f.name.toLowerCase())?.value ?? f.value;
      const keep = f.privacy === 'password' && value === PRIVATE_VALUE && existing;
      return { ...f, value: keep ? existing.fields.find((e) => e.name === f.name)?.value : value };
    });
    return { ...tpl, ...input, id, fields } as ArrNotification;
  };
  /** As the API shows it: stored passwords as `********` (Servarr `SchemaBuilder.ToSchema`). */
  const masked = (n: ArrNotification): ArrNotification => ({
    ...n,
    fields: n.fields.map((f) => (f.privacy === 'password' && typeof f.value === 'string' && f.value !== '' ? { ...f, value: PRIVATE_VALUE } : f)),
  });
  const find = (id: number) => state.notifications.find((x) => x.id === id);
  const validationError = (res: Response, sent: SentHook) =>
    json(res, [{ isWarning: false, propertyName: 'Url', errorMessage: `Unable to send test message: ${sent.error ?? `HTTP ${sent.status}`}`, severity: 'error' }], 400);
  const testOk = (s: SentHook) => s.status >= 200 && s.status < 300;

  route('get', `${base}/notification/schema`, (_req, res) => json(res, [schema()]));
  route('post', `${base}/notification/test`, async (req, res) => {
    const input = (req.body ?? {}) as Rec;
    const existing = typeof input.id === 'number' && input.id > 0 ? find(input.id) : undefined;
    const sent = await sendWebhook(state, cfg, normalize(input, 0, existing), cfg.testBody());
    return testOk(sent) ? json(res, {}) : validationError(res, sent);
  });
  route('get', `${base}/notification`, (_req, res) => json(res, state.notifications.map(masked)));
  route('get', `${base}/notification/:id`, (req, res) => {
    const n = find(Number(req.params.id));
    return n ? json(res, masked(n)) : json(res, { message: 'NotFound' }, 404);
  });
  const save = async (req: Request, res: Response, id: number, status: number) => {
    const existing = find(id);
    const n = normalize((req.body ?? {}) as Rec, id, existing);
    // Created connections are tested; updated ones only when something changed (ProviderControllerBase).
    const changed = !existing || JSON.stringify(existing) !== JSON.stringify(n);
    if (qBool(req, 'forceSave') !== true && n.implementation === 'Webhook' && changed) {
      const sent = await sendWebhook(state, cfg, n, cfg.testBody());
      if (!testOk(sent)) return validationError(res, sent);
    }
    const i = state.notifications.findIndex((x) => x.id === id);
    if (i >= 0) state.notifications[i] = n;
    else state.notifications.push(n);
    json(res, masked(n), status);
  };
  route('post', `${base}/notification`, (req, res) => save(req, res, nextId(state.notifications), 201));
  route('put', `${base}/notification/:id`, (req, res) => {
    const id = Number(req.params.id);
    if (!find(id)) return json(res, { message: 'NotFound' }, 404);
    return save(req, res, id, 202);
  });
  route('delete', `${base}/notification/:id`, (req, res) => {
    state.notifications = state.notifications.filter((x) => x.id !== Number(req.params.id));
    json(res, {});
  });

  // --- download clients (read-only here: the tracker never changes them)
  route('get', `${base}/downloadclient`, (_req, res) => json(res, state.downloadClients.map(maskedClient)));
  route('get', `${base}/downloadclient/:id`, (req, res) => {
    const c = state.downloadClients.find((x) => x.id === Number(req.params.id));
    return c ? json(res, maskedClient(c)) : json(res, { message: 'NotFound' }, 404);
  });

  // --- history
  const typeName = (v: string): string | undefined =>
    /^\d+$/.test(v) ? Object.entries(cfg.eventTypes).find(([, n]) => n === Number(v))?.[0] : Object.keys(cfg.eventTypes).find((k) => k.toLowerCase() === v.toLowerCase());
  const byDate = (a: ArrHistoryRecord, b: ArrHistoryRecord) => Date.parse(a.date) - Date.parse(b.date);
  route('get', `${base}/history`, (req, res) => {
    const raw = qList(req, 'eventType');
    const bad = raw.find((v) => !/^\d+$/.test(v));
    if (bad !== undefined) {
      return json(
        res,
        { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1', title: 'One or more validation errors occurred.', status: 400, errors: { eventType: [`The value '${bad}' is not valid.`] } },
        400,
      );
    }
    const types = raw.map(typeName);
    const downloadId = q(req, 'downloadId');
    const records = state.history
      .filter((r) => (types.length === 0 || types.includes(r.eventType)) && (downloadId === undefined || r.downloadId === downloadId) && cfg.historyFilter(req, r))
      .sort((a, b) => byDate(b, a))
      .map((r) => cfg.historyDecorate(req, r));
    json(res, paged(records, qInt(req, 'page') ?? 1, qInt(req, 'pageSize') ?? 10, 'date', 'descending'));
  });
  route('get', `${base}/history/since`, (req, res) => {
    const date = Date.parse(q(req, 'date') ?? '');
    if (Number.isNaN(date)) return json(res, { title: 'One or more validation errors occurred.', status: 400, errors: { date: ['The date field is required.'] } }, 400);
    const type = q(req, 'eventType');
    const name = type === undefined ? undefined : typeName(type);
    const records = state.history.filter((r) => Date.parse(r.date) >= date && (type === undefined || r.eventType === name)).sort(byDate);
    json(
      res,
      records.map((r) => cfg.historyDecorate(req, r)),
    );
  });

  // --- queue
  route('get', `${base}/queue`, (req, res) => {
    const dir = (q(req, 'sortDirection') ?? 'ascending') as 'ascending' | 'descending';
    json(res, paged(cfg.queue(req), qInt(req, 'page') ?? 1, qInt(req, 'pageSize') ?? 10, q(req, 'sortKey') ?? 'timeleft', dir));
  });

  const deliver = async (body: Rec): Promise<SentHook[]> => {
    const out: SentHook[] = [];
    for (const n of state.notifications) {
      const flag = flagFor(cfg, body);
      if (n.implementation !== 'Webhook' || (flag !== undefined && n[flag] !== true)) continue;
      out.push(await sendWebhook(state, cfg, n, body));
    }
    return out;
  };
  return { ...fa, deliver };
}

/** Sends `body` the way the *arr Webhook connection does (method, Basic auth, custom headers). */
export async function sendWebhook(state: ArrState, cfg: ArrConfig, n: ArrNotification, body: Rec): Promise<SentHook> {
  const field = (name: string) => n.fields.find((f) => f.name === name)?.value;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'User-Agent': `${cfg.appName}/${state.version} (ubuntu 22.04)`,
  };
  const user = String(field('username') ?? '');
  const pass = String(field('password') ?? '');
  if (user || pass) headers.Authorization = basicAuth(user, pass);
  if (versionAtLeast(state.version, cfg.headersSince)) {
    for (const h of (field('headers') as Array<{ key: string; value: string }> | undefined) ?? []) headers[h.key] = h.value;
  }
  const method = Number(field('method') ?? 1) === 2 ? 'PUT' : 'POST';
  const sent = await sendHook(String(field('url') ?? ''), JSON.stringify(stripNulls(body)), { method, headers });
  state.sent.push(sent);
  return sent;
}

/** The envelope of the `Test` event. */
export function testEnvelope(state: ArrState): Rec {
  return { eventType: 'Test', instanceName: state.instanceName, applicationUrl: '' };
}

// ---------------------------------------------------------------------------------------
// The download side: queue and history records

/** A download as `addDownload` sets it up; sizes in bytes. */
export interface ArrDownloadOpts {
  title?: string;
  size?: number;
  sizeleft?: number;
  /** Seconds; `null` omits `timeleft`/`estimatedCompletionTime` (unknown). */
  timeleft?: number | null;
  status?: string;
  trackedDownloadStatus?: string;
  trackedDownloadState?: string;
  statusMessages?: Array<{ title: string; messages: string[] }>;
  errorMessage?: string;
  outputPath?: string;
  /** The client definition's name (default `qBittorrent`). */
  downloadClient?: string;
  /** `torrent` (default) or `usenet`. */
  protocol?: 'torrent' | 'usenet';
}

/**
 * The `downloadId` as the *arr sends it (§1.6 of the download-client notes): an info-hash
 * upper-cased, any other client's id verbatim (SABnzbd `SABnzbd_nzo_…`, NZBGet's 32-hex `drone`).
 */
export function wireDownloadId(id: string): string {
  return /^[0-9a-f]{40}$/i.test(id) ? id.toUpperCase() : id;
}

/** What a service's queue and history records say about the release. */
export interface ArrRelease {
  quality: Rec;
  languages: Rec[];
  indexer: string;
}

export const ENGLISH = [{ id: 1, name: 'English' }];

/**
 * Queue and history records over `state.queue` / `state.history`: a download's records share
 * the UPPER-case `downloadId`; `timeleft` (seconds) is rendered as a .NET TimeSpan.
 */
export function arrDownloads<Q extends ArrQueueRecord>(state: ArrState & { queue: Q[] }, release: ArrRelease) {
  const updateDownload = (hash: string, patch: ArrDownloadOpts & Rec): void => {
    const { timeleft, ...rest } = patch;
    const records: ArrQueueRecord[] = state.queue.filter((x) => x.downloadId === wireDownloadId(hash));
    for (const r of records) {
      Object.assign(r, rest);
      if (timeleft !== undefined) {
        r.timeleft = timeleft === null ? undefined : timeSpan(timeleft);
        r.estimatedCompletionTime = timeleft === null ? undefined : iso(Date.now() + timeleft * 1000);
      }
    }
  };
  return {
    /** The fields of a queue record besides its ids (`size`: of the whole download). */
    queueFields(hash: string, size: number, opts: ArrDownloadOpts) {
      const downloadId = wireDownloadId(hash);
      return {
        languages: release.languages,
        quality: release.quality,
        customFormats: [],
        customFormatScore: 0,
        size: opts.size ?? size,
        title: opts.title ?? `Release.${downloadId.slice(0, 6)}`,
        added: iso(),
        status: opts.status ?? 'downloading',
        trackedDownloadStatus: opts.trackedDownloadStatus ?? 'ok',
        trackedDownloadState: opts.trackedDownloadState ?? 'downloading',
        statusMessages: opts.statusMessages ?? [],
        errorMessage: opts.errorMessage,
        downloadId,
        protocol: opts.protocol ?? 'torrent',
        downloadClient: opts.downloadClient ?? 'qBittorrent',
        downloadClientHasPostImportCategory: false,
        indexer: release.indexer,
        outputPath: opts.outputPath,
      };
    },
    /** Sets the progress of records just queued: `sizeleft` (default: all of the size) and `timeleft` (default 1 h). */
    started(hash: string, size: number, opts: ArrDownloadOpts): void {
      updateDownload(hash, { sizeleft: opts.sizeleft ?? opts.size ?? size, timeleft: opts.timeleft === undefined ? 3600 : opts.timeleft });
    },
    /** Patches every queue record of a download. */
    updateDownload,
    removeDownload(hash: string): void {
      state.queue = state.queue.filter((r) => r.downloadId !== wireDownloadId(hash));
    },
    /** Adds a history record (`eventType` as camelCase name; `data` values are strings). */
    addHistory(r: Partial<ArrHistoryRecord> & { eventType: string }): ArrHistoryRecord {
      const rec: ArrHistoryRecord = {
        sourceTitle: 'Release',
        languages: release.languages,
        quality: release.quality,
        customFormats: [],
        customFormatScore: 0,
        qualityCutoffNotMet: false,
        date: iso(),
        data: {},
        ...r,
        id: r.id ?? nextId(state.history),
        downloadId: r.downloadId === undefined ? undefined : wireDownloadId(r.downloadId),
      };
      state.history.push(rec);
      return rec;
    },
  };
}

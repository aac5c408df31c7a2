/**
 * Jellyseerr 2.x fake (docs/upstreams.md §3): `/api/v1` with `X-Api-Key` (403 otherwise), request
 * entities (TypeORM JSON: camelCase, numeric enums, nulls kept), the `pageInfo` envelope,
 * 404 `{"message":"Request not found."}` for deleted requests, the webhook agent settings
 * exactly as Jellyseerr stores them (`jsonPayload` = base64 of a JSON *string literal* holding
 * the template; GET returns the template text; POST/test take the JSON-string-literal form),
 * and the real template engine (`{{key}}` → strings, first occurrence only; `{{media}}` etc.).
 *
 * Also the Radarr/Sonarr server settings (`GET /api/v1/settings/radarr|sonarr`: the stored
 * `DVRSettings` array, API key included, as Jellyseerr answers an admin) and a series' TMDB
 * details with `seasons[]` (`mapSeasonResult`: `episodeCount`, `seasonNumber`, `airDate` ...).
 *
 *   const js = createJellyseerrFake();
 *   js.addRequest(movieSpec, { status: 2, mediaStatus: 3 });
 *   js.addServer('radarr', { hostname: '127.0.0.1', port: 7879, is4k: true });
 *   js.configureWebhook(receiverUrl, { authHeader: 'Bearer x' });
 *   await js.notify('MEDIA_AUTO_APPROVED', movieSpec);  // renders the configured template
 */
import { jellyseerr, type JellyseerrType, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { createFakeApp, header, iso, Lifecycle, q, qInt, sendHook, type FakeHandle, type SentHook } from './common.js';

type Rec = Record<string, unknown>;

export const DEFAULT_TEMPLATE = `{
  "notification_type": "{{notification_type}}",
  "event": "{{event}}",
  "subject": "{{subject}}",
  "message": "{{message}}",
  "image": "{{image}}",
  "{{media}}": {
    "media_type": "{{media_type}}",
    "tmdbId": "{{media_tmdbid}}",
    "tvdbId": "{{media_tvdbid}}",
    "status": "{{media_status}}",
    "status4k": "{{media_status4k}}"
  },
  "{{request}}": {
    "request_id": "{{request_id}}",
    "requestedBy_email": "{{requestedBy_email}}",
    "requestedBy_username": "{{requestedBy_username}}",
    "requestedBy_avatar": "{{requestedBy_avatar}}",
    "requestedBy_settings_discordId": "{{requestedBy_settings_discordId}}",
    "requestedBy_settings_telegramChatId": "{{requestedBy_settings_telegramChatId}}"
  },
  "{{issue}}": {
    "issue_id": "{{issue_id}}",
    "issue_type": "{{issue_type}}",
    "issue_status": "{{issue_status}}",
    "reportedBy_email": "{{reportedBy_email}}",
    "reportedBy_username": "{{reportedBy_username}}",
    "reportedBy_avatar": "{{reportedBy_avatar}}",
    "reportedBy_settings_discordId": "{{reportedBy_settings_discordId}}",
    "reportedBy_settings_telegramChatId": "{{reportedBy_settings_telegramChatId}}"
  },
  "{{comment}}": {
    "comment_message": "{{comment_message}}",
    "commentedBy_email": "{{commentedBy_email}}",
    "commentedBy_username": "{{commentedBy_username}}",
    "commentedBy_avatar": "{{commentedBy_avatar}}",
    "commentedBy_settings_discordId": "{{commentedBy_settings_discordId}}",
    "commentedBy_settings_telegramChatId": "{{commentedBy_settings_telegramChatId}}"
  },
  "{{extra}}": []
}`;

/** The stored form: base64 of `JSON.stringify(templateText)`. */
export const encodeTemplate = (text: string) => Buffer.from(JSON.stringify(text)).toString('base64');

/** Every variable the agent knows (`KeyMap`), in its order. */
const KEYS = [
  'notification_type',
  'event',
  'subject',
  'message',
  'image',
  ...['username', 'email', 'avatar', 'settings_discordId', 'settings_telegramChatId'].map((k) => `notifyuser_${k}`),
  'media_tmdbid',
  'media_tvdbid',
  'media_type',
  'media_status',
  'media_status4k',
  'request_id',
  ...['username', 'email', 'avatar', 'settings_discordId', 'settings_telegramChatId'].map((k) => `requestedBy_${k}`),
  'issue_id',
  'issue_type',
  'issue_status',
  ...['username', 'email', 'avatar', 'settings_discordId', 'settings_telegramChatId'].map((k) => `reportedBy_${k}`),
  'comment_message',
  ...['username', 'email', 'avatar', 'settings_discordId', 'settings_telegramChatId'].map((k) => `commentedBy_${k}`),
];

export const NOTIFICATION_BITS: Record<string, number> = {
  MEDIA_PENDING: 2,
  MEDIA_APPROVED: 4,
  MEDIA_AVAILABLE: 8,
  MEDIA_FAILED: 16,
  TEST_NOTIFICATION: 32,
  MEDIA_DECLINED: 64,
  MEDIA_AUTO_APPROVED: 128,
};

export interface RenderInput {
  vars: Record<string, string>;
  /** Which of `{{media}}`, `{{request}}`, `{{issue}}`, `{{comment}}` exist (others become `null`). */
  entities: { media?: boolean; request?: boolean; issue?: boolean; comment?: boolean };
  extra?: Array<{ name: string; value: string }>;
}

/** Jellyseerr's `parseKeys` on a parsed template (mutates and returns it). */
export function renderTemplate(tpl: Rec, input: RenderInput): Rec {
  for (let key of Object.keys(tpl)) {
    const special = /^\{\{(media|request|issue|comment|extra)\}\}$/.exec(key)?.[1] as keyof RenderInput['entities'] | 'extra' | undefined;
    if (special) {
      tpl[special] = special === 'extra' ? (input.extra ?? []) : input.entities[special] ? tpl[key] : null;
      delete tpl[key];
      key = special;
    }
    const v = tpl[key];
    if (typeof v === 'string') {
      tpl[key] = KEYS.reduce((s, k) => s.replace(`{{${k}}}`, input.vars[k] ?? ''), v);
    } else if (v && typeof v === 'object') {
      tpl[key] = renderTemplate(v as Rec, input);
    }
  }
  return tpl;
}

export interface JellyseerrUser extends Rec {
  id: number;
  displayName: string;
  email: string;
}
export interface JellyseerrRequest extends Rec {
  id: number;
  status: number;
  type: 'movie' | 'tv';
  media: Rec & { status: number; tmdbId: number };
}

export interface WebhookSettings {
  enabled: boolean;
  embedPoster: boolean;
  types: number;
  options: { webhookUrl: string; authHeader: string; jsonPayload: string; supportVariables: boolean };
}

/** One Radarr/Sonarr server as Jellyseerr stores it (`DVRSettings`). */
export interface DvrServer extends Rec {
  id: number;
  name: string;
  hostname: string;
  port: number;
  useSsl: boolean;
  baseUrl?: string;
  is4k: boolean;
  isDefault: boolean;
}

export interface JellyseerrState {
  apiKey: string;
  servers: { radarr: DvrServer[]; sonarr: DvrServer[] };
  users: JellyseerrUser[];
  requests: JellyseerrRequest[];
  webhook: WebhookSettings;
  sent: SentHook[];
}

const user = (id: number, name: string, jellyfinUserId: string): JellyseerrUser => ({
  permissions: id === 1 ? 2 : 32,
  id,
  email: `${name}@example.com`,
  plexUsername: null,
  jellyfinUsername: name,
  username: null,
  recoveryLinkExpirationDate: null,
  userType: 3,
  plexId: null,
  jellyfinUserId,
  jellyfinDeviceId: 'ZGV2aWNl',
  avatar: `/avatarproxy/${jellyfinUserId}`,
  movieQuotaLimit: null,
  movieQuotaDays: null,
  tvQuotaLimit: null,
  tvQuotaDays: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  requestCount: 0,
  displayName: name,
});

export function createJellyseerrFake(init: Partial<Pick<JellyseerrState, 'apiKey'>> = {}) {
  const details = new Map<string, Record<string, unknown>>();
  /** The payloads.ts spec of each request added, to notify with. */
  const specs = new Map<number, MovieSpec | ShowSpec>();
  const state: JellyseerrState = {
    apiKey: 'jellyseerr-api-key',
    users: [user(1, 'admin', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'), user(3, 'alice', '5d0c3a0e8a7b4e36b1c2d3e4f5a6b7c8')],
    requests: [],
    servers: { radarr: [], sonarr: [] },
    webhook: { enabled: false, embedPoster: true, types: 0, options: { webhookUrl: '', authHeader: '', jsonPayload: encodeTemplate(DEFAULT_TEMPLATE), supportVariables: false } },
    sent: [],
    ...init,
  };

  const fa = createFakeApp({
    auth: (req) => header(req, 'x-api-key') === state.apiKey,
    onUnauthorized: (res) => void res.status(403).json({ status: 403, error: 'You do not have permission to access this endpoint' }),
  });
  const { route } = fa;
  const err = (status: number, message: string) => ({ status, message });

  route('get', '/api/v1/status', (_req, res) => res.json({ version: '2.7.3', commitTag: 'v2.7.3', updateAvailable: false, commitsBehind: 0, restartRequired: false }), { public: true });

  route('get', '/api/v1/request/count', (_req, res) => {
    const r = state.requests;
    const avail = (x: JellyseerrRequest) => x.media.status === 5;
    res.json({
      total: r.length,
      movie: r.filter((x) => x.type === 'movie').length,
      tv: r.filter((x) => x.type === 'tv').length,
      pending: r.filter((x) => x.status === 1).length,
      approved: r.filter((x) => x.status === 2).length,
      declined: r.filter((x) => x.status === 3).length,
      processing: r.filter((x) => x.status === 2 && !avail(x)).length,
      available: r.filter((x) => (x.status === 2 || x.status === 5) && avail(x)).length,
      completed: r.filter((x) => x.status === 5).length,
    });
  });
  route('get', '/api/v1/request', (req, res) => {
    const take = qInt(req, 'take') ?? 10;
    const skip = qInt(req, 'skip') ?? 0;
    const filter = q(req, 'filter') ?? 'all';
    const statusFilter = { approved: [2], processing: [2], pending: [1], unavailable: [1, 2], failed: [4], completed: [5] }[filter] ?? [1, 2, 3, 4, 5];
    const mediaFilter = { available: [5], processing: [1, 2, 3, 4], unavailable: [1, 2, 3, 4], deleted: [7] }[filter] ?? [1, 2, 3, 4, 5, 6, 7];
    const requestedBy = qInt(req, 'requestedBy');
    const mediaType = q(req, 'mediaType') ?? 'all';
    const sortKey = q(req, 'sort') === 'modified' ? 'updatedAt' : 'id';
    const dir = q(req, 'sortDirection') === 'asc' ? 1 : -1;
    const rows = state.requests
      .filter((r) => statusFilter.includes(r.status) && mediaFilter.includes(r.media.status))
      .filter((r) => (requestedBy === undefined || (r.requestedBy as Rec).id === requestedBy) && (mediaType === 'all' || r.type === mediaType))
      .sort((a, b) => (sortKey === 'id' ? a.id - b.id : Date.parse(String(a.updatedAt)) - Date.parse(String(b.updatedAt))) * dir);
    res.json({
      pageInfo: { pages: Math.ceil(rows.length / take), pageSize: take, results: rows.length, page: Math.ceil(skip / take) + 1 },
      results: rows.slice(skip, skip + take),
    });
  });
  // TMDB details, the practical way to read one media item's title (§3.6); known for every added request.
  for (const kind of ['movie', 'tv'] as const) {
    route('get', `/api/v1/${kind}/:tmdbId`, (req, res) => {
      const d = details.get(`${kind}/${String(req.params.tmdbId)}`);
      if (!d) return void res.status(404).json({ message: 'Unable to retrieve details.' });
      res.json(d);
    });
  }

  for (const service of ['radarr', 'sonarr'] as const) route('get', `/api/v1/settings/${service}`, (_req, res) => res.json(state.servers[service]));

  // server/routes/request.ts `POST /:requestId/:status` (MANAGE_REQUESTS): the new status, saved; the
  // entity subscriber then notifies (MEDIA_APPROVED / MEDIA_DECLINED) as for a decision in the web UI.
  route('post', '/api/v1/request/:id/:status', async (req, res) => {
    const r = state.requests.find((x) => x.id === Number(req.params.id));
    const status = { pending: 1, approve: 2, decline: 3 }[String(req.params.status)];
    if (!r || status === undefined) return res.status(404).json({ message: 'Request not found.' });
    r.status = status;
    r.updatedAt = iso();
    for (const s of (r.seasons as Array<{ status: number }> | undefined) ?? []) s.status = status;
    const spec = specs.get(r.id);
    if (spec && status !== 1) await api.notify(status === 2 ? 'MEDIA_APPROVED' : 'MEDIA_DECLINED', spec);
    return res.json(r);
  });

  route('get', '/api/v1/request/:id', (req, res) => {
    const r = state.requests.find((x) => x.id === Number(req.params.id));
    return r ? res.json(r) : res.status(404).json({ message: 'Request not found.' });
  });

  route('get', '/api/v1/settings/notifications/webhook', (_req, res) => {
    // As Jellyseerr answers it: enabled, types, and the options with the template decoded to text.
    const w = state.webhook;
    res.json({ enabled: w.enabled, types: w.types, options: { ...w.options, jsonPayload: JSON.parse(Buffer.from(w.options.jsonPayload, 'base64').toString('utf8')) as unknown } });
  });
  /** Body as the Jellyseerr UI sends it: `options.jsonPayload` = `JSON.stringify(templateText)`. */
  const fromBody = (body: Rec): WebhookSettings => {
    const options = (body.options ?? {}) as Rec;
    JSON.parse(String(options.jsonPayload)); // throws like the real route
    return {
      enabled: Boolean(body.enabled),
      embedPoster: Boolean(body.embedPoster),
      types: Number(body.types ?? 0),
      options: {
        jsonPayload: Buffer.from(String(options.jsonPayload)).toString('base64'),
        webhookUrl: String(options.webhookUrl ?? ''),
        authHeader: String(options.authHeader ?? ''),
        supportVariables: Boolean(options.supportVariables ?? false),
      },
    };
  };
  route('post', '/api/v1/settings/notifications/webhook', (req, res) => {
    try {
      state.webhook = fromBody((req.body ?? {}) as Rec);
      res.json(state.webhook);
    } catch (e) {
      res.status(500).json(err(500, (e as Error).message));
    }
  });
  route('post', '/api/v1/settings/notifications/webhook/test', async (req, res) => {
    let settings: WebhookSettings;
    try {
      settings = fromBody((req.body ?? {}) as Rec);
    } catch (e) {
      return res.status(500).json(err(500, (e as Error).message));
    }
    const sent = await post(settings, testInput());
    return sent.status >= 200 && sent.status < 300 ? res.status(204).end() : res.status(500).json(err(500, 'Failed to send webhook notification.'));
  });
  fa.finish();
  const life = new Lifecycle(fa.app, undefined, () => fa.timers.cancelAll());

  const testInput = (): RenderInput => {
    const admin = state.users[0]!;
    return {
      vars: {
        notification_type: 'TEST_NOTIFICATION',
        subject: 'Test Notification',
        message: 'Check check, 1, 2, 3. Are we coming in clear?',
        notifyuser_username: admin.displayName,
        notifyuser_email: admin.email,
        notifyuser_avatar: String(admin.avatar),
      },
      entities: {},
    };
  };

  async function post(settings: WebhookSettings, input: RenderInput): Promise<SentHook> {
    const tpl = JSON.parse(JSON.parse(Buffer.from(settings.options.jsonPayload, 'base64').toString('utf8')) as string) as Rec;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (settings.options.authHeader) headers.Authorization = settings.options.authHeader;
    const sent = await sendHook(settings.options.webhookUrl, JSON.stringify(renderTemplate(tpl, input)), { headers });
    state.sent.push(sent);
    return sent;
  }

  const api = {
    state,
    log: fa.log,
    faults: fa.faults,
    start: (): Promise<FakeHandle> => life.start(),
    stop: () => life.stop(),

    /** Adds a request for a payloads.ts spec. `status`: 1 PENDING … 5 COMPLETED; `mediaStatus`: 1 UNKNOWN … 5 AVAILABLE. */
    addRequest(
      spec: MovieSpec | ShowSpec,
      opts: { status?: number; mediaStatus?: number; requestedBy?: number; updatedAt?: string; is4k?: boolean; episodesPerSeason?: number } = {},
    ): JellyseerrRequest {
      const tv = 'tvdbId' in spec;
      const by = state.users.find((u) => u.id === (opts.requestedBy ?? 3)) ?? state.users[0]!;
      const at = opts.updatedAt ?? iso();
      const seasons = tv ? spec.seasons : [];
      const mediaStatus = opts.mediaStatus ?? 3;
      const is4k = opts.is4k ?? false;
      // A 4K request moves the media's 4K status; its standard one stays as it was.
      const [standard, uhd] = is4k ? [1, mediaStatus] : [mediaStatus, 1];
      const r: JellyseerrRequest = {
        id: spec.requestId,
        status: opts.status ?? 2,
        createdAt: at,
        updatedAt: at,
        type: tv ? 'tv' : 'movie',
        is4k,
        serverId: 0,
        profileId: 1,
        rootFolder: tv ? '/data/tv' : '/data/movies',
        languageProfileId: null,
        tags: [],
        isAutoRequest: false,
        media: {
          downloadStatus: [],
          downloadStatus4k: [],
          id: 1000 + spec.requestId,
          mediaType: tv ? 'tv' : 'movie',
          tmdbId: spec.tmdbId,
          tvdbId: tv ? spec.tvdbId : null,
          imdbId: null,
          status: standard,
          status4k: uhd,
          createdAt: at,
          updatedAt: at,
          lastSeasonChange: at,
          mediaAddedAt: mediaStatus === 5 ? at : null,
          serviceId: 0,
          serviceId4k: null,
          externalServiceId: tv ? spec.sonarrId : spec.radarrId,
          externalServiceId4k: null,
          externalServiceSlug: tv ? spec.title.toLowerCase().replace(/\W+/g, '-') : String(spec.tmdbId),
          externalServiceSlug4k: null,
          ratingKey: null,
          ratingKey4k: null,
          jellyfinMediaId: null,
          jellyfinMediaId4k: null,
          seasons: seasons.map((n, i) => ({ id: spec.requestId * 100 + i, seasonNumber: n, status: standard, status4k: uhd, createdAt: at, updatedAt: at })),
        },
        seasons: seasons.map((n, i) => ({ id: spec.requestId * 100 + i, seasonNumber: n, status: opts.status ?? 2, createdAt: at, updatedAt: at })),
        modifiedBy: null,
        requestedBy: by,
        seasonCount: seasons.length,
      };
      state.requests = state.requests.filter((x) => x.id !== r.id).concat(r);
      specs.set(r.id, spec);
      const poster = `/${spec.tmdbId}.jpg`;
      details.set(
        `${tv ? 'tv' : 'movie'}/${spec.tmdbId}`,
        tv
          ? {
              id: spec.tmdbId,
              name: spec.title,
              firstAirDate: `${spec.year}-01-01`,
              posterPath: poster,
              numberOfSeasons: Math.max(0, ...seasons),
              // TMDB lists every season of the show (specials as 0), not only the requested ones.
              seasons: Array.from({ length: Math.max(0, ...seasons) + 1 }, (_, n) => ({
                airDate: `${spec.year + n}-01-01`,
                episodeCount: n === 0 ? 2 : (opts.episodesPerSeason ?? 10),
                id: spec.tmdbId * 100 + n,
                name: n === 0 ? 'Specials' : `Season ${n}`,
                overview: '',
                posterPath: poster,
                seasonNumber: n,
              })),
            }
          : { id: spec.tmdbId, title: spec.title, releaseDate: `${spec.year}-01-01`, posterPath: poster },
      );
      return r;
    },

    /** Adds a Radarr/Sonarr server to Jellyseerr's settings. */
    addServer(service: 'radarr' | 'sonarr', server: { hostname: string; port: number; is4k: boolean; baseUrl?: string; useSsl?: boolean }): DvrServer {
      const list = state.servers[service];
      const entry: DvrServer = {
        id: list.length,
        name: `${service}${server.is4k ? ' 4K' : ''}`,
        apiKey: `${service}-api-key`,
        useSsl: false,
        activeProfileId: 1,
        activeProfileName: 'HD-1080p',
        activeDirectory: `/data/${service === 'radarr' ? 'movies' : 'tv'}`,
        tags: [],
        isDefault: true,
        syncEnabled: true,
        preventSearch: false,
        tagRequests: false,
        ...server,
      };
      list.push(entry);
      return entry;
    },

    /** Like availability-sync: the request disappears (GET → 404). */
    deleteRequest(id: number): void {
      state.requests = state.requests.filter((r) => r.id !== id);
    },

    /** Sets the webhook agent (template text; default: Jellyseerr's default template). */
    configureWebhook(url: string, opts: { authHeader?: string; template?: string; types?: number; enabled?: boolean } = {}): void {
      state.webhook = {
        enabled: opts.enabled ?? true,
        embedPoster: true,
        types: opts.types ?? 222,
        options: { webhookUrl: url, authHeader: opts.authHeader ?? '', jsonPayload: encodeTemplate(opts.template ?? DEFAULT_TEMPLATE), supportVariables: false },
      };
    },

    /**
     * Sends a media notification the way the agent does: skipped (returns null) when the agent is
     * disabled or `type` is not in `types` (unless `force`, or an explicit `url`, which overrides
     * the configured one). Variables come from payloads.ts `jellyseerr()`, so the default
     * template renders exactly that body.
     */
    async notify(type: Exclude<JellyseerrType, 'TEST_NOTIFICATION'>, spec: MovieSpec | ShowSpec, opts: { mediaStatus?: string; force?: boolean; url?: string } = {}): Promise<SentHook | null> {
      const w = opts.url ? { ...state.webhook, options: { ...state.webhook.options, webhookUrl: opts.url } } : state.webhook;
      if (!opts.force && !opts.url && (!w.enabled || !w.options.webhookUrl || (w.types & (NOTIFICATION_BITS[type] ?? 0)) === 0)) return null;
      const p = jellyseerr(type, spec) as Rec & { media: Record<string, string>; request: Record<string, string>; extra: RenderInput['extra'] };
      const vars: Record<string, string> = {
        notification_type: type,
        event: String(p.event),
        subject: String(p.subject),
        message: String(p.message),
        image: String(p.image),
        media_type: p.media.media_type!,
        media_tmdbid: p.media.tmdbId!,
        media_tvdbid: p.media.tvdbId!,
        media_status: opts.mediaStatus ?? p.media.status!,
        media_status4k: p.media.status4k!,
        ...p.request,
      };
      return post(w, { vars, entities: { media: true, request: true }, extra: p.extra });
    },

    /** Sends the test notification with the current settings. */
    sendTest: () => post(state.webhook, testInput()),
  };
  return api;
}

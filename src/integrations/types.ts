/**
 * An integration: one upstream service (Sonarr, Jellyfin, …) described once — its options slice,
 * its webhook route, its watchers and capabilities, its doctor checks, its auto-configuration and
 * its web UI's links for the panel. Everything else (options schema, webhook router, watcher set,
 * doctor, auto-configuration, Home Assistant entities, panel.json) iterates the registry
 * (registry.ts) and never names a service.
 *
 * Nothing here may depend on the whole options type: the options schema is built from these
 * descriptors, so an integration sees only its own slice and what the context hands it.
 */
import type { z } from 'zod';
import type { LinkScope, LinkTemplates, WebhookAuth } from '../contract/panel.js';
import type { AnimeRules, FieldError, SourceNotice } from '../adapters/types.js';
import type { AutoconfigAction, AutoconfigContext } from '../autoconfig/types.js';
import type { PublicBase } from '../autoconfig/urls.js';
import type { EventClock } from '../doctor/events.js';
import type { DoctorCheck, Subject } from '../doctor/types.js';
import type { UnstampedEvent } from '../domain/events.js';
import type { Logger } from '../log.js';
import type { ForwardTarget, LocalSettings } from '../secrets.js';
import type { Watcher } from '../watchers/loop.js';
import type { EventSink, TrackedView } from '../watchers/types.js';
import type { PvrKinds } from './pvr-kinds.js';
import type { Capabilities, DownloadClients, LibraryPlugins } from './capabilities.js';

export type Role = 'request-manager' | 'pvr' | 'download-client' | 'library' | 'anime-matcher';
export type Media = 'movie' | 'tv';

/** Reports a problem at a path inside the integration's own slice (the id is prefixed). */
export type IssueSink = (path: ReadonlyArray<string | number>, message: string) => void;

export interface IntegrationOptions<S extends z.ZodType, I extends string> {
  /** The slice under the integration's id, with a default: a service that is not set up parses from nothing. */
  schema: S;
  /** Keys and passwords in the slice, which the logger redacts from the start. */
  secrets(slice: z.output<S>): string[];
  /** Whether the slice sets the service up: only then is it started, checked and shown in Home Assistant. */
  configured(slice: z.output<S>): boolean;
  /** The instance names of a slice that lists instances (a named webhook gets a route per name); absent: a single-instance service. */
  instances?(slice: z.output<S>): string[];
  /** Poll intervals under `intervals.<key>`, with their default seconds (integrations may share a key). */
  intervals?: Readonly<Record<I, number>>;
  /** Rules across fields ("api_key required when url is set", duplicate instance names). */
  check?(slice: z.output<S>, issue: IssueSink): void;
}

/** Services every integration may use, owned by the tracker. */
export interface SharedServices {
  /** Which Sonarr/Radarr instances serve 4K requests: the PVRs register theirs, Jellyseerr completes it, the webhooks read it. */
  kinds: PvrKinds;
  /** settings.json, where integrations keep what must survive a restart; null when nothing is kept (tests). */
  settings: LocalSettings | null;
  /** The running download clients: a PVR reports the progress of the downloads none of them follows (its queue). */
  downloadClients: DownloadClients;
}

/** What an integration may know of the others: by role, never by name. */
export interface Peers {
  /** An integration of this role (handling this media) is configured. */
  configured(role: Role, media?: Media): boolean;
  /** The poll interval (seconds) of the first such configured integration; undefined when there is none. */
  pollS(role: Role, media?: Media): number | undefined;
}

export interface StartContext<Slice, I extends string = string> {
  slice: Slice;
  /** This integration's poll intervals (seconds). */
  intervals: Readonly<Record<I, number>>;
  anime: AnimeRules;
  /** How many requests a first back-fill imports (`backfill_limit`). */
  backfillLimit: number;
  sink: EventSink;
  view: TrackedView;
  /** The watchers' logger; an integration names its own child. */
  log: Logger;
  clock?: () => Date;
  shared: SharedServices;
  peers: Peers;
}

export interface Started<Own> {
  watchers: Watcher[];
  capabilities: Capabilities;
  /** The integration's own running part, handed back to its webhook (e.g. Jellyfin's watcher verifies hints). */
  own?: Own;
}

export interface WebhookInput {
  body: unknown;
  /** The body as received (forwarded unchanged where a receiver's slot was taken over). */
  raw: string;
  instance?: string;
}

/** What a webhook came to; the router answers and ingests. */
export type WebhookOutcome =
  | { kind: 'invalid'; errors: FieldError[] }
  /** Ingested, answered once stored; none: answered as ignored with the note. */
  | { kind: 'events'; events: UnstampedEvent[]; note: string; notices?: SourceNotice[] }
  | { kind: 'ignored'; note: string }
  /** 503: the part that would handle it is not running. */
  | { kind: 'unavailable'; error: string }
  /** Handed to the integration's own running part, which answers with what it did. */
  | { kind: 'handled'; run(): Promise<{ note: string; results: unknown[] }> };

export type WebhookHandler = (input: WebhookInput) => WebhookOutcome | Promise<WebhookOutcome>;

export interface WebhookContext<Own> {
  anime: AnimeRules;
  shared: SharedServices;
  /** The integration's running part; null while it is not configured. */
  own(): Own | null;
  log: Logger;
}

export interface WebhookSpec<Own> {
  /** `/hooks/<id>/<name>` names an instance (and the route is documented so). */
  named?: boolean;
  /** The segment after the id is not an instance: receipts count under the id alone. */
  dropsInstance?: boolean;
  /** How the panel tells the user to pass the secret (default `token`: `?token=` on the URL; every form is accepted). */
  auth?: WebhookAuth;
  /** Where the URL goes, shown by the panel after the label, when not the service's own webhook settings (`webhook plugin`). */
  where?: string;
  create(ctx: WebhookContext<Own>): WebhookHandler;
}

/** What the panel shows of a service: its web UI and links to a request there (panel.json, contract/panel.ts). */
export interface PanelSpec<Slice> {
  /** The web UI of each instance the slice sets up (instance null: a single-instance service), as configured: credentials are dropped before the panel sees it. */
  webUi(slice: Slice): Array<{ instance: string | null; url: string }>;
  /** Link templates by media type over `{ui}` and the request's state fields, and which requests they are for (default `all`). */
  links?: LinkTemplates & { scope?: LinkScope };
}

export interface DoctorContext<I extends string = string> {
  /** This integration as a doctor subject, for one instance (null: a single-instance service). */
  subject(instance: string | null): Subject;
  base: PublicBase;
  secret: string;
  events(): EventClock;
  /** The receiver whose webhook slot auto-configuration took over, if any. */
  forward(): ForwardTarget | null;
  clock(): Date;
  timeoutMs?: number;
  intervals: Readonly<Record<I, number>>;
  /** The integration's capabilities in the running tracker; null when no tracker runs here (the command line). */
  running: Capabilities | null;
  /** A configured library's plugin settings; null when no library is configured. */
  libraryPlugins: LibraryPlugins | null;
  /** The download clients the tracker can follow itself, and where it does (the PVRs' download-client check). */
  directClients: readonly DirectClient[];
}

export interface AutoconfigureContext extends AutoconfigContext {
  /** Consent to take a webhook slot another receiver holds (and forward to it). */
  forwardExisting: boolean;
  settings: LocalSettings;
  clock?: () => Date;
  /** The download clients the tracker can follow itself, and where it does (what a PVR's `suggest` offers). */
  directClients: readonly DirectClient[];
}

export interface AutoconfigureSpec<Slice> {
  /** Sets the tracker's webhook up in the service (every instance), each proven by the service's own test. */
  run?(slice: Slice, ctx: AutoconfigureContext): Promise<AutoconfigAction[]>;
  /** What to set by hand when the run cannot (e.g. the service is not configured), else null. */
  instructions?(base: PublicBase, configured: boolean): string | null;
  /** Options entries for other integrations this service reveals (a download client a PVR uses and the tracker does not follow itself). */
  suggest?(slice: Slice, ctx: AutoconfigureContext): Promise<OptionsSuggestion[]>;
}

/** A download client as a PVR lists it, where the tracker could follow it itself. */
export interface FoundClient {
  /** Its name in the PVR (`SABnzbd`), which the entry may turn into an instance name. */
  name: string;
  /** `http(s)://host:port[/urlBase]`, as the PVR reaches it. */
  url: string;
  /** Shown in clear by the PVR (passwords and keys never are). */
  username: string | null;
}

/**
 * How a download client integration is recognised in Sonarr's and Radarr's download-client
 * lists (`GET /api/v3/downloadclient`, docs/download-clients.md §1.7).
 */
export interface DiscoverySpec<Slice> {
  /** The PVR `implementation` names it follows (`Sabnzbd`; `QBittorrent`). */
  arrImplementations: readonly string[];
  /** The instances the slice sets up, matched by host and port. */
  watched(slice: Slice): Array<{ name: string | null; url: string }>;
  /**
   * The options for a client found in a PVR: one list item (with `name`) for a service that lists
   * instances, else its whole slice; each secret a `<…>` placeholder the user fills in.
   */
  entry(found: FoundClient): Record<string, unknown>;
}

/** A download client integration as a PVR's discovery sees it (built from the registry and the options). */
export interface DirectClient {
  id: string;
  label: string;
  arrImplementations: readonly string[];
  /** Its configured instances (empty: not configured). */
  instances: ReadonlyArray<{ name: string | null; url: string }>;
  entry(found: FoundClient): Record<string, unknown>;
}

/** One options entry auto-configuration offers (it never writes the options itself). */
export interface OptionsSuggestion {
  /** The integration (options key) the entry belongs to. */
  service: string;
  /** The list item to add (with `name`), or the whole slice of a single-instance service; `<…>` strings are placeholders for secrets. */
  entry: Record<string, unknown> & { url: string; name?: string };
  /** Who revealed it, in words (`Sonarr (main)`). */
  usedBy: string;
  /** What was found, in words (`SABnzbd at 127.0.0.1:8080`). */
  found: string;
  /** A remark about the address, if any (it is as the PVR reaches it). */
  note?: string;
}

export interface Integration<Id extends string = string, S extends z.ZodType = z.ZodType, I extends string = string, Own = unknown> {
  /** The options key, the webhook route segment and the doctor's subject. */
  readonly id: Id;
  readonly label: string;
  readonly roles: readonly Role[];
  /** The media it handles, when not both (a TV PVR lists episode rosters). */
  readonly media?: readonly Media[];
  readonly options: IntegrationOptions<S, I>;
  readonly webhook?: WebhookSpec<Own>;
  /** Builds the watchers and capabilities; only called when the slice is configured. */
  start(ctx: StartContext<z.output<S>, I>): Started<Own>;
  doctor?(slice: z.output<S>, ctx: DoctorContext<I>): Promise<DoctorCheck[]>;
  /** What other integrations' doctor checks may read from this one without a running tracker. */
  inspect?(slice: z.output<S>, timeoutMs?: number): { libraryPlugins?: LibraryPlugins };
  readonly autoconfigure?: AutoconfigureSpec<z.output<S>>;
  /** Its web UI and deep links in the panel; absent: the panel links nowhere for it. */
  readonly panel?: PanelSpec<z.output<S>>;
  /** A download client: how Sonarr/Radarr name it in their download-client lists. */
  readonly discovery?: DiscoverySpec<z.output<S>>;
}

/** A descriptor with its id, slice schema, interval keys and running part kept precise. */
export function defineIntegration<const Id extends string, S extends z.ZodType, I extends string = never, Own = never>(d: Integration<Id, S, I, Own>): Integration<Id, S, I, Own> {
  return d;
}

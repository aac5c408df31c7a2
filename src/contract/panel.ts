/**
 * `panel.json`, which the ingress listener (src/http/ingress.ts) serves the panel: what it needs
 * besides MQTT. The webhook routes and the web-UI links are built from the integrations'
 * descriptors, so the panel fills them in without naming a service.
 */

/** How a service is told the webhook secret: `?token=` on the URL, or an Authorization header it sends verbatim (`Bearer <secret>`). */
export type WebhookAuth = 'token' | 'bearer';

export interface PanelWebhookRoute {
  /** The integration id, the route's first segment (`sonarr`). */
  service: string;
  /** The instance the route names (`/hooks/<id>/<instance>`); null for `/hooks/<id>`. */
  instance: string | null;
  path: string;
  auth: WebhookAuth;
  /** Where the URL goes when it is not the service's own webhook settings (`webhook plugin`); null otherwise. */
  where: string | null;
}

/**
 * Which requests an instance's links are for: `linked`, those whose `arr` names its service and
 * instance (a PVR's); `all`, every request that has the template's fields.
 */
export type LinkScope = 'linked' | 'all';

/**
 * A link to a request in a service's web UI, by media type. `{ui}` (at the start) is the
 * instance's web UI; `{field}` (or `{field.sub}`) is a field of the request's state payload
 * (`{tmdb_id}`, `{jellyfin_id}`), URL-encoded. A link whose field is null or empty is left out.
 */
export interface LinkTemplates {
  movie?: string;
  tv?: string;
}

export interface PanelLink {
  /** The integration id. */
  service: string;
  /** Its label, for a panel that has not had the bridge info yet. */
  label: string;
  /** The instance (a PVR's name); null for a single-instance service. */
  instance: string | null;
  /** The web UI, without credentials and without a trailing slash. */
  url: string;
  scope: LinkScope;
  templates: LinkTemplates;
}

/** The Home Assistant user who opened the panel (from the Supervisor's `X-Remote-User-*` ingress headers). */
export interface Viewer {
  id: string;
  /** The user name (login). */
  name: string;
  /** The name to show; the user name when Home Assistant has none. */
  display_name: string;
}

/** Everything of `panel.json` but the viewer and what it may do, which depend on the request. */
export interface PanelSettings {
  base_topic: string;
  /** The webhook listener: the panel builds `http://<the host it was opened on>:<port><path>`. */
  webhooks: { port: number; secret: string; routes: PanelWebhookRoute[] };
  /** The configured services' web UIs, in registry order, with their link templates (no credentials). */
  links: PanelLink[];
  /** A request manager that approves and declines is configured: a request waiting for approval offers both. */
  approvals: boolean;
}

/** `panel.json`. */
export interface PanelDocument extends PanelSettings {
  viewer: Viewer | null;
  /**
   * Whether this viewer's commands (retry, forget, approve, decline, doctor, auto-configuration)
   * are carried out (`command_users`). When false the broker drops them, and `webhooks.secret`
   * is empty: setting up the services is for those who may command.
   */
  commands: boolean;
}

/**
 * Home Assistant MQTT discovery, per-component topics (works on HA ≥ 2023.8): one device
 * per request (status enum sensor, progress sensor, episodes sensor for TV, event entity, the
 * command buttons and the last command's answer)
 * and a bridge device with aggregate sensors. Entity definitions are data; one function
 * turns them into payloads.
 */
import type { MediaRequest } from '../../domain/model.js';
import { STATES } from '../../domain/states.js';
import { EVENT_TYPES, nodeIdFor, type RequestAction, type Topics } from '../../contract/index.js';

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export interface DiscoveryOptions {
  prefix: string;
  /** `media_tracker`, or `media_tracker_<base>` for a second instance on another base topic. */
  node: string;
  version: string;
  topics: Topics;
  /** Integrations the doctor checks (`sonarr`, with its label): one diagnostic problem sensor each on the bridge device. */
  doctor?: ReadonlyArray<{ integration: string; label: string }>;
  /** A request manager that can approve and decline is configured: requests waiting for approval get the two buttons. */
  approvals?: boolean;
}

export { nodeIdFor };

const STATUS_OPTIONS = STATES.map((s) => s.toLowerCase());

/**
 * Templates on `media/<id>/state` render nothing usable from the empty payload that clears the
 * topic (`forget`): HA can still deliver it to an entity whose removal it is processing, and an
 * unguarded `value_json.x` is then logged as an error. So each one checks `value_json is defined`
 * and keeps the entity as it is (empty numeric states are ignored by HA, `this.state` is the
 * current one).
 */
const STATUS_TEMPLATE = '{{ value_json.state | lower if value_json is defined else this.state }}';
const PROGRESS_TEMPLATE = '{% if value_json is defined %}{{ (value_json.progress * 100) | round(1) if value_json.progress is not none else None }}{% endif %}';
const EPISODES_TEMPLATE = '{% if value_json is defined %}{{ value_json.episodes.available }}{% endif %}';

const ATTRIBUTES_TEMPLATE =
  '{% if value_json is defined %}{{ {"title": value_json.title, "year": value_json.year, "media_type": value_json.media_type, ' +
  '"is_anime": value_json.is_anime, "requested_by": value_json.requested_by, "state_since": value_json.state_since, ' +
  '"progress": value_json.progress, "eta_s": value_json.eta_s, "download_client": value_json.download_client, "protocol": value_json.protocol, "episodes_total": value_json.episodes.total, ' +
  '"episodes_available": value_json.episodes.available, "stuck": value_json.stuck.reason if value_json.stuck else none, ' +
  '"reason": value_json.last_reason, "tmdb_id": value_json.tmdb_id, "tvdb_id": value_json.tvdb_id, ' +
  '"poster_url": value_json.poster_url, "person": value_json.person, "notify_service": value_json.notify_service, ' +
  '"is_4k": value_json.is_4k, "next_air_date": value_json.next_air_date, "upgrade": value_json.upgrade, ' +
  '"issues": value_json.issues if value_json.issues is defined else []} | tojson }}{% else %}{}{% endif %}';

/**
 * "Watchable at" is a timestamp, and HA (2024.1 at least) logs every state of a timestamp sensor
 * that is not a time. So without an estimate the entity is unavailable (its availability reads
 * the same payload) and its state template still renders a time, never shown: HA shows an
 * unavailable entity as unavailable, whatever it was last given.
 */
const WATCHABLE_TEMPLATE = "{{ value_json.watchable_at if value_json is defined and value_json.get('watchable_at') else now().isoformat() }}";
const WATCHABLE_AVAILABLE = "{{ 'online' if value_json is defined and value_json.get('watchable_at') else 'offline' }}";

/**
 * The answer on `media/<id>/response`: "retry: ok", "search: error". Its fields (`error`, `search`,
 * `refresh`, `result`) become the attributes as they are: an answer has only some of them, and a
 * template naming a missing one makes HA log an error.
 */
const LAST_COMMAND_TEMPLATE = "{{ value_json.action ~ ': ' ~ value_json.status if value_json is defined else this.state }}";

/** The per-request buttons: each the request command of the same name (docs/mqtt.md). */
const REQUEST_BUTTONS: ReadonlyArray<{ action: RequestAction; name: string; icon: string; category?: string }> = [
  { action: 'retry', name: 'Retry', icon: 'mdi:restart' },
  { action: 'search', name: 'Search again', icon: 'mdi:magnify' },
  { action: 'refresh', name: 'Refresh library', icon: 'mdi:folder-refresh' },
  // Forgetting removes the device itself: kept with the settings, not on the dashboard's controls.
  { action: 'forget', name: 'Forget', icon: 'mdi:delete-outline', category: 'config' },
];

/** Offered while a request waits for approval (REQUESTED) and a request manager is configured. */
const DECISION_BUTTONS: ReadonlyArray<{ action: RequestAction; name: string; icon: string; category?: string }> = [
  { action: 'approve', name: 'Approve', icon: 'mdi:check-circle-outline' },
  { action: 'decline', name: 'Decline', icon: 'mdi:close-circle-outline' },
];

interface EntityDef {
  component: 'sensor' | 'event' | 'binary_sensor' | 'button';
  key: string;
  config: Record<string, unknown>;
  /** Availability besides the bridge's (all must say online). */
  availableWhen?: Record<string, unknown>;
}

export class Discovery {
  constructor(private readonly opts: DiscoveryOptions) {}

  private get availability() {
    return [{ topic: this.opts.topics.bridgeState, payload_available: 'online', payload_not_available: 'offline' }];
  }

  private get origin() {
    return { name: 'Media Tracker', sw_version: this.opts.version };
  }

  private get bridgeIdentifier(): string {
    return `${this.opts.node}_bridge`;
  }

  private topic(component: string, objectId: string): string {
    return `${this.opts.prefix}/${component}/${this.opts.node}/${objectId}/config`;
  }

  private message(objectPrefix: string, def: EntityDef, device: Record<string, unknown>, available = true): DiscoveryMessage {
    const objectId = `${objectPrefix}_${def.key}`;
    return {
      topic: this.topic(def.component, objectId),
      payload: {
        ...def.config,
        unique_id: `${this.opts.node}_${objectId}`,
        // HA subscribes at QoS 0 unless told otherwise, which would downgrade the QoS 1 events.
        qos: 1,
        ...(available ? { availability: [...this.availability, ...(def.availableWhen ? [def.availableWhen] : [])] } : {}),
        ...(available && def.availableWhen ? { availability_mode: 'all' } : {}),
        device,
        origin: this.origin,
      },
    };
  }

  /** Config topics a request may own, whether or not it has them now (used for removal). */
  requestTopics(id: string): string[] {
    return [
      this.topic('sensor', `${id}_status`),
      this.topic('sensor', `${id}_progress`),
      this.topic('sensor', `${id}_episodes`),
      this.topic('event', `${id}_event`),
      this.topic('sensor', `${id}_last_command`),
      this.topic('sensor', `${id}_watchable_at`),
      ...[...REQUEST_BUTTONS, ...DECISION_BUTTONS].map((b) => this.topic('button', `${id}_${b.action}`)),
    ];
  }

  requestConfigs(r: MediaRequest): DiscoveryMessage[] {
    const t = this.opts.topics;
    const state = t.state(r.id);
    const tv = r.media_type === 'tv';
    const device = {
      identifiers: [`${this.opts.node}_${r.id}`],
      // A 4K request is a second device for the same title: its name tells the two apart.
      name: `${r.year ? `${r.title} (${r.year})` : r.title}${r.is_4k ? ' 4K' : ''}`,
      manufacturer: 'Media Tracker',
      model: `${tv ? 'TV' : 'Movie'} request${r.is_anime ? ' (anime)' : ''}`,
      sw_version: this.opts.version,
      via_device: this.bridgeIdentifier,
    };
    const defs: EntityDef[] = [
      {
        component: 'sensor',
        key: 'status',
        config: {
          name: 'Status',
          state_topic: state,
          value_template: STATUS_TEMPLATE,
          device_class: 'enum',
          options: STATUS_OPTIONS,
          json_attributes_topic: state,
          json_attributes_template: ATTRIBUTES_TEMPLATE,
          icon: tv ? 'mdi:television-classic' : 'mdi:movie-open',
        },
      },
      {
        component: 'sensor',
        key: 'progress',
        config: {
          name: 'Progress',
          state_topic: state,
          value_template: PROGRESS_TEMPLATE,
          unit_of_measurement: '%',
          state_class: 'measurement',
          icon: 'mdi:download',
        },
      },
      ...(tv
        ? [
            {
              component: 'sensor' as const,
              key: 'episodes',
              config: {
                name: 'Episodes available',
                state_topic: state,
                value_template: EPISODES_TEMPLATE,
                unit_of_measurement: 'episodes',
                state_class: 'measurement',
                icon: 'mdi:playlist-check',
              },
            },
          ]
        : []),
      {
        component: 'event',
        key: 'event',
        config: { name: 'Pipeline', state_topic: t.event(r.id), event_types: [...EVENT_TYPES], icon: 'mdi:timeline-text' },
      },
      // When it should be watchable; unavailable while that cannot be said (docs/estimates.md).
      {
        component: 'sensor',
        key: 'watchable_at',
        config: { name: 'Watchable at', state_topic: state, value_template: WATCHABLE_TEMPLATE, device_class: 'timestamp', icon: 'mdi:clock-check-outline' },
        availableWhen: { topic: state, value_template: WATCHABLE_AVAILABLE, payload_available: 'online', payload_not_available: 'offline' },
      },
      // Each button publishes the request's command; the answer (accepted, or refused with the reason) shows here.
      {
        component: 'sensor',
        key: 'last_command',
        config: {
          name: 'Last command',
          state_topic: t.response(r.id),
          value_template: LAST_COMMAND_TEMPLATE,
          json_attributes_topic: t.response(r.id),
          entity_category: 'diagnostic',
          icon: 'mdi:console-line',
        },
      },
      // Approve and Decline only while the request waits for a decision in its request manager.
      ...[...REQUEST_BUTTONS, ...(this.opts.approvals && r.state === 'REQUESTED' && r.jellyseerr_request_id !== null ? DECISION_BUTTONS : [])].map(
        (b): EntityDef => ({
          component: 'button',
          key: b.action,
          config: { name: b.name, command_topic: t.command(r.id, b.action), payload_press: 'PRESS', icon: b.icon, ...(b.category ? { entity_category: b.category } : {}) },
        }),
      ),
    ];
    return defs.map((def) => this.message(r.id, def, device));
  }

  /**
   * Source health (docs/home-assistant.md): per integration a problem sensor on
   * `<base>/bridge/sources` (on while anything is wrong with it: unreachable, key refused, a
   * doctor error or warning, an *arr health check, silence while requests wait on it), with the
   * reasons as attributes; a "last event" timestamp for each source that has sent a webhook; and
   * buttons that run the doctor and auto-configuration through the bridge commands. The problem
   * sensor keeps its first key (`doctor_<id>`), so HA keeps its history.
   */
  private sourceDefs(heard: readonly string[]): EntityDef[] {
    const integrations = this.opts.doctor ?? [];
    if (integrations.length === 0) return [];
    const t = this.opts.topics;
    const mine = (name: string) => `value_json.sources | selectattr('integration', 'equalto', '${name}') | list`;
    const sensors = integrations.map(
      ({ integration: name, label }): EntityDef => ({
        component: 'binary_sensor',
        key: `doctor_${name}`,
        config: {
          name: `${label} problem`,
          state_topic: t.bridgeSources,
          value_template: `{% set s = ${mine(name)} %}{{ 'ON' if s and s[0].problem else 'OFF' }}`,
          json_attributes_topic: t.bridgeSources,
          json_attributes_template: `{% set s = ${mine(name)} %}{{ ({'reasons': s[0].reasons, 'health': s[0].health, 'last_event': s[0].last_event, 'checked_at': s[0].checked_at} if s else {}) | tojson }}`,
          device_class: 'problem',
          entity_category: 'diagnostic',
        },
      }),
    );
    // A timestamp sensor must never get a state that is not a time (HA logs it): only sources that have sent one get it.
    const lastEvents = integrations
      .filter(({ integration }) => heard.includes(integration))
      .map(
        ({ integration: name, label }): EntityDef => ({
          component: 'sensor',
          key: `last_event_${name}`,
          config: {
            name: `${label} last event`,
            state_topic: t.bridgeSources,
            value_template: `{% set s = ${mine(name)} %}{{ s[0].last_event if s and s[0].last_event else this.state }}`,
            device_class: 'timestamp',
            entity_category: 'diagnostic',
          },
        }),
      );
    const button = (key: string, name: string, action: string, icon: string, category: string): EntityDef => ({
      component: 'button',
      key,
      config: { name, command_topic: t.bridgeCommand(action), payload_press: 'PRESS', entity_category: category, icon },
    });
    return [
      ...sensors,
      ...lastEvents,
      button('run_doctor', 'Run doctor', 'doctor', 'mdi:stethoscope', 'diagnostic'),
      button('autoconfigure', 'Auto-configure webhooks', 'autoconfigure', 'mdi:auto-fix', 'config'),
    ];
  }

  /** `watchers`: names of the running watchers, each gets a diagnostic health entity; `heard`: the sources that have sent a webhook. */
  bridgeConfigs(watchers: string[] = [], heard: readonly string[] = []): DiscoveryMessage[] {
    const t = this.opts.topics;
    const device = {
      identifiers: [this.bridgeIdentifier],
      name: 'Media Tracker',
      manufacturer: 'Media Tracker',
      model: 'Bridge',
      sw_version: this.opts.version,
    };
    const count = (key: string, name: string, icon: string): EntityDef => ({
      component: 'sensor',
      key,
      config: {
        name,
        state_topic: t.bridgeInfo,
        value_template: `{{ value_json.counts.${key} }}`,
        unit_of_measurement: 'requests',
        state_class: 'measurement',
        icon,
      },
    });
    const defs: EntityDef[] = [
      count('active', 'Active requests', 'mdi:progress-clock'),
      count('downloading', 'Downloading', 'mdi:download'),
      count('stuck', 'Stuck requests', 'mdi:alert-circle-outline'),
      count('available_24h', 'Available in last 24 h', 'mdi:check-circle-outline'),
    ];
    // How far off the "Watchable at" estimates ran (median of the last 50 finished requests); unknown before the first.
    const estimateError: EntityDef = {
      component: 'sensor',
      key: 'estimate_error',
      config: {
        name: 'Estimate error',
        state_topic: t.bridgeInfo,
        value_template: "{% set e = value_json.get('estimates') %}{{ (e.median_abs_error_s / 60) | round(1) if e and e.median_abs_error_s is not none else None }}",
        json_attributes_topic: t.bridgeInfo,
        json_attributes_template: "{{ value_json.get('estimates', {}) | tojson }}",
        device_class: 'duration',
        unit_of_measurement: 'min',
        state_class: 'measurement',
        entity_category: 'diagnostic',
        icon: 'mdi:clock-alert-outline',
      },
    };
    const connection: EntityDef = {
      component: 'binary_sensor',
      key: 'connection',
      config: {
        name: 'Connection state',
        state_topic: t.bridgeState,
        payload_on: 'online',
        payload_off: 'offline',
        device_class: 'connectivity',
        entity_category: 'diagnostic',
      },
    };
    const health = watchers.map(
      (name): EntityDef => ({
        component: 'binary_sensor',
        key: `watcher_${name.replace(/[^a-zA-Z0-9_-]+/g, '_')}`,
        config: {
          name: `${name} connection`,
          state_topic: t.bridgeInfo,
          value_template: `{{ 'ON' if (value_json.watchers | selectattr('name', 'equalto', '${name}') | map(attribute='healthy') | first) else 'OFF' }}`,
          device_class: 'connectivity',
          entity_category: 'diagnostic',
        },
      }),
    );
    // The connection entity carries no availability so it can show "offline" itself.
    return [...[...defs, estimateError, ...health, ...this.sourceDefs(heard)].map((def) => this.message('bridge', def, device)), this.message('bridge', connection, device, false)];
  }
}

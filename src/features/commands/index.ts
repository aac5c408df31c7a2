/**
 * Commands over MQTT: `<base>/<id>/set/{retry,search,forget,refresh,approve,decline}` answered on `<base>/<id>/response`,
 * and `<base>/bridge/set/{doctor,autoconfigure}` answered on `<base>/bridge/response`.
 */
import type { MediaRequest } from '../../domain/model.js';
import type { Engine } from '../../engine/index.js';
import { errorMessage } from '../../log.js';
import type { MqttBus } from '../../mqtt/bus.js';
import { BRIDGE_ACTIONS, REQUEST_ACTIONS, type Topics } from '../../contract/index.js';
import type { Feature } from '../feature.js';

const RESPONSE = { retain: false, qos: 1 } as const;

export interface CommandsDeps {
  bus: MqttBus;
  topics: Topics;
  engine: Engine;
  /** Sends the *arr search for a request; undefined when no PVR serves it. */
  search(r: MediaRequest): Promise<string> | undefined;
  /** Approves or declines in the request manager (Jellyseerr); undefined when none holds the request. */
  decide(r: MediaRequest, decision: 'approve' | 'decline'): Promise<string> | undefined;
  /** Asks the library server for a scan; undefined when no library is configured. */
  refresh(r: MediaRequest): Promise<string> | undefined;
  /** The latest doctor report, run now. */
  doctor(): Promise<unknown>;
  /** Auto-configuration with the bridge command's payload (`{}` for none or plain text). */
  autoconfigure(payload: object): Promise<unknown>;
}

export class CommandsFeature implements Feature {
  readonly name = 'commands';
  private stopped = false;

  constructor(private readonly d: CommandsDeps) {}

  start(): void {
    this.d.bus.onMessage((topic, payload) => {
      if (this.stopped) return;
      const command = this.d.topics.parseCommand(topic);
      if (command?.id === 'bridge') void this.onBridgeCommand(command.action, payload);
      else if (command) void this.onCommand(command.id, command.action, payload);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private async onCommand(id: string, action: string, payload: string): Promise<void> {
    const transaction = transactionOf(readCommandPayload(payload));
    const respond = (body: Record<string, unknown>) =>
      this.d.bus.publishJson(`${this.d.topics.base}/${id}/response`, { action, ...(transaction !== undefined ? { transaction } : {}), ...body }, RESPONSE);
    if (!(REQUEST_ACTIONS as readonly string[]).includes(action)) {
      respond({ status: 'error', error: `unknown action "${action}"; allowed: ${REQUEST_ACTIONS.join(', ')}` });
      return;
    }
    const { engine } = this.d;
    const r = engine.index.get(id);
    if (!r) {
      respond({ status: 'error', error: `no request with id "${id}"` });
      return;
    }
    /** A capability's answer under `key`, or why there is none to ask. */
    const relay = async (sent: Promise<string> | undefined, missing: string, key: string): Promise<void> => {
      if (!sent) return respond({ status: 'error', error: missing });
      await sent.then(
        (note) => respond({ status: 'ok', [key]: note }),
        (err: unknown) => respond({ status: 'error', error: errorMessage(err) }),
      );
    };
    if (action === 'approve' || action === 'decline') {
      // Decided where the request lives; the new state comes back as any other: Jellyseerr's webhook, or its reconciliation.
      if (r.state !== 'REQUESTED') {
        respond({ status: 'error', error: `only a request waiting for approval can be ${action === 'approve' ? 'approved' : 'declined'}; this one is ${r.state}` });
        return;
      }
      await relay(this.d.decide(r, action), 'Jellyseerr is not configured (jellyseerr.url and jellyseerr.api_key), or this request did not come from Jellyseerr', 'decision');
      return;
    }
    if (action === 'search') {
      // Search again without touching the tracking: the *arr's own search for what is still missing.
      await relay(this.d.search(r), 'no Radarr/Sonarr is configured for this request, so there is nothing to search with', 'search');
      return;
    }
    if (action === 'refresh') {
      // Not a tracking change: nothing is journalled; the library's scan and the next cycle bring the evidence.
      await relay(this.d.refresh(r), 'Jellyfin is not configured (jellyfin.url), so there is no library to refresh', 'refresh');
      return;
    }
    try {
      const [item] = await engine.ingest([
        { kind: 'command', key: `command:${id}:${action}:${Date.now()}`, source: 'user', match: { scope: 'any' }, request_id: id, action: action as 'retry' | 'forget' },
      ]);
      let search: string | undefined;
      const after = engine.index.get(id);
      if (action === 'retry' && after && item?.status === 'accepted') {
        // Retry means searching again, not only resetting our own tracking.
        const sent = this.d.search(after);
        search = sent ? await sent.catch((err: unknown) => `search not sent: ${errorMessage(err)}`) : 'tracking reset; no Radarr/Sonarr configured for this request, so no search was sent';
      }
      respond({ status: 'ok', result: item, ...(search ? { search } : {}) });
    } catch (err) {
      respond({ status: 'error', error: errorMessage(err) });
    }
  }

  private async onBridgeCommand(action: string, payload: string): Promise<void> {
    const parsed = readCommandPayload(payload);
    const transaction = transactionOf(parsed);
    const respond = (body: Record<string, unknown>) => {
      if (!this.stopped) this.d.bus.publishJson(this.d.topics.bridgeResponse, { action, ...(transaction !== undefined ? { transaction } : {}), ...body }, RESPONSE);
    };
    if (!(BRIDGE_ACTIONS as readonly string[]).includes(action)) {
      respond({ status: 'error', error: `unknown bridge action "${action}"; allowed: ${BRIDGE_ACTIONS.join(', ')}` });
      return;
    }
    try {
      if (action === 'doctor') {
        respond({ status: 'ok', result: await this.d.doctor() });
        return;
      }
      respond({ status: 'ok', result: await this.d.autoconfigure(parsed === null || typeof parsed !== 'object' ? {} : parsed) });
    } catch (err) {
      respond({ status: 'error', error: errorMessage(err) });
    }
  }
}

/** A command payload: JSON, or a plain text such as HA's `PRESS` (read as no payload). */
function readCommandPayload(payload: string): unknown {
  try {
    return payload.trim() ? (JSON.parse(payload) as unknown) : null;
  } catch {
    return null;
  }
}

function transactionOf(parsed: unknown): unknown {
  return parsed && typeof parsed === 'object' && 'transaction' in parsed ? (parsed as { transaction: unknown }).transaction : undefined;
}

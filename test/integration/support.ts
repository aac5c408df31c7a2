/** Shared setup for the webhook → MQTT integration suites. */
import { afterEach, expect } from 'vitest';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';

export interface World {
  h: Harness;
  rec: Recorder;
  send(route: string, body: unknown): Promise<Record<string, unknown>>;
}

const open: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

export async function world(overrides: Record<string, unknown> = {}, mqttOptions: Parameters<typeof Recorder.connect>[2] = {}, extra: { clock?: () => Date; addon?: boolean } = {}): Promise<World> {
  const h = await startTracker(overrides, undefined, extra);
  const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl, undefined, mqttOptions);
  open.push(async () => {
    await rec.close();
    await h.stop();
  });
  return {
    h,
    rec,
    async send(route, body) {
      const res = await h.post(route, body);
      expect(res.status, `${route} answered ${res.status}: ${JSON.stringify(res.json)}`).toBe(200);
      return res.json;
    },
  };
}

/** The HA discovery configs of one request, as Home Assistant would receive them. */
export async function expectDevice(rec: Recorder, id: string, opts: { tv: boolean; name: string }): Promise<void> {
  const status: Record<string, unknown> = await rec.until(() => rec.json(`homeassistant/sensor/media_tracker/${id}_status/config`), `status sensor config of ${id}`);
  const options = status.options;
  expect(status).toMatchObject({
    unique_id: `media_tracker_${id}_status`,
    state_topic: `media/${id}/state`,
    device_class: 'enum',
    value_template: '{{ value_json.state | lower if value_json is defined else this.state }}',
    qos: 1,
    availability: [{ topic: 'media/bridge/state', payload_available: 'online', payload_not_available: 'offline' }],
    device: { identifiers: [`media_tracker_${id}`], name: opts.name, via_device: 'media_tracker_bridge' },
    origin: { name: 'Media Tracker' },
  });
  expect(options).toContain('available');
  expect(options).toContain('partially_available');
  expect(rec.json(`homeassistant/sensor/media_tracker/${id}_progress/config`)).toMatchObject({ unit_of_measurement: '%', state_topic: `media/${id}/state` });
  const event = rec.json<Record<string, unknown>>(`homeassistant/event/media_tracker/${id}_event/config`);
  expect(event).toMatchObject({ state_topic: `media/${id}/event` });
  expect(event?.event_types).toContain('available');
  const episodes = rec.json(`homeassistant/sensor/media_tracker/${id}_episodes/config`);
  if (opts.tv) expect(episodes).toMatchObject({ value_template: '{% if value_json is defined %}{{ value_json.episodes.available }}{% endif %}' });
  else expect(episodes).toBeUndefined();
}

export function stateNames(rec: Recorder, id: string): string[] {
  return rec.events(id).map((e) => String(e.event_type));
}

export function timelineText(rec: Recorder, id: string): string {
  return (rec.json<Array<{ reason: string }>>(`media/${id}/timeline`) ?? []).map((e) => e.reason).join('\n');
}

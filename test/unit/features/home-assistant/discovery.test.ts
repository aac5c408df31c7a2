/**
 * Home Assistant discovery of a request (src/features/home-assistant/discovery.ts): what the pipeline event
 * entity can fire, which fields of the state payload become attributes of the status sensor,
 * and that a 4K request's device is told apart from the standard one by its name. The
 * templates themselves are rendered by a real HA in test/e2e/home-assistant.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, Topics } from '../../../../src/contract/index.js';
import { Discovery } from '../../../../src/features/home-assistant/discovery.js';
import { blankRequest } from '../../../helpers/requests.js';

const discovery = new Discovery({ prefix: 'homeassistant', node: 'media_tracker', version: '1.0.0', topics: new Topics('media') });

function config(id: string, is4k: boolean, key: string): Record<string, unknown> {
  const r = blankRequest({ id, media_type: 'movie', title: 'Dune', year: 2021, is_4k: is4k });
  const m = discovery.requestConfigs(r).find((c) => c.topic.endsWith(`/${id}_${key}/config`));
  expect(m, `${id} ${key}`).toBeDefined();
  return m!.payload;
}

describe('discovery of a request', () => {
  it('the pipeline entity fires upgraded, among every event the tracker publishes', () => {
    const events = config('jellyseerr-1', false, 'event').event_types as string[];
    expect(events).toEqual([...EVENT_TYPES]);
    expect(events).toEqual(expect.arrayContaining(['available', 'episodes_available', 'upgraded']));
  });

  it('the status sensor carries the upgrade in flight, the next air date and 4K as attributes', () => {
    const template = String(config('jellyseerr-1', false, 'status').json_attributes_template);
    for (const field of ['upgrade', 'next_air_date', 'is_4k']) expect(template).toContain(`"${field}": value_json.${field}`);
  });

  it('"Watchable at" is a timestamp, unavailable (never an invalid time) while no estimate can be given', () => {
    const w = config('jellyseerr-1', false, 'watchable_at');
    expect(w).toMatchObject({ name: 'Watchable at', state_topic: 'media/jellyseerr-1/state', device_class: 'timestamp', availability_mode: 'all' });
    expect(w.availability).toEqual([
      { topic: 'media/bridge/state', payload_available: 'online', payload_not_available: 'offline' },
      expect.objectContaining({ topic: 'media/jellyseerr-1/state', value_template: expect.stringContaining("value_json.get('watchable_at')") }),
    ]);
    expect(String(w.value_template)).toContain('now().isoformat()');
  });

  it('a standard and a 4K request of one movie are two devices, named apart', () => {
    const standard = config('jellyseerr-1', false, 'status').device as { name: string; identifiers: string[] };
    const uhd = config('jellyseerr-2', true, 'status').device as { name: string; identifiers: string[] };
    expect(standard.name).toBe('Dune (2021)');
    expect(uhd.name).toBe('Dune (2021) 4K');
    expect(uhd.identifiers).not.toEqual(standard.identifiers);
  });

  it('every request has Retry, Search again, Refresh library and Forget buttons publishing its commands, and a sensor with the last answer', () => {
    for (const action of ['retry', 'search', 'refresh', 'forget']) {
      const b = config('jellyseerr-1', false, action);
      expect(b, action).toMatchObject({ command_topic: `media/jellyseerr-1/set/${action}`, payload_press: 'PRESS', unique_id: `media_tracker_jellyseerr-1_${action}` });
    }
    // Forgetting removes the device: a setting, not a dashboard control.
    expect(config('jellyseerr-1', false, 'forget').entity_category).toBe('config');
    expect(config('jellyseerr-1', false, 'retry').entity_category).toBeUndefined();
    const last = config('jellyseerr-1', false, 'last_command');
    expect(last).toMatchObject({ state_topic: 'media/jellyseerr-1/response', json_attributes_topic: 'media/jellyseerr-1/response', entity_category: 'diagnostic' });
    // Every config a request publishes is one removal knows of (forget, retention).
    const published = discovery.requestConfigs(blankRequest({ id: 'jellyseerr-1', media_type: 'tv', title: 'Dandadan', year: 2024 })).map((m) => m.topic);
    expect(discovery.requestTopics('jellyseerr-1')).toEqual(expect.arrayContaining(published));
  });
});

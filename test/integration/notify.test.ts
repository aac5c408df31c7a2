/**
 * The `notify` option: a mapped requester's HA person and notify service travel with the
 * request's state and events (and the status sensor's attributes); others get nulls; bad
 * mappings are refused at start-up with the key named.
 */
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/config/load.js';
import { jellyseerr, type MovieSpec } from '../../src/demo/payloads.js';
import { world } from './support.js';

const movie = (requestId: number, requestedBy: string): MovieSpec => ({
  requestId,
  tmdbId: 1000 + requestId,
  title: `Movie ${requestId}`,
  year: 2024,
  radarrId: requestId,
  hash: 'A'.repeat(40),
  requestedBy,
});

describe('requester notifications', () => {
  it('publishes the person and notify service of a mapped requester, nulls for others', async () => {
    const { rec, send } = await world({
      notify: [
        { requester: 'Alice', person: 'person.alice', service: 'notify.mobile_app_alice' },
        { requester: 'bob', service: 'notify.bob_phone' },
      ],
    });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(71, 'alice')));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(72, 'bob')));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(73, 'carol')));

    expect(await rec.untilState('jellyseerr-71', 'APPROVED')).toMatchObject({ requested_by: 'alice', person: 'person.alice', notify_service: 'notify.mobile_app_alice' });
    expect(await rec.untilState('jellyseerr-72', 'APPROVED')).toMatchObject({ person: null, notify_service: 'notify.bob_phone' });
    expect(await rec.untilState('jellyseerr-73', 'APPROVED')).toMatchObject({ requested_by: 'carol', person: null, notify_service: null });

    const approved = await rec.until(() => rec.events('jellyseerr-71').find((e) => e.event_type === 'approved'), 'the approved event');
    expect(approved).toMatchObject({ person: 'person.alice', notify_service: 'notify.mobile_app_alice', requested_by: 'alice' });
    const status = await rec.until(() => rec.json<{ json_attributes_template: string }>('homeassistant/sensor/media_tracker/jellyseerr-71_status/config'), 'the status sensor');
    expect(status.json_attributes_template).toContain('"notify_service": value_json.notify_service');
  });

  it('refuses a mapping without a target, a malformed entity id and a repeated requester', () => {
    expect(() => parseOptions({ notify: [{ requester: 'alice' }] })).toThrow(/notify\.0\.service: set person, service or both/);
    expect(() => parseOptions({ notify: [{ requester: 'alice', person: 'alice' }] })).toThrow(/notify\.0\.person: an entity id like "person\.alice"/);
    expect(() => parseOptions({ notify: [{ requester: 'alice', service: 'mobile_app_alice' }] })).toThrow(/notify\.0\.service/);
    expect(() =>
      parseOptions({
        notify: [
          { requester: 'Alice', service: 'notify.a' },
          { requester: 'alice', service: 'notify.b' },
        ],
      }),
    ).toThrow(/notify\.1\.requester: duplicate requester "alice"/);
  });
});

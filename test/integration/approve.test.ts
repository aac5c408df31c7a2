/**
 * Approving and declining a request waiting in Jellyseerr, from the tracker: the `approve` and
 * `decline` commands on `media/<id>/set/<action>` ask Jellyseerr (the fake of its API), which
 * decides and notifies as it does for a decision in its own web UI; the new state reaches the
 * tracker through that webhook, as any other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, type MovieSpec } from '../../src/demo/payloads.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { SECRET } from '../helpers/tracker.js';
import { world, type World } from './support.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const movie = (n: number): MovieSpec => ({ requestId: 800 + n, tmdbId: 80_000 + n, title: `Pending Film ${n}`, year: 2025, radarrId: 800 + n, hash: fakeHash(`pending-${n}`), requestedBy: 'bob' });

async function command(w: World, id: string, action: string): Promise<{ action: string; status: string; error?: string; decision?: string }> {
  const seen = w.rec.messages.length;
  await w.rec.client.publishAsync(`media/${id}/set/${action}`, 'PRESS', { qos: 1 });
  return w.rec.until(
    () =>
      w.rec.messages
        .slice(seen)
        .filter((m) => m.topic === `media/${id}/response`)
        .map((m) => JSON.parse(m.payload) as { action: string; status: string; error?: string; decision?: string })
        .find((a) => a.action === action),
    `the answer to ${action}`,
  );
}

describe('approve and decline from the tracker', () => {
  it('Approve asks Jellyseerr, whose notification makes the request APPROVED; Decline likewise DECLINED; neither on a decided request', async () => {
    const js = createJellyseerrFake();
    const { url } = await js.start();
    closers.push(() => js.stop());
    const w = await world({ jellyseerr: { url, api_key: js.state.apiKey }, intervals: { jellyseerr_s: 3600 } });
    await w.rec.client.subscribeAsync('media/+/response', { qos: 1 });
    js.configureWebhook(`${w.h.tracker.endpoints.webhookUrl}/hooks/jellyseerr`, { authHeader: `Bearer ${SECRET}` });

    const [a, b] = [movie(1), movie(2)];
    for (const m of [a, b]) {
      js.addRequest(m, { status: 1, mediaStatus: 2 });
      await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', m));
      await w.rec.untilState(`jellyseerr-${m.requestId}`, 'REQUESTED');
    }

    // While it waits, its HA device has Approve and Decline buttons publishing the commands.
    const approveButton = 'homeassistant/button/media_tracker/jellyseerr-801_approve/config';
    const button = await w.rec.until(() => w.rec.json<{ command_topic: string; name: string }>(approveButton), 'the Approve button');
    expect(button).toMatchObject({ command_topic: 'media/jellyseerr-801/set/approve', name: 'Approve' });
    expect(w.rec.json('homeassistant/button/media_tracker/jellyseerr-801_decline/config')).toMatchObject({ command_topic: 'media/jellyseerr-801/set/decline' });

    expect(await command(w, 'jellyseerr-801', 'approve')).toMatchObject({ status: 'ok', decision: 'Jellyseerr: request #801 approved (status 2)' });
    expect(js.state.requests.find((r) => r.id === 801)?.status).toBe(2);
    await w.rec.untilState('jellyseerr-801', 'APPROVED');
    // Decided: the two buttons leave HA; the others stay.
    await w.rec.until(() => !w.rec.latest.has(approveButton) || undefined, 'the Approve button removed');
    expect(w.rec.latest.has('homeassistant/button/media_tracker/jellyseerr-801_decline/config')).toBe(false);
    expect(w.rec.json('homeassistant/button/media_tracker/jellyseerr-801_retry/config')).toBeDefined();

    expect(await command(w, 'jellyseerr-802', 'decline')).toMatchObject({ status: 'ok', decision: 'Jellyseerr: request #802 declined (status 3)' });
    await w.rec.untilState('jellyseerr-802', 'DECLINED');

    // A decided request is not decided again from here.
    const refused = await command(w, 'jellyseerr-801', 'decline');
    expect(refused).toMatchObject({ status: 'error' });
    expect(refused.error).toMatch(/only a request waiting for approval can be declined; this one is APPROVED/);
    expect(js.state.requests.find((r) => r.id === 801)?.status).toBe(2);
  });

  it('without Jellyseerr configured, Approve is refused in plain words', async () => {
    const w = await world();
    await w.rec.client.subscribeAsync('media/+/response', { qos: 1 });
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', movie(3)));
    await w.rec.untilState('jellyseerr-803', 'REQUESTED');
    // Nothing could approve it: no Approve button in HA.
    await w.rec.until(() => w.rec.json('homeassistant/button/media_tracker/jellyseerr-803_retry/config'), 'the request device');
    expect(w.rec.latest.has('homeassistant/button/media_tracker/jellyseerr-803_approve/config')).toBe(false);
    const refused = await command(w, 'jellyseerr-803', 'approve');
    expect(refused).toMatchObject({ status: 'error', error: 'Jellyseerr is not configured (jellyseerr.url and jellyseerr.api_key), or this request did not come from Jellyseerr' });
  });

  it('a request Jellyseerr no longer has: the answer says so', async () => {
    const js = createJellyseerrFake();
    const { url } = await js.start();
    closers.push(() => js.stop());
    const w = await world({ jellyseerr: { url, api_key: js.state.apiKey }, intervals: { jellyseerr_s: 3600 } });
    await w.rec.client.subscribeAsync('media/+/response', { qos: 1 });
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', movie(4)));
    await w.rec.untilState('jellyseerr-804', 'REQUESTED');
    const refused = await command(w, 'jellyseerr-804', 'approve');
    expect(refused).toMatchObject({ status: 'error' });
    expect(refused.error).toMatch(/Jellyseerr has no request #804/);
  });
});

/**
 * Jellyseerr issues through the webhook route: someone reports that the available movie's audio
 * is out of sync, comments, resolves it, reopens it. The request keeps its state and its one
 * device; the issue is on its timeline and in its state payload (Home Assistant's attributes)
 * while it is open. A real tracker, real MQTT.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IssuePayload } from '../../src/contract/index.js';
import { jellyseerr, type MovieSpec } from '../../src/demo/payloads.js';
import { timelineText, world } from './support.js';

const ISSUE = JSON.parse(readFileSync(new URL('../fixtures/jellyseerr/issue-created.json', import.meta.url), 'utf8')) as Record<string, unknown> & { issue: Record<string, unknown> };
const dune: MovieSpec = { requestId: 901, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: 'a'.repeat(40), requestedBy: 'alice' };
const ID = 'jellyseerr-901';

const issueOf = (type: string, comment: Record<string, string> | null = null) => ({ ...ISSUE, notification_type: type, comment });

describe('Jellyseerr issues', () => {
  it('an issue about an available movie is on its timeline and in its attributes while open; the state and the device stay as they are', async () => {
    const { rec, send, h } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', dune));
    await rec.untilState(ID, 'AVAILABLE');
    const issues = () => rec.state(ID)?.issues as IssuePayload[] | undefined;

    const created = await send('/hooks/jellyseerr', ISSUE);
    expect(created).toMatchObject({ status: 'ok', results: [expect.objectContaining({ status: 'accepted', request_ids: [ID], states: ['AVAILABLE'] })] });
    const open = await rec.until(() => (issues()?.length ? issues() : undefined), 'the open issue in the state payload');
    expect(open).toEqual([{ id: 7, type: 'video', reported_by: 'bob', message: 'The audio is out of sync after the first hour.', last_comment: null, since: expect.any(String) }]);
    expect(rec.state(ID)).toMatchObject({ state: 'AVAILABLE' });
    await rec.until(() => timelineText(rec, ID).includes('Jellyseerr: issue #7 (video) reported by bob: The audio is out of sync after the first hour.'), 'the issue on the timeline');
    // HA's status sensor lists it among its attributes.
    const config = rec.json<{ json_attributes_template: string }>(`homeassistant/sensor/media_tracker/${ID}_status/config`);
    expect(config?.json_attributes_template).toContain('"issues": value_json.issues');

    // The same notification again (a retry by Jellyseerr) changes nothing.
    const notes = () =>
      timelineText(rec, ID)
        .split('\n')
        .filter((l) => l.includes('issue #7')).length;
    const before = notes();
    await send('/hooks/jellyseerr', ISSUE);
    await send('/hooks/jellyseerr', issueOf('ISSUE_COMMENT', { comment_message: 'Same on the 4K file.', commentedBy_username: 'carol', commentedBy_email: 'carol@example.org' }));
    await rec.until(() => (issues()?.[0]?.last_comment ? true : undefined), 'the comment');
    expect(issues()?.[0]?.last_comment).toEqual({ by: 'carol', message: 'Same on the 4K file.' });
    expect(notes()).toBe(before + 1);

    // Resolved: it leaves the attributes, stays on the timeline; reopened and resolved again, likewise.
    await send('/hooks/jellyseerr', issueOf('ISSUE_RESOLVED'));
    await rec.until(() => (issues()?.length === 0 ? true : undefined), 'the resolved issue gone from the payload');
    await send('/hooks/jellyseerr', issueOf('ISSUE_REOPENED'));
    await rec.until(() => (issues()?.length === 1 ? true : undefined), 'the reopened issue back');
    await send('/hooks/jellyseerr', issueOf('ISSUE_RESOLVED'));
    await rec.until(() => (issues()?.length === 0 ? true : undefined), 'resolved again');
    expect(timelineText(rec, ID)).toMatch(/issue #7 \(video\) resolved[\s\S]*issue #7 \(video\) reopened[\s\S]*issue #7 \(video\) resolved/);
    expect(rec.state(ID)).toMatchObject({ state: 'AVAILABLE' });
    // One request, one `available`, no e-mail address anywhere.
    expect([...h.tracker.engine.index.values()].map((r) => r.id)).toEqual([ID]);
    expect(rec.events(ID).filter((e) => e.event_type === 'available')).toHaveLength(1);
    expect(JSON.stringify(rec.messages)).not.toContain('example.org');
  });

  it('an issue about media nobody requested through the tracker creates nothing', async () => {
    const { send, h } = await world();
    const answer = await send('/hooks/jellyseerr', { ...ISSUE, media: { ...(ISSUE.media as object), tmdbId: '11621' } });
    expect(answer).toMatchObject({ status: 'ok' });
    expect(h.tracker.engine.index.size).toBe(0);
  });
});

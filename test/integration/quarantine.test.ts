/**
 * A store must never stop the tracker from starting. A journal record whose request id would
 * be an MQTT wildcard (what `/hooks/constructor` once let through) and a snapshot request
 * with such an id are left out at start-up: logged, kept in quarantine.jsonl, never
 * published, listed by the doctor; every other request starts as before.
 */
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { blankRequest } from '../helpers/requests.js';
import { Recorder, startTracker } from '../helpers/tracker.js';
import { bridge } from './bridge.js';

const movie = { requestId: 41, tmdbId: 4100, title: 'Forty One', year: 2041, radarrId: 41, hash: fakeHash('forty-one') };

describe('a store with one poisoned request', () => {
  it('starts, publishes every other request, keeps the bad one on disk and shows it in the doctor report', async () => {
    const h = await startTracker({ doctor_interval_min: 0 });
    try {
      expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie))).status).toBe(200);
      await h.tracker.stop();
      // After a clean stop everything is in the snapshot; the poisoned record follows it.
      const files = await readdir(h.dataDir);
      const snapshotFile = files.find((f) => f.startsWith('snapshot'))!;
      const snap = JSON.parse(await readFile(join(h.dataDir, snapshotFile), 'utf8')) as { last_seq: number; requests: unknown[] };
      const journal =
        files
          .filter((f) => f.startsWith('journal-'))
          .sort()
          .at(-1) ?? 'journal-00000001.jsonl';
      const seq = snap.last_seq + 1;
      const poisoned = {
        v: 1,
        seq,
        event: {
          kind: 'request',
          key: 'jellyseerr:a/#:MEDIA_PENDING',
          source: 'jellyseerr',
          at: '2025-03-14T18:00:00.000Z',
          match: { scope: 'any' },
          jellyseerr_request_id: 'a/#',
          status: 'pending',
          notification_type: 'MEDIA_PENDING',
          media: { media_type: 'movie', title: 'Poison' },
        },
      };
      await appendFile(join(h.dataDir, journal), `${JSON.stringify(poisoned)}\n`);
      // The snapshot may hold one too (written by an older version, or edited by hand).
      snap.requests.push(blankRequest({ id: 'media/+', media_type: 'movie', title: 'Plus' }));
      await writeFile(join(h.dataDir, snapshotFile), JSON.stringify(snap));

      await h.restart();
      expect(h.tracker.engine.index.get('jellyseerr-41')?.state).toBe('APPROVED');
      expect([...h.tracker.engine.requests()].map((r) => r.id)).toEqual(['jellyseerr-41']);

      const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['media/#']);
      try {
        await rec.untilState('jellyseerr-41', 'APPROVED');
        expect([...rec.latest.keys()].filter((t) => t.includes('Poison') || t.includes('a/#') || t.includes('jellyseerr-a'))).toEqual([]);
        const report = (await bridge(rec, 'doctor')).result as { ok: boolean; checks: Array<{ id: string; status: string; summary: string; detail: string | null }> };
        const store = report.checks.find((c) => c.id === 'store/quarantine');
        expect(store, JSON.stringify(report.checks.map((c) => c.id))).toMatchObject({ status: 'error' });
        expect(store?.detail, store?.detail ?? '').toContain('a/#');
        expect(store?.detail).toContain(`journal record ${seq}`);
      } finally {
        await rec.close();
      }
      const kept = await readFile(join(h.dataDir, 'quarantine.jsonl'), 'utf8');
      expect(kept).toContain('"jellyseerr_request_id":"a/#"');

      // The next start finds the same record and does not copy it twice.
      await h.restart();
      const again = (await readFile(join(h.dataDir, 'quarantine.jsonl'), 'utf8')).trim().split('\n');
      expect(again.length).toBe(kept.trim().split('\n').length);
    } finally {
      await h.stop();
    }
  });
});

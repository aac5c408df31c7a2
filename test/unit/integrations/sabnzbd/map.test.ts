/** The pure SABnzbd mapping: queue and history slots as SABnzbd 5.0.1 sends them (strings for numbers). */
import { describe, expect, it } from 'vitest';
import type { HistorySlot, QueueSlot } from '../../../../src/integrations/sabnzbd/client.js';
import { failureMessage, historyFields, MISSING_REASON, nzoIdOf, parseTimeleft, PAUSED_REASON, QUEUE_PAUSED_REASON, queueFields, stuckReason } from '../../../../src/integrations/sabnzbd/map.js';
import { FAIL_MESSAGES } from '../../../fakes/sabnzbd.js';

const slot = (over: Partial<QueueSlot> = {}): QueueSlot => ({
  nzo_id: 'SABnzbd_nzo_sf78tpj',
  filename: 'Some.Movie.2024.1080p.WEB-DL',
  status: 'Downloading',
  percentage: '25',
  mb: '1000.00',
  mbleft: '750.00',
  mbmissing: '0.00',
  timeleft: '0:06:15',
  labels: [],
  ...over,
});
const running = { paused: false, kbpersec: '2048.00' };

describe('nzoIdOf', () => {
  it('gives SABnzbd spelling back to a lower-cased download id, and nothing for a torrent hash', () => {
    expect(nzoIdOf('sabnzbd_nzo_sf78tpj')).toBe('SABnzbd_nzo_sf78tpj');
    expect(nzoIdOf('SABnzbd_nzo_sf78tpj')).toBe('SABnzbd_nzo_sf78tpj');
    expect(nzoIdOf('  sabnzbd_nzo_a_b9 ')).toBe('SABnzbd_nzo_a_b9');
    expect(nzoIdOf('8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43')).toBeNull();
    expect(nzoIdOf('sabnzbd_nzo_')).toBeNull();
  });
});

describe('parseTimeleft', () => {
  it('reads H:MM:SS and D:HH:MM:SS', () => {
    expect(parseTimeleft('0:06:15')).toBe(375);
    expect(parseTimeleft('12:00:01')).toBe(43_201);
    expect(parseTimeleft('1:02:03:04')).toBe(86_400 + 7200 + 184);
    expect(parseTimeleft('0:00:00')).toBe(0);
    expect(parseTimeleft('')).toBeNull();
    expect(parseTimeleft('soon')).toBeNull();
    expect(parseTimeleft(undefined)).toBeNull();
  });
});

describe('queueFields', () => {
  it('a downloading slot: progress from mb/mbleft, size in bytes, ETA, the queue speed in bytes/s', () => {
    expect(queueFields(slot(), running)).toEqual({ progress: 0.25, speed_bps: 2048 * 1024, eta_s: 375, size: 1000 * 1024 * 1024, complete: false, client_state: 'Downloading' });
  });

  it('falls back to percentage when mb is unknown, and accepts numbers as well as strings', () => {
    expect(queueFields(slot({ mb: '0.00', mbleft: '0.00', percentage: '40' }), running).progress).toBe(0.4);
    expect(queueFields(slot({ mb: 200, mbleft: 50 }), { paused: false, kbpersec: 100 })).toMatchObject({ progress: 0.75, speed_bps: 102_400 });
  });

  it.each(['Queued', 'Paused', 'Propagating', 'Checking'])('%s: downloading, but no speed nor ETA', (status) => {
    const f = queueFields(slot({ status, timeleft: '0:00:00' }), running);
    expect(f).toMatchObject({ progress: 0.25, speed_bps: null, eta_s: null, complete: false, client_state: status });
  });

  it('a paused queue gives no speed even to a Downloading slot', () => {
    expect(queueFields(slot(), { paused: true, kbpersec: '0.00' })).toMatchObject({ speed_bps: null, eta_s: null });
  });
});

describe('historyFields and failures', () => {
  const done = (over: Partial<HistorySlot>): HistorySlot => ({ nzo_id: 'SABnzbd_nzo_sf78tpj', status: 'Completed', fail_message: '', bytes: 1_468_006_400, ...over });

  it('Completed is complete at 100 %, with its size', () => {
    expect(historyFields(done({}))).toEqual({ progress: 1, speed_bps: null, eta_s: null, size: 1_468_006_400, complete: true, client_state: 'Completed' });
  });

  it.each(['Queued', 'QuickCheck', 'Verifying', 'Repairing', 'Extracting', 'Moving', 'Running'])('post-processing %s: all there, not finished', (status) => {
    expect(historyFields(done({ status }))).toMatchObject({ progress: 1, complete: false, client_state: status });
  });

  it.each([
    [FAIL_MESSAGES.missingArticles, 'SABnzbd: out of retention / missing articles (Aborted, cannot be completed - https://sabnzbd.org/not-complete)'],
    [FAIL_MESSAGES.notOnServer, 'SABnzbd: out of retention / missing articles (Download failed - Not on your server(s))'],
    [FAIL_MESSAGES.encrypted, 'SABnzbd: the release is encrypted (password protected) (Aborted, encryption detected)'],
    [FAIL_MESSAGES.diskFull, 'SABnzbd: the disk is full (write error while unpacking) (Unpacking failed, write error or disk is full?)'],
    [FAIL_MESSAGES.repair, 'SABnzbd: repair failed: not enough recovery blocks (Repairing failed, not enough repair blocks (5 short))'],
    ['Abgebrochen, kann nicht abgeschlossen werden', 'SABnzbd: Abgebrochen, kann nicht abgeschlossen werden'],
    ['', 'SABnzbd: the download failed (no reason given)'],
  ])('fail_message %j → %j', (message, expected) => {
    expect(failureMessage(done({ status: 'Failed', fail_message: message }))).toBe(expected);
  });
});

describe('stuckReason', () => {
  it('paused job, paused queue, missing articles; nothing for a healthy or propagating job', () => {
    expect(stuckReason(slot({ status: 'Paused' }), running)).toBe(PAUSED_REASON);
    expect(stuckReason(slot({ status: 'Queued' }), { paused: true })).toBe(QUEUE_PAUSED_REASON);
    expect(stuckReason(slot({ mbmissing: '12.50' }), running)).toBe(MISSING_REASON);
    expect(stuckReason(slot({ labels: ['INCOMPLETE'] }), running)).toBe(MISSING_REASON);
    expect(stuckReason(slot(), running)).toBeNull();
    expect(stuckReason(slot({ status: 'Propagating', labels: ['PROPAGATING 5 min'] }), running)).toBeNull();
  });
});

/** Transmission torrent → DownloadProgressEvent fields, stuck reasons and failures (docs/download-clients.md §2.2, §7). */
import { describe, expect, it } from 'vitest';
import type { TrTorrent } from '../../../../src/integrations/transmission/client.js';
import { clientState, failure, isComplete, lacksMetadata, progressFields, stuckReason } from '../../../../src/integrations/transmission/map.js';

const H = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';

/** A torrent with metadata, downloading from 3 peers at 1 MiB/s, as Transmission 3.00 answers. */
function torrent(over: Partial<TrTorrent> = {}): TrTorrent {
  return {
    id: 1,
    hashString: H,
    status: 4,
    percentDone: 0.25,
    rateDownload: 1_048_576,
    eta: 120,
    sizeWhenDone: 4_000_000,
    leftUntilDone: 3_000_000,
    error: 0,
    errorString: '',
    isStalled: false,
    peersSendingToUs: 3,
    doneDate: 0,
    metadataPercentComplete: 1,
    ...over,
  };
}

describe('progressFields', () => {
  it('maps a downloading torrent', () => {
    expect(progressFields(torrent())).toEqual({ progress: 0.25, speed_bps: 1_048_576, eta_s: 120, size: 4_000_000, complete: false, client_state: 'downloading', seeds: 3 });
  });

  it('eta -1 (not available) and -2 (unknown) are null; 0 stays 0', () => {
    expect(progressFields(torrent({ eta: -1 })).eta_s).toBeNull();
    expect(progressFields(torrent({ eta: -2 })).eta_s).toBeNull();
    expect(progressFields(torrent({ eta: 0 })).eta_s).toBe(0);
  });

  it.each([
    [0, 'stopped'],
    [5, 'seed-queued'],
    [6, 'seeding'],
  ])('leftUntilDone 0 with status %i (%s) is complete', (status, name) => {
    const t = torrent({ status, percentDone: 1, leftUntilDone: 0, eta: -1, rateDownload: 0, doneDate: 1_700_000_000 });
    expect(isComplete(t)).toBe(true);
    expect(progressFields(t)).toMatchObject({ complete: true, progress: 1, eta_s: null, client_state: name, size: 4_000_000 });
  });

  it('data complete at add (doneDate 0, as 3.00 reports it) is complete too', () => {
    expect(isComplete(torrent({ status: 6, percentDone: 1, leftUntilDone: 0, doneDate: 0 }))).toBe(true);
  });

  it.each([
    [1, 'verify-queued'],
    [2, 'verifying'],
    [3, 'download-queued'],
    [4, 'downloading'],
  ])('leftUntilDone 0 with status %i (%s) is not complete yet', (status, name) => {
    const t = torrent({ status, percentDone: 1, leftUntilDone: 0 });
    expect(isComplete(t)).toBe(false);
    expect(clientState(t)).toBe(name);
  });

  it('a seeding status with data missing is not complete; progress is clamped to 0..1', () => {
    expect(isComplete(torrent({ status: 6, leftUntilDone: 10 }))).toBe(false);
    expect(progressFields(torrent({ percentDone: 1.0000001 })).progress).toBe(1);
    expect(progressFields(torrent({ percentDone: -0.5 })).progress).toBe(0);
  });

  it('missing fields are null; an unknown status keeps its number', () => {
    expect(progressFields({ hashString: H })).toEqual({ progress: 0, speed_bps: null, eta_s: null, size: null, complete: false, client_state: 'metaDL', seeds: null });
    expect(clientState(torrent({ status: 9 }))).toBe('status-9');
    expect(clientState(torrent({ status: undefined }))).toBe('unknown');
  });
});

describe('a magnet without metadata', () => {
  // What 3.00 answered for a magnet no peer could send the metadata of (observed).
  const magnet = torrent({ status: 4, percentDone: 0, leftUntilDone: 0, sizeWhenDone: 0, eta: -2, rateDownload: 0, peersSendingToUs: 0, metadataPercentComplete: 0 });

  it('is metaDL, has no size and is not complete, running or stopped', () => {
    expect(lacksMetadata(magnet)).toBe(true);
    expect(progressFields(magnet)).toMatchObject({ client_state: 'metaDL', size: null, complete: false, progress: 0, eta_s: null });
    expect(isComplete({ ...magnet, status: 0 })).toBe(false);
    expect(clientState({ ...magnet, status: 0 })).toBe('metaDL');
  });

  it('without metadataPercentComplete, sizeWhenDone 0 tells it', () => {
    const { metadataPercentComplete: _omit, ...old } = magnet;
    expect(lacksMetadata(old)).toBe(true);
    expect(lacksMetadata(torrent({ metadataPercentComplete: undefined }))).toBe(false);
  });

  it('fetching metadata is not a stuck reason here (the stuck monitor flags it past its threshold); stopped is', () => {
    expect(stuckReason(magnet)).toBeNull();
    expect(stuckReason({ ...magnet, status: 0 })).toBe('Transmission: paused');
  });
});

describe('stuckReason', () => {
  it.each<[string, Partial<TrTorrent>, string | null]>([
    ['downloading', {}, null],
    ['stopped, incomplete', { status: 0, rateDownload: 0 }, 'Transmission: paused'],
    ['isStalled', { isStalled: true, rateDownload: 0 }, 'Transmission: stalled, no data for a while'],
    ['no peers sending, nothing arriving', { peersSendingToUs: 0, rateDownload: 0, eta: -1 }, 'Transmission: stalled, no peers sending data'],
    ['peers connected but nothing arriving yet', { peersSendingToUs: 2, rateDownload: 0 }, null],
    ['queued to download', { status: 3, peersSendingToUs: 0, rateDownload: 0 }, null],
    ['verifying', { status: 2, peersSendingToUs: 0, rateDownload: 0 }, null],
    [
      'tracker error, nothing arriving',
      { error: 2, errorString: 'Tracker gave HTTP response code 404 (Not Found)', rateDownload: 0, peersSendingToUs: 0 },
      'Transmission: tracker error: Tracker gave HTTP response code 404 (Not Found)',
    ],
    ['tracker warning, nothing arriving', { error: 1, errorString: 'Could not connect to tracker', rateDownload: 0 }, 'Transmission: tracker warning: Could not connect to tracker'],
    ['tracker warning while data arrives', { error: 1, errorString: 'Could not connect to tracker' }, null],
    ['complete and stopped', { status: 0, leftUntilDone: 0, percentDone: 1 }, null],
    ['complete with a tracker error', { status: 6, leftUntilDone: 0, percentDone: 1, error: 2, errorString: 'x', rateDownload: 0 }, null],
    ['local error (a failure, not a stuck reason)', { status: 0, error: 3, errorString: 'No data found! Ensure your drives are connected' }, null],
  ])('%s → %s', (_what, over, reason) => {
    expect(stuckReason(torrent(over))).toBe(reason);
  });
});

describe('failure', () => {
  it('error 3 (local error) is a failure with its text', () => {
    expect(failure(torrent({ status: 0, error: 3, errorString: 'No space left on device' }))).toBe('Transmission: No space left on device');
    expect(failure(torrent({ status: 0, error: 3, errorString: '' }))).toBe('Transmission: local error (disk full or files unwritable? see the Transmission log)');
  });

  it('tracker warnings and errors, no error, and a complete torrent are not failures', () => {
    expect(failure(torrent({ error: 1, errorString: 'w' }))).toBeNull();
    expect(failure(torrent({ error: 2, errorString: 'e' }))).toBeNull();
    expect(failure(torrent())).toBeNull();
    expect(failure(torrent({ status: 6, leftUntilDone: 0, error: 3, errorString: 'x' }))).toBeNull();
  });
});

/** The pure NZBGet mapping: ids, progress, failure words and stuck reasons. */
import { describe, expect, it } from 'vitest';
import type { NzbGroup, NzbHistoryItem } from '../../../../src/integrations/nzbget/client.js';
import {
  downloadIdOf,
  failureMessage,
  groupFields,
  healthReason,
  historyFields,
  historyWarning,
  isFailed,
  isNzbgetId,
  PAUSED_REASON,
  QUEUE_PAUSED_REASON,
  stuckReason,
} from '../../../../src/integrations/nzbget/map.js';

const MIB = 1024 * 1024;
const DRONE = '3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6';

function group(p: Partial<NzbGroup> = {}): NzbGroup {
  return {
    NZBID: 7,
    Status: 'DOWNLOADING',
    FileSizeMB: 1000,
    RemainingSizeMB: 1000,
    PausedSizeMB: 0,
    ActiveDownloads: 1,
    Health: 1000,
    CriticalHealth: 850,
    Parameters: [{ Name: 'drone', Value: DRONE }],
    ...p,
  };
}
function item(p: Partial<NzbHistoryItem> = {}): NzbHistoryItem {
  return { NZBID: 7, Status: 'SUCCESS/ALL', FileSizeMB: 1000, Health: 1000, CriticalHealth: 850, Parameters: [{ Name: 'drone', Value: DRONE }], ...p };
}

describe('NZBGet map', () => {
  it('the *arr id is the drone parameter, else the NZBID', () => {
    expect(downloadIdOf(group())).toBe(DRONE);
    expect(downloadIdOf(group({ Parameters: [{ Name: 'drone', Value: DRONE.toUpperCase() }] }))).toBe(DRONE);
    expect(downloadIdOf(group({ Parameters: [{ Name: '*Unpack:', Value: 'yes' }] }))).toBe('7');
    expect(isNzbgetId(DRONE)).toBe(true);
    expect(isNzbgetId('42')).toBe(true);
    expect(isNzbgetId('8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43')).toBe(false);
    expect(isNzbgetId('sabnzbd_nzo_abc')).toBe(false);
    expect(isNzbgetId('0'.repeat(40))).toBe(false);
    expect(isNzbgetId('0')).toBe(false);
  });

  it('queue progress, size, speed and ETA; paused par2 files left out while something else remains', () => {
    expect(groupFields(group({ RemainingSizeMB: 250 }), 2 * MIB)).toEqual({ progress: 0.75, speed_bps: 2 * MIB, eta_s: 125, size: 1000 * MIB, complete: false, client_state: 'DOWNLOADING' });
    expect(groupFields(group({ FileSizeMB: 1100, RemainingSizeMB: 600, PausedSizeMB: 100 }), null).progress).toBe(0.5);
    expect(groupFields(group({ Status: 'PAUSED', RemainingSizeMB: 400, PausedSizeMB: 400, ActiveDownloads: 0 }), 5)).toMatchObject({
      progress: 0.6,
      speed_bps: null,
      eta_s: null,
      client_state: 'PAUSED',
    });
    expect(groupFields(group({ Status: 'QUEUED' }), 5)).toMatchObject({ speed_bps: null, client_state: 'QUEUED' });
    expect(groupFields(group(), 5, { DownloadPaused: true })).toMatchObject({ speed_bps: null });
    expect(groupFields(group({ Status: 'UNPACKING', RemainingSizeMB: 0, PostStageProgress: -667448629 }), 5)).toMatchObject({
      progress: 1,
      complete: false,
      speed_bps: null,
      client_state: 'UNPACKING',
    });
  });

  it('history: SUCCESS and WARNING downloaded, FAILURE and DELETED failed in plain words', () => {
    expect(historyFields(item())).toEqual({ progress: 1, speed_bps: null, eta_s: null, size: 1000 * MIB, complete: true, client_state: 'SUCCESS/ALL' });
    expect(isFailed(item({ Status: 'WARNING/SCRIPT' }))).toBe(false);
    expect(historyWarning(item({ Status: 'WARNING/SPACE' }))).toBe('NZBGet: finished with a warning: the disk is full');
    expect(historyWarning(item({ Status: 'WARNING/SCRIPT' }))).toBeNull();
    for (const s of ['FAILURE/HEALTH', 'FAILURE/PAR', 'FAILURE/UNPACK', 'DELETED/MANUAL', 'DELETED/COPY']) expect(isFailed(item({ Status: s }))).toBe(true);
    expect(failureMessage(item({ Status: 'FAILURE/HEALTH', Health: 500, CriticalHealth: 850, DeleteStatus: 'HEALTH' }))).toBe(
      'NZBGet: articles are missing on the news server (out of retention?); health fell below critical (FAILURE/HEALTH, health 50 %, critical 85 %)',
    );
    expect(failureMessage(item({ Status: 'FAILURE/PAR' }))).toBe('NZBGet: repair failed: not enough recovery blocks (par2) (FAILURE/PAR)');
    expect(failureMessage(item({ Status: 'FAILURE/UNPACK', UnpackStatus: 'PASSWORD' }))).toBe('NZBGet: unpacking failed: the release is encrypted (password protected) (FAILURE/UNPACK)');
    expect(failureMessage(item({ Status: 'FAILURE/UNPACK' }))).toBe('NZBGet: unpacking failed (FAILURE/UNPACK)');
    expect(failureMessage(item({ Status: 'DELETED/MANUAL' }))).toBe('NZBGet: deleted in NZBGet before it finished (DELETED/MANUAL)');
    expect(failureMessage(item({ Status: 'FAILURE/SOMETHINGNEW' }))).toBe('NZBGet: the download failed (FAILURE/SOMETHINGNEW)');
  });

  it('stuck: health below critical first, then paused, then the whole queue paused', () => {
    expect(healthReason(832, 850)).toBe('NZBGet: health 83.2 % is below the critical 85 % — articles are missing');
    expect(stuckReason(group({ Health: 832 }), null)).toBe('NZBGet: health 83.2 % is below the critical 85 % — articles are missing');
    expect(stuckReason(group({ Health: 850 }), null)).toBeNull();
    expect(stuckReason(group({ Status: 'PAUSED', Health: 700 }), null)).toContain('health 70 %');
    expect(stuckReason(group({ Status: 'PAUSED' }), null)).toBe(PAUSED_REASON);
    expect(stuckReason(group({ Status: 'QUEUED' }), { DownloadPaused: true })).toBe(QUEUE_PAUSED_REASON);
    expect(stuckReason(group({ Status: 'UNPACKING' }), { DownloadPaused: true })).toBeNull();
    expect(stuckReason(group(), null, true)).toContain('no data arrives');
  });
});

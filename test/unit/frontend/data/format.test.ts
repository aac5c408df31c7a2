/** The panel's pure helpers: WebSocket URL, text formats, episode rows, the virtual grid, UUIDs. */
import { describe, expect, it } from 'vitest';
import { seasonRows, stateCounts } from '../../../../frontend/src/data/episodes.js';
import { age, ago, bytes, count, duration, episodeCode, percent, speed, titleWithYear, via } from '../../../../frontend/src/data/format.js';
import { STATES } from '../../../../src/contract/index.js';
import { mqttUrl } from '../../../../frontend/src/data/url.js';
import { uuid } from '../../../../frontend/src/data/uuid.js';
import { columnsFor, gridWindow, itemOffset, scrollToReveal } from '../../../../frontend/src/data/window.js';
import { episode } from '../../../../frontend/test/fixtures.js';

describe('mqttUrl: the WebSocket next to the page, under any ingress prefix', () => {
  it('keeps the path prefix, drops query and hash, switches the scheme', () => {
    expect(mqttUrl('https://ha.example.org/api/hassio_ingress/AbC123/')).toBe('wss://ha.example.org/api/hassio_ingress/AbC123/mqtt');
    expect(mqttUrl('http://homeassistant.local:8123/api/hassio_ingress/tok/#/request/jellyseerr-5')).toBe('ws://homeassistant.local:8123/api/hassio_ingress/tok/mqtt');
    expect(mqttUrl('http://127.0.0.1:8099/?base=media#/?group=stuck')).toBe('ws://127.0.0.1:8099/mqtt');
    expect(mqttUrl('http://127.0.0.1:5173/index.html')).toBe('ws://127.0.0.1:5173/mqtt');
  });
});

describe('formats', () => {
  it('percent, bytes, speed', () => {
    expect(percent(null)).toBe('');
    expect(percent(0)).toBe('0 %');
    expect(percent(0.42)).toBe('42 %');
    expect(percent(0.4256)).toBe('42.5 %');
    expect(percent(0.99999)).toBe('99.9 %');
    expect(percent(1)).toBe('100 %');
    expect(percent(1.7)).toBe('100 %');
    expect(bytes(null)).toBe('');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(15_032_385_536)).toBe('15.0 GB');
    expect(bytes(123_456_789)).toBe('123 MB');
    expect(speed(23_500_000)).toBe('23.5 MB/s');
    expect(speed(null)).toBe('');
  });

  it('counts with the noun in the singular only for one', () => {
    expect([0, 1, 2].map((n) => count(n, 'problem'))).toEqual(['0 problems', '1 problem', '2 problems']);
  });

  it('durations and ages', () => {
    expect(duration(null)).toBe('');
    expect(duration(45)).toBe('45 s');
    expect(duration(372)).toBe('6 min');
    expect(duration(3 * 3600)).toBe('3 h');
    expect(duration(3 * 3600 + 20 * 60)).toBe('3 h 20 min');
    expect(duration(2 * 86_400 + 4 * 3600)).toBe('2 d 4 h');
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(age('2026-11-22T11:59:58Z', now)).toBe('just now');
    expect(age('2026-11-22T11:48:00Z', now)).toBe('12 min');
    expect(ago('2026-11-22T10:00:00Z', now)).toBe('2 h ago');
    expect(ago('2026-11-22T11:59:59Z', now)).toBe('just now');
    expect(age('not a date', now)).toBe('');
    expect(age(null, now)).toBe('');
  });

  it('titles and episode codes', () => {
    expect(titleWithYear('Dune: Part Two', 2024)).toBe('Dune: Part Two (2024)');
    expect(titleWithYear('Untitled', null)).toBe('Untitled');
    expect(episodeCode(1, 2)).toBe('S01E02');
    expect(episodeCode(2024, 113)).toBe('S2024E113');
  });
});

describe('episode grid rows', () => {
  it('one row per season, episodes in order, available counted', () => {
    const rows = seasonRows([episode(2, 2, 'AVAILABLE'), episode(1, 3), episode(1, 1, 'AVAILABLE'), episode(2, 1, 'AVAILABLE'), episode(1, 2, 'IMPORTING')]);
    expect(rows.map((r) => [r.season, r.episodes.map((e) => e.episode), r.available])).toEqual([
      [1, [1, 2, 3], 1],
      [2, [1, 2], 2],
    ]);
    expect(seasonRows([])).toEqual([]);
  });

  it('legend counts in pipeline order', () => {
    const counts = stateCounts([episode(1, 1, 'AVAILABLE'), episode(1, 2, 'DOWNLOADING'), episode(1, 3, 'AVAILABLE'), episode(1, 4, 'ODD')], STATES);
    expect(counts).toEqual([
      { state: 'DOWNLOADING', count: 1 },
      { state: 'AVAILABLE', count: 2 },
      { state: 'ODD', count: 1 },
    ]);
  });
});

describe('virtual grid window', () => {
  const m = { width: 1000, height: 600, rowHeight: 140, minColumnWidth: 320, gap: 12 };

  it('columns follow the width', () => {
    expect(columnsFor(336, 340, 12)).toBe(1);
    expect(columnsFor(1000, 320, 12)).toBe(3);
    expect(columnsFor(0, 320, 12)).toBe(1);
  });

  it('renders only the rows in view plus the overscan', () => {
    const top = gridWindow(10_000, 0, m, 2);
    expect(top.columns).toBe(3);
    expect(top.rows).toBe(3334);
    expect(top.totalHeight).toBe(3334 * 152 - 12);
    expect(top.start).toBe(0);
    // 600 px show rows 0–3; 2 more rows of overscan.
    expect(top.end).toBe(6 * 3);
    const middle = gridWindow(10_000, 152 * 1000, m, 2);
    expect(middle.start).toBe(998 * 3);
    expect(middle.end).toBe(1006 * 3);
    expect(middle.end - middle.start).toBeLessThan(30);
    const bottom = gridWindow(10_000, top.totalHeight - 600, m, 2);
    expect(bottom.end).toBe(10_000);
    expect(gridWindow(0, 0, m)).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
  });

  it('positions items and reveals one that is out of view', () => {
    const w = gridWindow(100, 0, m);
    expect(itemOffset(4, w, m)).toEqual({ x: w.columnWidth + 12, y: 152 });
    expect(scrollToReveal(0, 500, 3, m)).toBe(0);
    expect(scrollToReveal(30, 0, 3, m)).toBe(10 * 152 + 140 - 600);
    expect(scrollToReveal(6, 200, 3, m)).toBe(200);
  });
});

describe('uuid', () => {
  it('is a v4 UUID, also without crypto.randomUUID (plain-http Home Assistant)', () => {
    const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuid()).toMatch(re);
    expect(uuid(null)).toMatch(re);
    expect(new Set(Array.from({ length: 100 }, () => uuid())).size).toBe(100);
  });
});

describe('via: the download client next to the progress', () => {
  it('names the client and its protocol when known, nothing otherwise', () => {
    expect(via('SABnzbd', 'usenet')).toBe('via SABnzbd (usenet)');
    expect(via('qBittorrent', null)).toBe('via qBittorrent');
    expect(via(null, 'torrent')).toBe('via torrent');
    expect(via(null, null)).toBe('');
    expect(via(undefined, undefined)).toBe('');
  });
});

/**
 * The contract shared by the tracker and the panel (src/contract): the facts derived from the
 * state table, topics built and parsed back, service labels, and that it stays free of
 * dependencies (the panel compiles it for the browser).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  isClosed,
  isFinished,
  isPipeline,
  isState,
  OUTCOME_STATES,
  PIPELINE_STATES,
  rank,
  serviceLabel,
  STATE_COLOURS,
  STATE_LABELS,
  STATE_TABLE,
  stateEvent,
  STATES,
  Topics,
} from '../../../src/contract/index.js';

const DIR = fileURLToPath(new URL('../../../src/contract/', import.meta.url));

describe('the state table', () => {
  it('gives every state in pipeline order, then the outcomes, with their labels', () => {
    expect([...PIPELINE_STATES]).toEqual(['REQUESTED', 'APPROVED', 'SEARCHING', 'GRABBING', 'DOWNLOADING', 'DOWNLOADED', 'IMPORTING', 'ANIME_MATCHING', 'PARTIALLY_AVAILABLE', 'AVAILABLE']);
    expect([...OUTCOME_STATES]).toEqual(['FAILED', 'DECLINED', 'DELETED']);
    expect([...STATES]).toEqual([...PIPELINE_STATES, ...OUTCOME_STATES]);
    expect(STATE_LABELS).toMatchObject({ GRABBING: 'Grabbed', ANIME_MATCHING: 'Matching in Shoko', PARTIALLY_AVAILABLE: 'Partially available', DELETED: 'Deleted' });
    expect(Object.keys(STATE_LABELS)).toEqual([...STATES]);
  });

  it('ranks the pipeline by its rows, and only the pipeline', () => {
    expect(PIPELINE_STATES.map(rank)).toEqual(PIPELINE_STATES.map((_, i) => i));
    expect(STATES.filter(isPipeline)).toEqual([...PIPELINE_STATES]);
  });

  it('closes AVAILABLE, DECLINED and DELETED; FAILED is finished but stays open', () => {
    expect(STATES.filter(isClosed)).toEqual(['AVAILABLE', 'DECLINED', 'DELETED']);
    expect(STATES.filter(isFinished)).toEqual(['AVAILABLE', 'FAILED', 'DECLINED', 'DELETED']);
  });

  it('announces each state by its lower-case name, then episodes_available and upgraded', () => {
    expect([...EVENT_TYPES]).toEqual([...STATES.map((s) => s.toLowerCase()), 'episodes_available', 'upgraded']);
    expect(stateEvent('ANIME_MATCHING')).toBe('anime_matching');
  });

  it('gives every state its own colour', () => {
    expect(new Set(Object.values(STATE_COLOURS)).size).toBe(STATE_TABLE.length);
    expect(isState('AVAILABLE')).toBe(true);
    expect(isState('UNAIRED')).toBe(false);
    expect(isState('toString')).toBe(false);
  });
});

describe('topics', () => {
  const t = new Topics('media');

  it('parses back what it builds', () => {
    expect(t.parse(t.state('jellyseerr-1'))).toEqual({ kind: 'state', id: 'jellyseerr-1' });
    expect(t.parse(t.episodes('a'))).toEqual({ kind: 'episodes', id: 'a' });
    expect(t.parse(t.timeline('a'))).toEqual({ kind: 'timeline', id: 'a' });
    expect(t.parse(t.event('a'))).toEqual({ kind: 'event', id: 'a' });
    expect(t.parse(t.response('a'))).toEqual({ kind: 'response', id: 'a' });
    expect(t.parse(t.command('a', 'retry'))).toEqual({ kind: 'command', id: 'a', action: 'retry' });
    expect(t.parseCommand(t.command('a', 'retry'))).toEqual({ id: 'a', action: 'retry' });
    expect(t.parse(t.bridgeState)).toEqual({ kind: 'bridge-state' });
    expect(t.parse(t.bridgeInfo)).toEqual({ kind: 'bridge-info' });
    expect(t.parse(t.bridgeDoctor)).toEqual({ kind: 'bridge-doctor' });
    expect(t.parse(t.bridgeEvent)).toEqual({ kind: 'bridge-other' });
    expect(t.parse(t.bridgeResponse)).toEqual({ kind: 'response', id: 'bridge' });
    expect(t.parse(t.bridgeCommand('doctor'))).toEqual({ kind: 'command', id: 'bridge', action: 'doctor' });
  });

  it('refuses other bases, invalid ids and unknown kinds', () => {
    expect(t.parse('other/a/state')).toBeNull();
    expect(t.parse('media/A B/state')).toBeNull();
    expect(t.parse('media/a/poster')).toBeNull();
    expect(t.parse('media/a/b/c/d')).toBeNull();
    expect(t.parseCommand('media/a/state')).toBeNull();
  });

  it('subscribes the panel to the bridge info first', () => {
    expect(t.listSubscriptions).toEqual(['media/bridge/info', 'media/+/state', 'media/+/response', 'media/bridge/doctor']);
    expect(t.detailSubscriptions('a')).toEqual(['media/a/episodes', 'media/a/timeline']);
  });
});

describe('service labels', () => {
  it('come from the listed integrations, then the core sources, then the id itself', () => {
    const listed = [{ id: 'qbittorrent', label: 'qBittorrent', roles: ['downloads'] }];
    expect(serviceLabel('qbittorrent', listed)).toBe('qBittorrent');
    expect(serviceLabel('reconcile', listed)).toBe('Reconciliation');
    expect(serviceLabel('mqtt')).toBe('MQTT');
    expect(serviceLabel('plex', listed)).toBe('plex');
    expect(serviceLabel('toString')).toBe('toString');
  });
});

describe('the contract', () => {
  it('imports nothing outside its folder', () => {
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(`${DIR}${file}`, 'utf8');
      const specifiers = [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'/g)].map((m) => m[1] ?? m[2]);
      for (const s of specifiers) expect(s, `${file} imports ${s}`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
  });
});

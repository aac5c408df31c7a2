/**
 * Every webhook parser under random and mutated real payloads: it never throws, a rejection
 * lists field errors that name the place the payload was broken, and whatever it accepts goes
 * through the engine (correlate → reduce) without an error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJellyfin } from '../../src/integrations/jellyfin/adapter.js';
import type { ParseResult } from '../../src/adapters/types.js';
import { Engine } from '../../src/engine/index.js';
import { sourceLabel } from '../../src/labels.js';
import { createLogger, setLogLevel } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { bodyMutant, DISCRIMINATOR, fixtures, names, valueMutant, WEBHOOK_SOURCES, type Mutant } from './mutations.js';

setLogLevel('error');
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const anime = { tags: ['anime'], path_patterns: ['/anime/'] };
const ALL = fixtures();

function run(source: string, body: unknown): ParseResult | ReturnType<typeof parseJellyfin> {
  return source === 'jellyfin' ? parseJellyfin(body) : WEBHOOK_SOURCES.get(source)!(body, { anime, instance: 'fuzz' });
}

function wellFormed(result: ReturnType<typeof run>): void {
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) {
    expect(typeof e.path).toBe('string');
    expect(e.path.length).toBeGreaterThan(0);
    expect(e.message.trim().length).toBeGreaterThan(0);
  }
}

async function engine(): Promise<Engine> {
  const { store } = await Store.open({ dir: '/nonexistent-storage-disabled', durable: false });
  return new Engine(store, async () => ({ store, requests: [], replay: [], warnings: [], snapshotSeq: 0 }), { verifyAvailability: false, labelOf: sourceLabel }, createLogger('fuzz'));
}

describe('webhook parsers (fast-check)', () => {
  it('the fixtures themselves are accepted', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(28);
    for (const f of ALL) expect(run(f.source, f.body).ok, f.name).toBe(true);
  });

  it('never throw on arbitrary JSON values, and reject them with named fields', () => {
    for (const source of [...WEBHOOK_SOURCES.keys(), 'jellyfin']) {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          wellFormed(run(source, value));
        }),
        { numRuns: RUNS },
      );
    }
  });

  it('reject a mutated real payload with errors that name the mutated field, and the engine takes whatever they accept', async () => {
    const e = await engine();
    const tally = { rejected: 0, accepted: 0, events: 0 };
    await fc.assert(
      fc.asyncProperty(valueMutant(ALL), async (m: Mutant) => {
        const result = run(m.fixture.source, m.body);
        wellFormed(result);
        const discriminator = String(m.path[0]).toLowerCase() === DISCRIMINATOR[m.fixture.source];
        if (!result.ok) {
          tally.rejected++;
          const off = discriminator ? [] : result.errors.filter((err) => !names(err, m));
          expect(off, `${m.fixture.name}: ${m.what}`).toEqual([]);
          if (discriminator)
            expect(
              result.errors.some((err) => names(err, m)),
              `${m.fixture.name}: ${m.what}: ${JSON.stringify(result.errors)}`,
            ).toBe(true);
          return;
        }
        tally.accepted++;
        if ('events' in result) {
          tally.events += result.events.length;
          await e.ingest(result.events);
        }
      }),
      { numRuns: RUNS * 3 },
    );
    console.log(`parser mutations: ${RUNS * 3} mutated payloads, ${tally.rejected} rejected, ${tally.accepted} accepted (${tally.events} events ingested)`);
    // Descriptive fields are lenient (a wrong type drops them), so many mutations are accepted;
    // those of ids, titles, paths and discriminators are still rejected.
    expect(tally.rejected).toBeGreaterThan(RUNS / 2);
  });

  it('answer a replaced, cut or garbled body without throwing', () => {
    fc.assert(
      fc.property(bodyMutant(ALL), (m: Mutant) => {
        let body: unknown;
        try {
          body = JSON.parse(m.text);
        } catch {
          return; // the route answers 400 "not valid JSON" before any parser (see corpus.test.ts)
        }
        const result = run(m.fixture.source, body);
        wellFormed(result);
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          expect(result.ok, `${m.fixture.name}: ${m.what}`).toBe(false);
          if (!result.ok) expect(result.errors.map((err) => err.path)).toEqual(['(body)']);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

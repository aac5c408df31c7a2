/**
 * 10,000 generated malformed webhooks over real HTTP: mutated real payloads the parsers
 * reject, and bodies replaced, cut or garbled. Every one gets a 400 whose field list is the
 * parser's (each naming a field) or that says the body is not JSON; none gets a 5xx; the
 * store files and the retained MQTT topics are byte-for-byte what they were before.
 *
 * CORPUS_SEED=<n> regenerates a run's corpus; CORPUS_SIZE scales it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { Recorder, requestTopics, SECRET, startTracker, storeBytes, type Harness } from '../helpers/tracker.js';
import { bodyMutant, fixtures, parse, PROTOTYPE_KEYS, valueMutant, withOwnKey, type Mutant } from './mutations.js';

const SIZE = Number(process.env.CORPUS_SIZE ?? 10_000);
const SEED = Number(process.env.CORPUS_SEED ?? 0xc0de_f00d);
const CONCURRENCY = 16;

/** A malformed payload: not JSON at all, or JSON its parser rejects. */
function malformed(m: Mutant): boolean {
  try {
    return !parse(m.fixture.source, JSON.parse(m.text)).ok;
  } catch {
    return true;
  }
}

function corpus(): Mutant[] {
  const list = fixtures();
  const all = fc.oneof({ arbitrary: valueMutant(list), weight: 7 }, { arbitrary: bodyMutant(list), weight: 3 }).filter(malformed);
  return fc.sample(all, { numRuns: SIZE, seed: SEED });
}

let h: Harness;
let rec: Recorder;

beforeAll(async () => {
  h = await startTracker();
  rec = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['#']);
});

afterAll(async () => {
  await rec?.close();
  await h?.stop();
});

describe('malformed webhook corpus over HTTP', () => {
  it(`answers each of ${SIZE} malformed payloads with a 400 naming the problem and changes nothing`, async () => {
    // Generated first: an idle keep-alive connection must not go stale while it is built.
    const items = corpus();
    expect(items.length).toBe(SIZE);
    const movie = { requestId: 9, tmdbId: 900, title: 'Nine', year: 2009, radarrId: 9, hash: fakeHash('nine') };
    expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie))).status).toBe(200);
    await rec.untilState('jellyseerr-9', 'APPROVED');
    // The bridge info follows at most once a second: wait for it, so it is not mistaken for a change.
    await rec.until(() => rec.json<{ requests: number }>('media/bridge/info')?.requests === 1, 'media/bridge/info to count the request');
    const storeBefore = await storeBytes(h.dataDir);
    const retainedBefore = requestTopics(rec.latest);
    expect([...retainedBefore.keys()]).toContain('media/jellyseerr-9/state');
    const seqBefore = h.tracker.engine.lastSeq;

    const url = h.tracker.endpoints.webhookUrl;
    const problems: string[] = [];
    const tally = { notJson: 0, fields: 0, byRoute: {} as Record<string, number> };
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < items.length; i = next++) {
        const m = items[i]!;
        const route = `/hooks/${m.fixture.source}`;
        tally.byRoute[route] = (tally.byRoute[route] ?? 0) + 1;
        const where = `#${i} ${m.fixture.name}: ${m.what}`;
        let res: Response;
        try {
          res = await fetch(`${url}${route}`, {
            method: 'POST',
            headers: { 'content-type': i % 5 === 0 ? 'text/plain' : 'application/json', authorization: `Bearer ${SECRET}` },
            body: m.text,
          });
        } catch (err) {
          problems.push(`${where}: no answer (${(err as Error).message}: ${String((err as Error).cause)})`);
          continue;
        }
        const answer = (await res.json()) as { error?: string; fields?: Array<{ path: string; message: string }> };
        if (res.status !== 400) {
          problems.push(`${where}: HTTP ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
          continue;
        }
        let body: unknown;
        try {
          body = JSON.parse(m.text);
        } catch {
          tally.notJson++;
          if (!/not valid JSON|empty body/.test(answer.error ?? '')) problems.push(`${where}: ${JSON.stringify(answer)}`);
          continue;
        }
        tally.fields++;
        const expected = parse(m.fixture.source, body);
        const fields = answer.fields ?? [];
        if (expected.ok || JSON.stringify(fields) !== JSON.stringify(expected.errors)) problems.push(`${where}: answered ${JSON.stringify(fields)}, parser says ${JSON.stringify(expected)}`);
        else if (fields.length === 0 || fields.some((f) => !f.path || !f.message)) problems.push(`${where}: a field error without a path or message: ${JSON.stringify(fields)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));

    expect(problems.slice(0, 20), `${problems.length} problems (seed ${SEED})`).toEqual([]);
    expect(h.tracker.engine.lastSeq).toBe(seqBefore);
    expect(await storeBytes(h.dataDir)).toBe(storeBefore);
    // A retained publish would have reached the recorder long before the last answer.
    expect(requestTopics(rec.latest)).toEqual(retainedBefore);
    console.log(
      `malformed corpus (seed ${SEED}): ${SIZE} payloads (${Object.entries(tally.byRoute)
        .map(([r, n]) => `${r} ${n}`)
        .join(', ')}), ` + `${tally.fields} rejected with field errors, ${tally.notJson} not JSON; 400 for all, 5xx 0, store and retained topics unchanged`,
    );
  }, 240_000);

  it('answers routes named after prototype keys with 404, and takes them as field names like any other key', async () => {
    const url = h.tracker.endpoints.webhookUrl;
    const post = (route: string, text: string) => fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` }, body: text });
    const problems: string[] = [];
    const list = fixtures();
    for (const key of PROTOTYPE_KEYS) {
      for (const route of [`/hooks/${key}`, `/hooks/${key}/radarr`, `/hooks/radarr/${key}`]) {
        const res = await post(route, JSON.stringify(list[0]!.body));
        const expected = route.startsWith('/hooks/radarr/') ? [200, 400] : [404];
        if (!expected.includes(res.status)) problems.push(`${route}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      }
      for (const f of list) {
        const text = withOwnKey(f.body, key, { polluted: true, eventType: 'Grab', notification_type: 'MEDIA_PENDING' });
        const res = await post(`/hooks/${f.source}`, text);
        // This tracker runs without the Jellyfin watcher: a valid Jellyfin body gets the 503 naming it.
        const want = parse(f.source, JSON.parse(text)).ok ? (f.source === 'jellyfin' ? 503 : 200) : 400;
        if (res.status !== want) problems.push(`${f.name} with an own "${key}": HTTP ${res.status} (the parser says ${want}) ${(await res.text()).slice(0, 200)}`);
      }
    }
    expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const topic of rec.latest.keys()) expect(topic).not.toMatch(/proto|constructor|undefined|\[object/);
  });
});

/**
 * Summarises a `.cpuprofile` (from `npm run bench -- --profile`): self time by function
 * and by file/package, and inclusive time of a few entry points.
 *
 *   node dist-bench/bench/profile.js <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  hitCount?: number;
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  // The compiled tree (dist-bench/: src/, bench/, test/) names a file by its source path.
  const built = url.indexOf('/dist-bench/');
  if (built >= 0) return url.slice(built + '/dist-bench/'.length);
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

const CATEGORIES: Array<[RegExp, string]> = [
  [/^bench\//, 'bench instrumentation'],
  [
    /^src\/http\/|^express$|^router$|^body-parser$|^raw-body$|^finalhandler$|^send$|^on-finished$|^type-is$|^content-type$|^iconv-lite$|^statuses$|^http-errors$|^depd$|^parseurl$|^path-to-regexp$|^media-typer$|^mime-types$|^accepts$|^negotiator$|^vary$|^encodeurl$|^escape-html$|^qs$|^cookie$|^content-disposition$|^etag$|^fresh$|^range-parser$|^proxy-addr$|^forwarded$|^merge-descriptors$|^node:_http|^node:http|^node:net|^node:internal\/streams|^node:internal\/stream_base_commons|^node:internal\/http|^node:stream|^node:url|^node:internal\/url/,
    'HTTP: node:http + Express + body parsing + response',
  ],
  [/^src\/adapters\/|^zod$/, 'adapters: zod validation + parsing'],
  [/^src\/domain\/|^src\/engine\.js/, 'engine: correlate + reduce + index'],
  [
    /^src\/publisher\.js|^src\/mqtt\/|^aedes|^mqemitter|^mqtt-packet$|^fastfall$|^fastparallel$|^fastseries$|^reusify$|^qlobber|^hyperid$|^uuid-parse$|^retimer$|^end-of-stream$|^duplexify$|^bl$/,
    'MQTT: publisher + bus + aedes',
  ],
  [/^src\/store\//, 'store: journal append'],
  [/^src\/log\.js|^src\/app\.js/, 'app glue'],
  [/^node:internal\/process|^node:internal\/timers|^node:events|^node:internal\/async_hooks|^node:timers/, 'node internals: ticks, timers, events'],
];

function category(w: string): string {
  for (const [re, name] of CATEGORIES) if (re.test(w)) return name;
  return `other: ${w}`;
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node dist-bench/bench/profile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (const [i, id] of p.samples.entries()) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const catBy = new Map<string, number>();
  for (const [id, us] of self) {
    const leaf = byId.get(id)!;
    let cat: string;
    if (leaf.callFrame.functionName === '(idle)') continue;
    else if (leaf.callFrame.functionName === '(garbage collector)') cat = 'GC';
    else if (leaf.callFrame.functionName === '(program)') cat = 'V8 / native (program)';
    else {
      // The innermost frame with a script decides: a native (JSON.stringify, writev) is
      // charged to the JavaScript that called it.
      let cur: number | undefined = id;
      while (cur !== undefined && !byId.get(cur)!.callFrame.url) cur = parent.get(cur);
      cat = cur === undefined ? 'V8 / native (program)' : category(where(byId.get(cur)!.callFrame.url));
    }
    catBy.set(cat, (catBy.get(cat) ?? 0) + us);
  }
  const busy = [...catBy.values()].reduce((a, b) => a + b, 0);

  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const fileBy = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + us);
    const w = n.callFrame.url ? where(n.callFrame.url) : n.callFrame.functionName || '(native)';
    fileBy.set(w, (fileBy.get(w) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  const show = (title: string, m: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle`);
  console.log('\nNot-idle time by category (natives charged to their JavaScript caller)');
  for (const [k, us] of [...catBy].sort((a, b) => b[1] - a[1])) console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  show('Self time by function', selfBy, top);
  show('Self time by file / package', fileBy, top);
  show('Inclusive time (bench, src and selected entry points)', new Map([...incl].filter(([k]) => /(^|\s)(src|bench)\/|express|aedes|body-parser|raw-body/.test(k))), top);
}

main();

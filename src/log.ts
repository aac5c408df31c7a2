/**
 * A small levelled logger. Every configured secret is registered here and replaced by
 * `***` in every line (and, through `redact`, in every MQTT payload and HTTP answer), so API
 * keys and passwords never reach an output, whatever the caller wrote or encoded.
 */
export type Level = 'debug' | 'info' | 'warning' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warning: 30, error: 40 };

/** Every registered secret, each with the forms it takes on the wire; longest first. */
const secrets = new Set<string>();
let forms: string[] = [];

/** `%2f` next to `%2F`: encoders differ in the case of their hex digits. */
function withLowerHex(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
}

/**
 * The parts of base64 text that encode `secret` wherever it starts in the encoded bytes (three
 * byte alignments; standard and URL alphabets). This also finds the secret inside an encoded
 * longer text such as `user:secret` in HTTP Basic auth, whatever the user name.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Only the characters made of the secret's bits alone, not of the padding before or after.
    const core = encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Raw, URL-encoded (path, component and form encodings), JSON-escaped and base64. */
export function secretForms(secret: string): string[] {
  const encoded = [encodeURIComponent(secret), encodeURI(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
  const all = [secret, JSON.stringify(secret).slice(1, -1), ...encoded, ...encoded.map(withLowerHex)];
  // Short secrets have short base64 cores that could match unrelated text.
  if (secret.length >= 8) all.push(...base64Cores(secret));
  return [...new Set(all)].filter((f) => f.length >= 4);
}

/** Secrets shorter than 4 characters would redact ordinary words; they are still hidden from payloads by design. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4 || secrets.has(value)) return;
  secrets.add(value);
  forms = [...new Set([...forms, ...secretForms(value)])].sort((a, b) => b.length - a.length);
}

/**
 * The one redactor: every log line, MQTT payload, HTTP answer and error text that leaves the
 * tracker goes through it. Each registered secret is replaced by `***` in every form above.
 */
export function redact(text: string): string {
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join('***');
  return out;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warning(msg: string): void;
  error(msg: string): void;
  child(namespace: string): Logger;
}

export type LogSink = (level: Level, line: string) => void;

const defaultSink: LogSink = (level, line) => {
  (level === 'error' || level === 'warning' ? process.stderr : process.stdout).write(`${line}\n`);
};

let threshold: Level = 'info';
let sink: LogSink = defaultSink;

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** Tests capture every line to check that no secret leaks. */
export function setLogSink(next: LogSink | null): void {
  sink = next ?? defaultSink;
}

export function createLogger(namespace = 'tracker'): Logger {
  const write = (level: Level, msg: string): void => {
    if (ORDER[level] < ORDER[threshold]) return;
    sink(level, redact(`${new Date().toISOString()} ${level.toUpperCase().padEnd(7)} [${namespace}] ${msg}`));
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warning: (m) => write('warning', m),
    error: (m) => write('error', m),
    child: (ns) => createLogger(`${namespace}:${ns}`),
  };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

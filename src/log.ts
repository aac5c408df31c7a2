/**
 * A small levelled logger. Every configured secret is registered here and replaced by
 * `***` in every line, so API keys and passwords never reach a log, whatever the caller wrote.
 */
export type Level = 'debug' | 'info' | 'warning' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warning: 30, error: 40 };

const secrets = new Set<string>();

/** Secrets shorter than 4 characters would redact ordinary words; they are still hidden from payloads by design. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warning(msg: string): void;
  error(msg: string): void;
  child(namespace: string): Logger;
}

export interface LogSink {
  (level: Level, line: string): void;
}

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

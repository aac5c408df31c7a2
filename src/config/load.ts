/** Finds, reads and validates the options; an invalid value stops start-up with exit code 2. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { describeIssues as describeWith } from './issues.js';
import { optionsSchema, type Options } from './schema.js';

export const ADDON_OPTIONS_PATH = '/data/options.json';

export class ConfigError extends Error {
  readonly exitCode = 2;
}

export interface OptionsSource {
  path: string | null;
  options: Options;
}

/** `/data/options.json` (add-on), else `$MEDIA_TRACKER_OPTIONS`, else defaults. */
export function loadOptions(env: NodeJS.ProcessEnv = process.env, addonPath = ADDON_OPTIONS_PATH): OptionsSource {
  const path = existsSync(addonPath) ? addonPath : env.MEDIA_TRACKER_OPTIONS || null;
  if (path === null) return { path: null, options: parseOptions({}) };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read options from ${path}: ${(err as Error).message}`);
  }
  return { path, options: parseOptions(path === addonPath ? withAddonDefaults(raw, addonPath) : raw, path) };
}

/**
 * As an add-on, state belongs in `/data` (private to the add-on and in its backups), not in the
 * working directory: `data_dir` is not an add-on option, so the Supervisor never writes it.
 */
function withAddonDefaults(raw: unknown, addonPath: string): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || 'data_dir' in raw) return raw;
  return { ...raw, data_dir: dirname(addonPath) };
}

/** For the command lines: the options, or their problem on stderr and the exit code it carries. */
export function loadOptionsOrExit(): OptionsSource {
  try {
    return loadOptions();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? err.exitCode : 1);
  }
}

export function parseOptions(raw: unknown, origin = 'options'): Options {
  const result = optionsSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid ${origin}:\n${describeIssues(result.error)}`);
}

/** One line per problem, unknown keys naming the keys the options accept there. */
export function describeIssues(error: z.ZodError, schema: z.ZodType = optionsSchema): string {
  return describeWith(error, schema);
}

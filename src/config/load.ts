/** Finds, reads and validates the options; an invalid value stops start-up with exit code 2. */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
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
  return { path, options: parseOptions(raw, path) };
}

export function parseOptions(raw: unknown, origin = 'options'): Options {
  const result = optionsSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid ${origin}:\n${describeIssues(result.error)}`);
}

/** One line per problem: `- mqtt.port: expected an integer from 0 to 65535 (got "abc")`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') {
        return `- ${issue.path.length ? `${path}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      return `- ${path}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * One doctor run: every configured integration checked in parallel, reported in a fixed
 * order (the registry's, then the broker and the store). A service that is not configured
 * gets a single `skipped` line, so the report says what is missing rather than staying silent
 * about it.
 */
import type { Options } from '../config/schema.js';
import type { LibraryPlugins } from '../integrations/capabilities.js';
import { configuredIn, directClients, REGISTRY, sliceOf, type Registry } from '../integrations/registry.js';
import type { DoctorContext, Integration } from '../integrations/types.js';
import { errorMessage } from '../log.js';
import type { DoctorEnv } from './env.js';
import { checkStore } from './store.js';
import { CORE_SUBJECTS, makeCheck, type DoctorCheck, type DoctorReport, type Subject } from './types.js';

/** The subjects with something to check under these options: the configured integrations, then MQTT and the store. */
export function configuredIntegrations(o: Options, registry: Registry = REGISTRY): Array<{ integration: string; label: string }> {
  return [...configuredIn(o, registry).map((d) => ({ integration: d.id, label: d.label })), ...Object.entries(CORE_SUBJECTS).map(([integration, label]) => ({ integration, label }))];
}

/** A check that throws is a bug, not a verdict on the service: still report it. */
async function guarded(s: Subject, run: () => Promise<DoctorCheck[]> | DoctorCheck[]): Promise<DoctorCheck[]> {
  try {
    return await run();
  } catch (err) {
    return [makeCheck(s, 'reachable', 'error', 'The check itself failed', errorMessage(err))];
  }
}

export async function runDoctor(env: DoctorEnv): Promise<DoctorReport> {
  const o = env.options;
  const registry: Registry = env.registry ?? REGISTRY;
  const configured = new Set(configuredIn(o, registry));
  // Another integration's settings kept in the library (Shokofin's mapping lives in Jellyfin).
  let libraryPlugins: LibraryPlugins | null = null;
  for (const d of configured) libraryPlugins ??= d.inspect?.(sliceOf(o, d), env.timeoutMs).libraryPlugins ?? null;
  const direct = directClients(o, registry);
  const context = (d: Integration): DoctorContext => ({
    subject: (instance) => ({ integration: d.id, instance, label: d.label }),
    base: env.base,
    secret: env.secret,
    events: env.events,
    forward: env.forward,
    clock: env.clock,
    ...(env.timeoutMs !== undefined ? { timeoutMs: env.timeoutMs } : {}),
    intervals: o.intervals,
    running: env.running?.(d.id) ?? null,
    libraryPlugins,
    directClients: direct,
  });
  const groups: Array<Promise<DoctorCheck[]>> = registry.map((d) => {
    const s = { integration: d.id, instance: null, label: d.label };
    if (!configured.has(d)) return Promise.resolve([makeCheck(s, 'reachable', 'skipped', 'Not configured')]);
    return guarded(s, () => d.doctor?.(sliceOf(o, d), context(d)) ?? []);
  });
  groups.push(guarded({ integration: 'mqtt', instance: null }, () => env.broker()));
  groups.push(guarded({ integration: 'store', instance: null }, () => checkStore(env)));
  const checks = (await Promise.all(groups)).flat();
  return { checked_at: env.clock().toISOString(), ok: !checks.some((c) => c.status === 'error'), checks };
}

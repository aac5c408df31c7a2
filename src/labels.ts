/**
 * How each source is named to people (timeline reasons, "Grabbed by Sonarr: …"): the
 * integrations' own labels, then the tracker's core sources. The domain receives this lookup
 * through the engine.
 */
import { serviceLabel } from './contract/index.js';
import { integrationInfo, REGISTRY, type Registry } from './integrations/registry.js';

export function sourceLabels(registry: Registry = REGISTRY): (source: string) => string {
  const integrations = integrationInfo(registry);
  return (source) => serviceLabel(source, integrations);
}

export const sourceLabel = sourceLabels();

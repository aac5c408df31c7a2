/** Sonarr, the TV PVR: Servarr's shared integration (integrations/arr) with Sonarr's webhook parser. */
import { ARR_LABEL } from '../arr/adapter.js';
import { arrIntegration } from '../arr/integration.js';
import { parseSonarr } from './adapter.js';

export const sonarr = arrIntegration({ id: 'sonarr', label: ARR_LABEL.sonarr, media: 'tv', parse: parseSonarr });

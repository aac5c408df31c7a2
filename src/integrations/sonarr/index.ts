/** Sonarr, the TV PVR: Servarr's shared integration (integrations/arr) with Sonarr's webhook parser. */
import { arrIntegration } from '../arr/integration.js';
import { parseSonarr } from './adapter.js';

export const sonarr = arrIntegration({ id: 'sonarr', label: 'Sonarr', media: 'tv', parse: parseSonarr });

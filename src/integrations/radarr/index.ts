/** Radarr, the movie PVR: Servarr's shared integration (integrations/arr) with Radarr's webhook parser. */
import { arrIntegration } from '../arr/integration.js';
import { parseRadarr } from './adapter.js';

export const radarr = arrIntegration({ id: 'radarr', label: 'Radarr', media: 'movie', parse: parseRadarr });

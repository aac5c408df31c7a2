/**
 * Radarr, the movie PVR: Servarr's shared integration (integrations/arr) with Radarr's webhook parser.
 * Its movie pages take the TMDB id as their slug.
 */
import { ARR_LABEL } from '../arr/adapter.js';
import { arrIntegration } from '../arr/integration.js';
import { parseRadarr } from './adapter.js';

export const radarr = arrIntegration({ id: 'radarr', label: ARR_LABEL.radarr, media: 'movie', parse: parseRadarr, links: { movie: '{ui}/movie/{tmdb_id}' } });

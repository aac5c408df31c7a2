/**
 * Sonarr, the TV PVR: Servarr's shared integration (integrations/arr) with Sonarr's webhook parser.
 * Its series pages use a title slug the tracker does not keep: the link is its search for the TVDB id.
 */
import { ARR_LABEL } from '../arr/adapter.js';
import { arrIntegration } from '../arr/integration.js';
import { parseSonarr } from './adapter.js';

export const sonarr = arrIntegration({ id: 'sonarr', label: ARR_LABEL.sonarr, media: 'tv', parse: parseSonarr, links: { tv: '{ui}/add/new?term=tvdb%3A{tvdb_id}' } });

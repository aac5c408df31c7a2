/** The options of NZBGet: a list of instances (`nzbget: [...]`). */
import { z } from 'zod';
import { instanceName, requiredUrl } from '../../config/fields.js';

const nzbInstance = z
  .object({
    name: instanceName,
    /** `http://nzbget:6789` (a path prefix behind a reverse proxy is kept; `/jsonrpc` is added). */
    url: requiredUrl,
    /** Settings → Security → ControlUsername (NZBGet's default is `nzbget`). */
    username: z.string().default('nzbget'),
    /** Settings → Security → ControlPassword (empty when NZBGet's login is off). */
    password: z.string().default(''),
  })
  .strict();

export const nzbgetSlice = z.array(nzbInstance).default([]);

export type NzbInstance = z.output<typeof nzbInstance>;

/** The options of SABnzbd: a list of instances (`sabnzbd: [...]`). */
import { z } from 'zod';
import { instanceName, requiredUrl } from '../../config/fields.js';

const sabInstance = z
  .object({
    name: instanceName,
    /** `http://sabnzbd:8080` (a path prefix such as `/sabnzbd` is kept; `/api` is added). */
    url: requiredUrl,
    /** Config → General → Security → API Key (the NZB key only adds jobs: it cannot read the queue). */
    api_key: z.string().min(1, 'required'),
  })
  .strict();

export const sabnzbdSlice = z.array(sabInstance).default([]);

export type SabInstance = z.output<typeof sabInstance>;

/** The options of Sonarr and Radarr: a list of instances each (`sonarr: [...]`, `radarr: [...]`). */
import { z } from 'zod';
import { instanceName, requiredUrl } from '../../config/fields.js';

const arrInstance = z
  .object({
    name: instanceName,
    url: requiredUrl,
    api_key: z.string().min(1, 'required'),
    /** A 4K instance (its events only reach 4K requests); unset: Jellyseerr's server settings decide. */
    is_4k: z.boolean().optional(),
  })
  .strict();

export const arrSlice = z.array(arrInstance).default([]);

export type ArrInstanceOptions = z.output<typeof arrInstance>;

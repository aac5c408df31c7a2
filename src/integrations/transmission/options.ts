/** The options of Transmission: a list of instances (`transmission: [...]`). */
import { z } from 'zod';
import { instanceName, requiredUrl } from '../../config/fields.js';

const trInstance = z
  .object({
    name: instanceName,
    /** The RPC endpoint's base: `http://host:9091` (the `/transmission/rpc` path is added) or the full RPC URL. */
    url: requiredUrl,
    username: z.string().default(''),
    password: z.string().default(''),
  })
  .strict();

export const transmissionSlice = z.array(trInstance).default([]);

export type TrInstance = z.output<typeof trInstance>;

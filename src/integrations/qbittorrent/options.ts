/** The options of qBittorrent: a list of instances (`qbittorrent: [...]`). */
import { z } from 'zod';
import { instanceName, requiredUrl } from '../../config/fields.js';

const qbInstance = z
  .object({
    name: instanceName,
    url: requiredUrl,
    username: z.string().default(''),
    password: z.string().default(''),
  })
  .strict();

export const qbittorrentSlice = z.array(qbInstance).default([]);

export type QbInstance = z.output<typeof qbInstance>;

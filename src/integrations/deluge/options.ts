/** The options of Deluge: a list of Web UIs (`deluge: [...]`). */
import { z } from 'zod';
import { instanceName, requiredUrl } from '../../config/fields.js';

const delugeInstance = z
  .object({
    name: instanceName,
    /** The Web UI: `http://deluge:8112` (a reverse proxy's path prefix is kept; `/json` is added). */
    url: requiredUrl,
    /** The Web UI password (Deluge's default is `deluge`); the daemon login stays in Deluge's host list. */
    password: z.string().min(1, 'required (the Deluge Web UI password)'),
  })
  .strict();

export const delugeSlice = z.array(delugeInstance).default([]);

export type DelugeInstance = z.output<typeof delugeInstance>;

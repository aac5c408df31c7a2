/**
 * HTTP listeners with limits: a peer that opens connections and sends nothing (or sends
 * slowly) is cut off after a few seconds, idle keep-alive connections after 30 s, and each
 * listener holds a bounded number of connections, so a flood of idle sockets cannot use up
 * the process's file descriptors and block real webhooks. A stop destroys every socket,
 * upgraded ones included, so nothing holds the process up.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestListener } from 'node:http';

export interface ListenerLimits {
  /** Time for a new connection to send a complete request head. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  /** A connection without any traffic for this long is closed. */
  idleTimeoutMs: number;
  /** Connections beyond this are closed as they arrive. */
  maxConnections: number;
}

export const LISTENER_LIMITS: ListenerLimits = { headersTimeoutMs: 5_000, requestTimeoutMs: 30_000, idleTimeoutMs: 30_000, maxConnections: 256 };

const sockets = new WeakMap<Server, Set<Socket>>();

export function serve(app: RequestListener, port: number, host: string, limits: ListenerLimits = LISTENER_LIMITS): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: Math.min(5_000, limits.idleTimeoutMs),
      // How often the two timeouts above are checked (Node's default, 30 s, would let a silent socket live that long).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    app,
  );
  // Idle sockets are destroyed by the server's default 'timeout' handling; ws clears the
  // timeout of a socket it upgrades (the panel's MQTT keepalive is longer than this).
  server.setTimeout(limits.idleTimeoutMs);
  server.maxConnections = limits.maxConnections;
  const open = new Set<Socket>();
  sockets.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve(server));
    server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host);
  });
}

/** Stops listening and destroys every connection, including upgraded and half-sent ones. */
export function closeServer(server: Server | null): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
    for (const s of sockets.get(server) ?? []) s.destroy();
  });
}

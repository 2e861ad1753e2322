import { createServer } from 'node:net';
import { expected } from '../errors.js';
import { TemporaryClusterError } from './temporary-cluster-error.js';

/** Ports tried by {@link findFreePort}: below Linux's ephemeral range (32768+), above the usual services. */
export const PORT_RANGE = { from: 20_000, to: 32_000 } as const;

export interface FindFreePortOptions {
  /** Addresses that must all be free on the port. Default: 127.0.0.1 and ::1 (when the machine has IPv6). */
  hosts?: readonly string[];
  /** Ports not to return (e.g. ones that already failed). */
  exclude?: ReadonlySet<number>;
  /** How many random ports to try. Default 50. */
  attempts?: number;
}

/**
 * A TCP port that nothing listens on right now, found by binding to it (PostgreSQL refuses
 * `-p 0`, so the port must be chosen before the server starts). Random within {@link PORT_RANGE}
 * so that parallel workers rarely pick the same one; another process can still take it before
 * the server binds, so a caller retries on "address in use".
 */
export async function findFreePort(options: FindFreePortOptions = {}): Promise<number> {
  const { hosts = ['127.0.0.1', '::1'], exclude = new Set<number>(), attempts = 50 } = options;
  if (!Number.isInteger(attempts) || attempts < 1) throw expected('attempts', 'a positive integer', attempts);
  for (let i = 0; i < attempts; i++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (exclude.has(port)) continue;
    if (await isPortFree(port, hosts)) return port;
  }
  throw new TemporaryClusterError('NO_FREE_PORT', `No free TCP port found in ${PORT_RANGE.from}-${PORT_RANGE.to} after ${attempts} attempts`);
}

/** True when a listening socket can be bound to `port` on each host (an address the machine lacks is skipped). */
export async function isPortFree(port: number, hosts: readonly string[] = ['127.0.0.1', '::1']): Promise<boolean> {
  for (const host of hosts) {
    const outcome = await tryBind(port, host);
    if (outcome === 'in-use') return false;
  }
  return true;
}

function tryBind(port: number, host: string): Promise<'free' | 'in-use' | 'no-address'> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT' ? 'no-address' : 'in-use');
    });
    // exclusive: do not share the handle with cluster workers; a plain bind test.
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve('free'));
    });
  });
}

import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * Whether a PostgreSQL server answers at `host` (a socket directory or a TCP host) and `port`, as
 * `pg_isready` asks it, without credentials: an SSLRequest packet, to which every postmaster
 * answers with one byte (`S` or `N`), also while it starts, recovers or shuts down. A refused
 * or failed connection, no socket file, or no answer within `timeout` milliseconds: false.
 */
export async function serverAnswers(host: string, port: number, timeout = 2_000): Promise<boolean> {
  const target = host.startsWith('/') ? { path: join(host, `.s.PGSQL.${port}`) } : { host, port };
  return new Promise<boolean>((resolve) => {
    const socket = connect(target);
    let settled = false;
    const finish = (answer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeout);
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => {
      const packet = Buffer.alloc(8);
      packet.writeInt32BE(8, 0);
      packet.writeInt32BE(80877103, 4); // SSLRequest
      socket.write(packet);
    });
    socket.once('data', (data) => finish(data.length > 0 && (data[0] === 0x53 || data[0] === 0x4e || data[0] === 0x45)));
  });
}

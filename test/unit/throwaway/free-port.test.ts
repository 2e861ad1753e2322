import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, isPortFree, PORT_RANGE } from '../../../src/throwaway/free-port.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    servers.push(server);
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
}

describe('findFreePort', () => {
  it('returns a port in range that can be bound', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThanOrEqual(PORT_RANGE.from);
    expect(port).toBeLessThan(PORT_RANGE.to);
    await listen(port);
  });

  it('sees a port that is taken as not free', async () => {
    const port = await findFreePort();
    expect(await isPortFree(port)).toBe(true);
    await listen(port);
    expect(await isPortFree(port)).toBe(false);
  });

  it('gives up with NO_FREE_PORT when every try is excluded', async () => {
    const exclude = new Set(Array.from({ length: PORT_RANGE.to - PORT_RANGE.from }, (_, i) => PORT_RANGE.from + i));
    await expect(findFreePort({ exclude, attempts: 3 })).rejects.toMatchObject({ code: 'NO_FREE_PORT' });
  });
});

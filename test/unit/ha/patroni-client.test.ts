// The REST client's mapping of HTTP answers to typed errors, against a local HTTP server that
// answers as Patroni 3.0.2 does (the real refusal is tested on a real cluster in test/ha).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatroniApiError, PatroniClient } from '../../../src/ha/index.js';

let server: Server;
let url: string;
const seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, body });
      if (request.url === '/cluster') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ members: [{ name: 'pg1', role: 'leader', state: 'running', timeline: 1 }] }));
      } else if (request.url === '/switchover' && request.headers.authorization === undefined) {
        response.writeHead(401).end('no auth header received');
      } else if (request.url === '/switchover') {
        response.writeHead(412).end('candidate name does not match with sync_standby');
      } else {
        response.writeHead(503).end('Failover failed');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('PatroniClient', () => {
  it('reads GET /cluster and sends Basic authentication', async () => {
    const client = new PatroniClient({ url, auth: { username: 'patroni', password: 'pw' } });
    expect((await client.cluster()).members[0]).toMatchObject({ name: 'pg1', role: 'leader' });
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('patroni:pw').toString('base64')}`);
  });

  it("maps HTTP 412 to PATRONI_PRECONDITION_FAILED with Patroni's message, 401 to PATRONI_UNAUTHORIZED, others to PATRONI_REQUEST_FAILED", async () => {
    const authed = new PatroniClient({ url, auth: { username: 'patroni', password: 'pw' } });
    const refused = await authed.switchover({ leader: 'pg1', candidate: 'pg3' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PatroniApiError);
    expect(refused).toMatchObject({ code: 'PATRONI_PRECONDITION_FAILED', status: 412, request: 'POST /switchover', body: 'candidate name does not match with sync_standby' });
    expect((refused as Error).message).toBe('Patroni refused POST /switchover (HTTP 412): candidate name does not match with sync_standby');
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ leader: 'pg1', candidate: 'pg3' });
    await expect(new PatroniClient({ url }).switchover({ leader: 'pg1' })).rejects.toMatchObject({ code: 'PATRONI_UNAUTHORIZED', status: 401 });
    await expect(authed.failover({ candidate: 'pg2' })).rejects.toMatchObject({ code: 'PATRONI_REQUEST_FAILED', status: 503, body: 'Failover failed' });
  });

  it('an API nobody answers is PATRONI_UNREACHABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(new PatroniClient({ url: `http://127.0.0.1:${port}` }).cluster()).rejects.toMatchObject({ code: 'PATRONI_UNREACHABLE', status: null });
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { safePost } from '../../src/webhooks/safe-request.js';

/*
 * Keep-alive per resolved address (issue 13, delivery speed): deliveries to one endpoint reuse
 * their connections instead of opening one each, and a socket is reused only for the address it
 * was opened to — every delivery still resolves the name and checks what it resolved to, and a
 * name that now resolves elsewhere gets a connection of its own there.
 */
describe('webhook connections kept alive per resolved address', () => {
  const servers: http.Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  async function server(host: string, port = 0): Promise<{ port: number; connections: () => number; requests: () => number }> {
    let connections = 0;
    let requests = 0;
    const made = http.createServer((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    made.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => made.listen(port, host, resolve));
    servers.push(made);
    return { port: (made.address() as AddressInfo).port, connections: () => connections, requests: () => requests };
  }

  it('reuses one connection for deliveries in turn to the same address, and opens a new one when the name resolves elsewhere', async () => {
    const first = await server('127.0.0.1');
    const second = await server('127.0.0.2', first.port);
    let address = '127.0.0.1';
    const post = (allowPrivate = true) =>
      safePost({ url: `http://hooks.example.test:${first.port}/hook`, headers: {}, body: '{}', timeoutMs: 5_000, allowPrivate, resolve: async () => [{ address, family: 4 }] });

    for (let i = 0; i < 5; i += 1) expect(await post()).toMatchObject({ kind: 'answered', status: 204 });
    expect(first.requests()).toBe(5);
    expect(first.connections()).toBe(1);

    address = '127.0.0.2';
    expect(await post()).toMatchObject({ kind: 'answered', status: 204 });
    expect(second.requests()).toBe(1);
    expect(first.requests()).toBe(5);

    // A kept socket never bypasses the check: the address is refused before anything is sent.
    address = '127.0.0.1';
    expect(await post(false)).toMatchObject({ kind: 'refused' });
    expect(first.requests()).toBe(5);
  });
});

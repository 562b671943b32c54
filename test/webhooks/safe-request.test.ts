import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { addressRange, refusedAddress, refusedWebhookUrl } from '../../src/webhooks/address-policy.js';
import { RESPONSE_EXCERPT_BYTES, safePost, type Resolve } from '../../src/webhooks/safe-request.js';

/*
 * SSRF protection of webhook delivery (issue 13, item 4): which addresses are refused, and that a
 * refusal holds after DNS resolution and when the receiver redirects.
 */

describe('the address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'], // cloud metadata
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'private (unique local)'], // AWS metadata over IPv6
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'], // documentation
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped: judged as the IPv4 address
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['2002:a00:1::', '6to4'],
  ])('refuses %s (%s)', (address, name) => {
    expect(refusedAddress(address, false)).toContain(`is a ${name} address`);
    expect(refusedAddress(address, true)).toBeNull();
  });

  it.each(['8.8.8.8', '1.1.1.1', '203.0.114.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(addressRange(address)).toBe('unicast');
    expect(refusedAddress(address, false)).toBeNull();
  });

  it.each([
    ['ftp://example.com/hook', 'must be an http or https URL'],
    ['https://user:pass@example.com/hook', 'must not carry a user name or password'],
    ['/hook', 'is not an absolute URL'],
    ['http://127.0.0.1:3000/hook', 'is a loopback address'],
    ['http://[::1]/hook', 'is a loopback address'],
    ['http://localhost:3000/hook', 'is loopback'],
    ['http://api.localhost/hook', 'is loopback'],
    ['http://169.254.169.254/latest/meta-data', 'is a link-local address'],
  ])('refuses the URL %s', (url, reason) => {
    expect(refusedWebhookUrl(url, false)).toContain(reason);
  });

  it('takes public names and addresses, and private ones only when development allows them', () => {
    expect(refusedWebhookUrl('https://hooks.example.com/daikou', false)).toBeNull();
    expect(refusedWebhookUrl('https://8.8.8.8/daikou', false)).toBeNull();
    expect(refusedWebhookUrl('http://localhost:3000/hook', true)).toBeNull();
    expect(refusedWebhookUrl('http://127.0.0.1:3000/hook', true)).toBeNull();
  });
});

describe('safePost', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A local receiver; records what reached it. */
  async function receiver(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<{ port: number; received: { url: string; body: string; headers: http.IncomingHttpHeaders }[] }> {
    const received: { url: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body, headers: request.headers });
        answer(request, response);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, received };
  }

  const post = (url: string, options: { allowPrivate?: boolean; resolve?: Resolve; timeoutMs?: number } = {}) =>
    safePost({ url, headers: { 'webhook-id': 'msg_1' }, body: '{"a":1}', timeoutMs: options.timeoutMs ?? 5_000, allowPrivate: options.allowPrivate ?? false, ...(options.resolve ? { resolve: options.resolve } : {}) });

  it('delivers to a local receiver when private addresses are allowed, with the headers and body, and reports the answer', async () => {
    const hook = await receiver((_request, response) => response.writeHead(204).end());
    const result = await post(`http://127.0.0.1:${hook.port}/hook?x=1`, { allowPrivate: true });
    expect(result).toMatchObject({ kind: 'answered', status: 204, excerpt: '' });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ url: '/hook?x=1', body: '{"a":1}' });
    expect(hook.received[0]!.headers).toMatchObject({ 'webhook-id': 'msg_1', 'content-type': 'application/json', 'user-agent': 'daikou-webhooks/1' });
  });

  it('refuses loopback without sending anything, written as an address or as a name that resolves to it', async () => {
    const hook = await receiver((_request, response) => response.writeHead(200).end());
    expect(await post(`http://127.0.0.1:${hook.port}/hook`)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('loopback') });
    // A public-looking name whose DNS answer is loopback (the classic SSRF): refused after resolution.
    const rebinding: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    expect(await post(`http://hooks.example.com:${hook.port}/hook`, { resolve: rebinding })).toMatchObject({ kind: 'refused', reason: expect.stringContaining('127.0.0.1 is a loopback') });
    // One private address among public ones refuses the name: the client does not pick.
    const mixed: Resolve = async () => [{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.7', family: 4 }];
    expect(await post(`http://hooks.example.com:${hook.port}/hook`, { resolve: mixed })).toMatchObject({ kind: 'refused', reason: expect.stringContaining('10.0.0.7 is a private') });
    const nothing: Resolve = async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    expect(await post('http://nowhere.example/hook', { resolve: nothing })).toMatchObject({ kind: 'refused', reason: 'nowhere.example did not resolve (ENOTFOUND)' });
    expect(hook.received).toHaveLength(0);
  });

  it('connects to the address it checked, not to what the name resolves to later (no second lookup)', async () => {
    const hook = await receiver((_request, response) => response.writeHead(200).end('ok'));
    let lookups = 0;
    const resolve: Resolve = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const result = await post(`http://receiver.test:${hook.port}/hook`, { allowPrivate: true, resolve });
    expect(result).toMatchObject({ kind: 'answered', status: 200, excerpt: 'ok' });
    expect(lookups).toBe(1);
    expect(hook.received[0]!.headers.host).toBe(`receiver.test:${hook.port}`);
  });

  it('does not follow a redirect, even to an allowed address: the 3xx is the answer', async () => {
    const target = await receiver((_request, response) => response.writeHead(200).end());
    const redirecting = await receiver((_request, response) => response.writeHead(302, { location: `http://127.0.0.1:${target.port}/elsewhere` }).end());
    const result = await post(`http://127.0.0.1:${redirecting.port}/hook`, { allowPrivate: true });
    expect(result).toMatchObject({ kind: 'answered', status: 302, location: `http://127.0.0.1:${target.port}/elsewhere` });
    expect(target.received).toHaveLength(0);
  });

  it('gives up at the deadline on a receiver that never answers', async () => {
    const hanging = await receiver(() => undefined);
    const result = await post(`http://127.0.0.1:${hanging.port}/hook`, { allowPrivate: true, timeoutMs: 200 });
    expect(result).toMatchObject({ kind: 'failed', reason: 'no answer within 200 ms' });
    expect(hanging.received).toHaveLength(1);
  });

  it('keeps only the first bytes of a long answer', async () => {
    const chatty = await receiver((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('x'.repeat(1024 * 1024));
    });
    const result = await post(`http://127.0.0.1:${chatty.port}/hook`, { allowPrivate: true });
    expect(result.kind).toBe('answered');
    if (result.kind !== 'answered') return;
    expect(result.status).toBe(500);
    expect(result.excerpt).toBe('x'.repeat(RESPONSE_EXCERPT_BYTES));
  });

  it('reports a refused connection as failed', async () => {
    const closed = await receiver(() => undefined);
    const port = closed.port;
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    expect(await post(`http://127.0.0.1:${port}/hook`, { allowPrivate: true })).toMatchObject({ kind: 'failed', reason: expect.stringContaining('ECONNREFUSED') });
  });
});

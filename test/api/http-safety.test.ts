import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { VERSION } from '../../src/main.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

const CARD = cardNumber('621700', 77);
/** A GB 11643 resident ID with a valid check character. */
const ID_NUMBER = '11010519491231002X';

/** Sends raw bytes on one connection and collects what comes back until the server closes it. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', (error) => (received.length > 0 ? resolve(received) : reject(error)));
  });
}

function problemOf(raw: string): { status: number; contentType: string; body: Record<string, unknown> } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(head.split(' ')[1]);
  const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
  return { status, contentType, body: JSON.parse(body) as Record<string, unknown> };
}

/** SPEC §3, §12, §13 at the HTTP edge: every error is problem+json with a code, nothing personal is echoed. */
for (const engine of ENGINES) {
  describe(`the HTTP edge on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let debitId: string;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      merchant = await createMerchant(t);
      const mandateId = await createMandate(t, merchant.key, CARD);
      const debit = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 100, currency: 'CNY', reference: 'EDGE-1' } });
      expect(debit.status).toBe(201);
      debitId = debit.body.id;
    });
    afterAll(async () => t?.close());

    describe('request ids (item 2)', () => {
      it('a safe client request id is kept and echoed', async () => {
        const response = await t.call('GET', '/v1/debits', { key: merchant.key, headers: { 'x-request-id': 'client-req.42:a' } });
        expect(response.headers.get('x-request-id')).toBe('client-req.42:a');
      });

      it('a client request id holding a card number is masked in the answer and in the logs', async () => {
        const response = await t.call('GET', '/v1/debits', { key: merchant.key, headers: { 'x-request-id': CARD } });
        const echoed = response.headers.get('x-request-id') ?? '';
        expect(echoed).not.toContain(CARD);
        expect(echoed).toMatch(/^621700\*+\d{4}$/);
        expect(t.logs.lines.join('\n')).not.toContain(CARD);
      });

      it('an unsafe client request id is replaced by ours', async () => {
        const junk = `<script>${CARD} x</script>`;
        const response = await t.call('GET', '/v1/debits', { key: merchant.key, headers: { 'x-request-id': junk } });
        const echoed = response.headers.get('x-request-id') ?? '';
        expect(echoed).toMatch(/^[A-Za-z0-9._:-]{1,64}$/);
        expect(echoed).not.toContain('script');
        expect(t.logs.lines.join('\n')).not.toContain(CARD);
      });
    });

    describe('values echoed in errors are masked (item 2)', () => {
      it('a debit id holding a card number is masked in the 404', async () => {
        const response = await t.call('GET', `/v1/debits/${CARD}`, { key: merchant.key });
        expect(response.status).toBe(404);
        expect(response.body.code).toBe('not_found');
        expect(JSON.stringify(response.body)).not.toContain(CARD);
      });

      it.each([
        ['a card number in the description', { description: `pay ${CARD}` }, '/description'],
        ['an ID number in a metadata value', { metadata: { note: `id ${ID_NUMBER}` } }, '/metadata/note'],
        ['a card number in the reference', { reference: `R-${CARD}` }, '/reference'],
      ])('%s is refused with a pointer to it', async (_name, patch, pointer) => {
        const body = { mandate_id: 'mdt_x', amount: 100, currency: 'CNY', reference: 'PD-1', ...patch };
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body });
        expect(response.status).toBe(400);
        expect(response.body.errors).toContainEqual(expect.objectContaining({ pointer, code: 'personal_data_in_free_text' }));
        expect(JSON.stringify(response.body)).not.toContain(CARD);
        expect(JSON.stringify(response.body)).not.toContain(ID_NUMBER);
      });

      it('a card number as a metadata key is refused, and the pointer to it is masked', async () => {
        const body = { mandate_id: 'mdt_x', amount: 100, currency: 'CNY', reference: 'PD-2', metadata: { [CARD]: 'x' } };
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body });
        expect(response.status).toBe(400);
        expect(response.body.errors).toContainEqual(expect.objectContaining({ code: 'personal_data_in_free_text', pointer: expect.stringMatching(/^\/metadata\/621700\*+/) }));
        expect(JSON.stringify(response.body)).not.toContain(CARD);
      });

      it('a card number in a holder name is refused; in account_number it is the point', async () => {
        const response = await t.call('POST', '/v1/mandates', {
          key: merchant.key,
          body: { payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card', holder_name: `张三 ${CARD}` }, agreement_number: 'AGR-PD', signed_at: '2026-01-01' },
        });
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([expect.objectContaining({ pointer: '/payer/holder_name', code: 'personal_data_in_free_text' })]);
      });
    });

    describe('the key before the body (item 5)', () => {
      it('POST /v1/debits with {} and no key is 401, not a list of fields', async () => {
        const response = await fetch(`${t.hub.url}/v1/debits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(response.status).toBe(401);
        expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
      });

      it('a malformed body without a key is 401', async () => {
        const response = await fetch(`${t.hub.url}/v1/mandates`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x' });
        expect(response.status).toBe(401);
      });
    });

    describe('every error is problem+json with a code (item 6)', () => {
      const expectProblem = (response: { status: number; body: any; headers: Headers }, status: number, code: string) => {
        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status, code });
        expect(response.body.type).toMatch(new RegExp(`/${code}$`));
      };

      it('a bad percent-encoding in a path is a 400 problem', async () => {
        const response = await t.call('GET', '/v1/debits/%ZZ', { key: merchant.key });
        expectProblem(response, 400, 'bad_url');
        expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]+$/);
      });

      it('an overlong path id is a 414 problem', async () => {
        expectProblem(await t.call('GET', `/v1/debits/${'x'.repeat(500)}`, { key: merchant.key }), 414, 'uri_too_long');
      });

      it('an unsupported content type is a 415 problem', async () => {
        expectProblem(await t.call('POST', '/v1/debits', { key: merchant.key, body: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
      });

      it('an unknown route and a 401 carry their codes', async () => {
        expectProblem(await t.call('GET', '/v1/nothing'), 404, 'route_not_found');
        expectProblem(await t.call('GET', '/v1/debits', { key: 'wrong' }), 401, 'unauthorized');
      });

      it('headers that are too large are a 431 problem', async () => {
        const raw = await rawExchange(t.hub.url, `GET /v1/debits HTTP/1.1\r\nHost: x\r\nX-Junk: ${'a'.repeat(20_000)}\r\n\r\n`);
        const answer = problemOf(raw);
        expect(answer.status).toBe(431);
        expect(answer.contentType).toMatch(/^application\/problem\+json/);
        expect(answer.body.code).toBe('request_header_fields_too_large');
      });

      it("a request Node's parser refuses is a 400 problem", async () => {
        const answer = problemOf(await rawExchange(t.hub.url, 'GET /v1/debits HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
        expect(answer.status).toBe(400);
        expect(answer.contentType).toMatch(/^application\/problem\+json/);
        expect(answer.body.code).toBe('bad_request');
      });
    });

    describe('contract gaps (item 7)', () => {
      it('created_gte far in the future finds nothing; years past 9999 are refused', async () => {
        const future = await t.call('GET', `/v1/debits?created_gte=${encodeURIComponent('9999-12-30T23:59:59+08:00')}`, { key: merchant.key });
        expect(future.status).toBe(200);
        expect(future.body.data).toEqual([]);
        const beyond = await t.call('GET', `/v1/debits?created_gte=${encodeURIComponent('9999-12-31T23:59:59-23:59')}`, { key: merchant.key });
        expect(beyond.status).toBe(400);
        expect(beyond.body.errors).toContainEqual(expect.objectContaining({ pointer: '/query/created_gte' }));
      });

      it('created_lt compares instants: a bound with an offset includes what is before it', async () => {
        const all = await t.call('GET', `/v1/debits?created_lt=${encodeURIComponent('9999-01-01T00:00:00+14:00')}`, { key: merchant.key });
        expect(all.body.data.map((d: { id: string }) => d.id)).toContain(debitId);
        const none = await t.call('GET', `/v1/debits?created_lt=${encodeURIComponent('1971-01-01T00:00:00-12:00')}`, { key: merchant.key });
        expect(none.body.data).toEqual([]);
      });

      it('a date that does not exist is a 400, not a 500', async () => {
        const response = await t.call('GET', `/v1/debits?created_gte=${encodeURIComponent('2026-02-30T00:00:00Z')}`, { key: merchant.key });
        expect(response.status).toBe(400);
      });

      it('the margin report needs real calendar dates, from ≤ to', async () => {
        const bad = await t.call('GET', '/v1/reports/margin?from=2026-13-45&to=2026-12-31');
        expect(bad.status).toBe(400);
        expect(bad.body.errors).toContainEqual(expect.objectContaining({ pointer: '/query/from' }));
        const reversed = await t.call('GET', '/v1/reports/margin?from=2026-12-31&to=2026-01-01');
        expect(reversed.status).toBe(400);
        expect(reversed.body.errors).toContainEqual(expect.objectContaining({ pointer: '/query/to' }));
        expect((await t.call('GET', '/v1/reports/margin?from=2026-01-01&to=2026-12-31')).status).toBe(200);
      });

      it('debits can be filtered by batch_id', async () => {
        const all = await t.call('GET', '/v1/debits', { key: merchant.key });
        expect(all.body.data.length).toBeGreaterThan(0);
        const response = await t.call('GET', '/v1/debits?batch_id=bat_none', { key: merchant.key });
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual([]);
      });

      it('/metrics needs the operator key', async () => {
        expect((await fetch(`${t.hub.url}/metrics`)).status).toBe(401);
        expect((await t.call('GET', '/metrics', { key: merchant.key })).status).toBe(403);
        expect((await t.call('GET', '/metrics')).status).toBe(200);
      });

      it('the auth scheme is case-insensitive', async () => {
        const response = await fetch(`${t.hub.url}/v1/debits`, { headers: { authorization: `bearer ${merchant.key}` } });
        expect(response.status).toBe(200);
      });

      it('a debit rejected for an unknown mandate_id keeps the mandate_id it was given', async () => {
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: 'mdt_unknown', amount: 100, currency: 'CNY', reference: 'EDGE-UNKNOWN' } });
        expect(response.status).toBe(201);
        expect(response.body).toMatchObject({ status: 'rejected', mandate_id: 'mdt_unknown', failure: { code: 'mandate_not_found' } });
        const again = await t.call('GET', `/v1/debits/${response.body.id}`, { key: merchant.key });
        expect(again.body.mandate_id).toBe('mdt_unknown');
      });
    });
  });
}

/** Slow clients and too many connections (item 5), on a server with small limits. */
describe('slow clients and the connection cap', () => {
  let t: TestHub;
  let server: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    t = await startTestHub('sqlite', { runWorkers: false });
    server = await buildServer({
      ctx: t.hub.ctx,
      operatorKeyFromEnv: t.operatorKey,
      sandbox: null,
      version: VERSION,
      requestTimeoutMs: 300,
      headersTimeoutMs: 300,
      connectionsCheckingIntervalMs: 50,
      maxConnections: 2,
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('a body that trickles in is cut off with a 408 problem', async () => {
    const merchant = await createMerchant(t);
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write(`POST /v1/debits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${merchant.key}\r\nContent-Length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      await eventually(async () => closed, 10_000, 'the server to close the trickling connection');
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    const answer = problemOf(received);
    expect(answer.status).toBe(408);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body.code).toBe('request_timeout');
  });

  it('a connection over the cap is dropped', async () => {
    const { port } = new URL(url);
    const open = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
            socket.on('error', () => undefined);
          }),
      ),
    );
    try {
      const connections = () => new Promise<number>((resolve) => server.server.getConnections((_error, count) => resolve(count)));
      await eventually(async () => (await connections()) === 2, 5_000, 'two open connections');
      const third = await rawExchange(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n').catch(() => '');
      expect(third).toBe('');
    } finally {
      for (const socket of open) socket.destroy();
    }
  });
});

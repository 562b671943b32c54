import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BALANCE_FEN, SandboxControlError } from '../../src/channels/sandbox/index.js';
import {
  ACCOUNT,
  ID_NUMBER,
  OTHER_ACCOUNT,
  type TestSandbox,
  databaseBytes,
  debitBody,
  query,
  request,
  startTestSandbox,
  submit,
} from './harness.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function sandbox(...args: Parameters<typeof startTestSandbox>): Promise<TestSandbox> {
  t = await startTestSandbox(...args);
  return t;
}

describe('sandbox control API: accounts', () => {
  it('shows an unconfigured account with its defaults', async () => {
    const s = await sandbox();
    expect(await s.control.getAccount(ACCOUNT)).toEqual({
      account_number_masked: '622202*********0123',
      balance: DEFAULT_BALANCE_FEN,
      status: 'open',
      account_class: 'I',
      holder_name: null,
      id_number_masked: null,
      received: [],
      received_has_more: false,
    });
  });

  it('upserts: omitted fields keep their value, null clears a name', async () => {
    const s = await sandbox();
    await s.control.putAccount(ACCOUNT, { balance: 5000, holder_name: '张三', id_number: ID_NUMBER });
    const frozen = await s.control.putAccount(ACCOUNT, { status: 'frozen', account_class: 'II' });
    expect(frozen).toMatchObject({
      balance: 5000,
      status: 'frozen',
      account_class: 'II',
      holder_name: '张三',
      id_number_masked: '1****************X',
    });
    const cleared = await s.control.putAccount(ACCOUNT, { holder_name: null, id_number: null });
    expect(cleared).toMatchObject({ balance: 5000, status: 'frozen', holder_name: null, id_number_masked: null });
    expect((await s.control.getAccount(OTHER_ACCOUNT)).balance).toBe(DEFAULT_BALANCE_FEN);
  });
});

describe('sandbox control API: authentication and validation', () => {
  it.each([
    ['no header', null],
    ['a wrong token', 'not-the-token'],
  ] as const)('answers 401 problem+json with %s', async (_label, token) => {
    const s = await sandbox();
    for (const [method, path] of [
      ['GET', `/v1/sandbox/accounts/${ACCOUNT}`],
      ['GET', '/v1/sandbox/faults'],
      ['POST', '/v1/sandbox/clock'],
    ] as const) {
      const answer = await request(s.url, method, path, { token, ...(method === 'POST' ? { body: { advance: 'P1D' } } : {}) });
      expect(answer.status).toBe(401);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toEqual({ type: expect.any(String), title: 'Unauthorized', status: 401, detail: expect.any(String) });
    }
    // The refused clock change did not happen.
    expect(s.sandbox.clock.offsetMs).toBe(0);
  });

  it('refuses an unknown field with a pointer to it', async () => {
    const s = await sandbox();
    const answer = await request(s.url, 'PUT', `/v1/sandbox/accounts/${ACCOUNT}`, { body: { balance: 1, colour: 'red' } });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: 400, detail: expect.any(String) });
    expect(answer.body.errors).toEqual([{ pointer: '/colour', code: 'unknown_field', detail: expect.any(String) }]);
    expect((await s.control.getAccount(ACCOUNT)).balance).toBe(DEFAULT_BALANCE_FEN);
  });

  it.each([
    ['PUT', `/v1/sandbox/accounts/${ACCOUNT}`, { balance: -1 }, '/balance'],
    ['PUT', `/v1/sandbox/accounts/${ACCOUNT}`, { balance: 1.5 }, '/balance'],
    ['PUT', `/v1/sandbox/accounts/${ACCOUNT}`, { status: 'lost' }, '/status'],
    ['PUT', `/v1/sandbox/accounts/${ACCOUNT}`, { account_class: 'IV' }, '/account_class'],
    ['PUT', `/v1/sandbox/accounts/${ACCOUNT}`, { holder_name: '  ' }, '/holder_name'],
    ['POST', '/v1/sandbox/faults', { channel: 'sz-center', mode: 'delay_ms' }, '/delay_ms'],
    ['POST', '/v1/sandbox/faults', { channel: 'sz-center', mode: 'explode' }, '/mode'],
    ['POST', '/v1/sandbox/faults', { channel: 'sz-center', mode: 'drop', rate: 2 }, '/rate'],
    ['POST', '/v1/sandbox/faults', { channel: 'sz-center', mode: 'drop', count: 0 }, '/count'],
    ['POST', '/v1/sandbox/faults', { mode: 'drop' }, '/channel'],
    ['POST', '/v1/sandbox/clock', { advance: 'P1M' }, '/advance'],
    ['POST', '/v1/sandbox/clock', { now: '2017-12-07 09:00' }, '/now'],
    ['POST', '/v1/sandbox/clock', {}, ''],
    ['POST', '/v1/sandbox/clock', { now: '2017-12-07T09:00:00+08:00', advance: 'P1D' }, ''],
  ] as const)('%s %s %o → 400 at %s', async (method, path, body, pointer) => {
    const s = await sandbox();
    const answer = await request(s.url, method, path, { body });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { pointer: string }) => error.pointer)).toContain(pointer);
  });

  it('refuses a malformed account number in the path without echoing it', async () => {
    const s = await sandbox();
    const answer = await request(s.url, 'GET', '/v1/sandbox/accounts/62220212345x');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ parameter: 'account_number', code: 'invalid_value', detail: expect.any(String) }]);
    expect(answer.text).not.toContain('62220212345x');
  });

  it('throws a SandboxControlError that names the endpoint, not the account number', async () => {
    const s = await sandbox();
    const failure = await s.control.putAccount(ACCOUNT, { balance: -5 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SandboxControlError);
    expect((failure as SandboxControlError).status).toBe(400);
    expect((failure as SandboxControlError).problem?.errors?.[0]?.pointer).toBe('/balance');
    expect((failure as Error).message).not.toContain(ACCOUNT);
  });
});

describe('sandbox control API: clock', () => {
  it('sets and advances the clock, in Shanghai time', async () => {
    const s = await sandbox();
    expect(await s.control.setClock({ now: '2017-12-06T20:00:00Z' })).toEqual({
      now: expect.stringMatching(/^2017-12-07T04:00:00\.\d{3}\+08:00$/),
      business_date: '2017-12-07',
    });
    expect(s.sandbox.clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2017-12-06T20:00:00Z'));
    const advanced = await s.control.setClock({ advance: 'P1DT2H' });
    expect(advanced.now).toMatch(/^2017-12-08T06:00:0\d\.\d{3}\+08:00$/);
    expect((await s.control.getClock()).business_date).toBe('2017-12-08');
  });
});

describe('sandbox persistence', () => {
  it('keeps accounts, the received log, faults and the clock across a restart', async () => {
    const s = await sandbox();
    await s.control.setClock({ now: '2017-12-07T09:30:00+08:00' });
    await s.control.putAccount(ACCOUNT, { balance: 10_000, holder_name: '张三', account_class: 'III' });
    const body = debitBody({ amount: 4000 });
    const accepted = await submit(s.url, 'sz-center', body);
    await submit(s.url, 'sz-center', body);
    await s.control.setFault({ channel: 'tj-center', mode: 'unavailable', count: 3 });
    const before = await s.control.getAccount(ACCOUNT);

    await s.restart();
    expect(s.sandbox.clock.offsetMs).not.toBe(0);
    const clock = await s.control.getClock();
    expect(clock.business_date).toBe('2017-12-07');
    expect(Date.parse(clock.now) - Date.parse('2017-12-07T09:30:00+08:00')).toBeLessThan(60_000);
    expect(await s.control.getAccount(ACCOUNT)).toEqual(before);
    expect(before.balance).toBe(6000);
    expect(before.received.map((entry) => entry.outcome)).toEqual(['duplicate', 'succeeded']);
    expect(await query(s.url, 'sz-center', body.end_to_end_id as string)).toMatchObject({
      status: 200,
      body: { status: 'succeeded', channel_reference: accepted.body.channel_reference },
    });
    expect(await s.control.listFaults()).toEqual([expect.objectContaining({ channel: 'tj-center', count: 3 })]);

    // The restored state goes on working: the duplicate stays a duplicate, the class limit counts today's use.
    expect((await submit(s.url, 'sz-center', body)).body.channel_reference).toBe(accepted.body.channel_reference);
    const next = debitBody({ amount: 196_001 });
    await s.control.putAccount(ACCOUNT, { balance: 1_000_000 });
    await submit(s.url, 'sz-center', next);
    expect((await query(s.url, 'sz-center', next.end_to_end_id as string)).body.code).toBe('limit_exceeded');
  });
});

describe('sandbox privacy', () => {
  it('keeps no full account or ID number in its database files', async () => {
    const s = await sandbox();
    await s.control.putAccount(ACCOUNT, { holder_name: '张三', id_number: ID_NUMBER, account_class: 'II' });
    await submit(s.url, 'sz-center', debitBody());
    await submit(s.url, 'sz-center', debitBody({ id_number: '110105194912310038' }));
    const duplicate = debitBody({ account_number: OTHER_ACCOUNT });
    await submit(s.url, 'sz-center', duplicate);
    await submit(s.url, 'sz-center', duplicate);

    for (const phase of ['running', 'closed']) {
      if (phase === 'closed') await s.sandbox.close();
      const bytes = await databaseBytes(s.dataDir);
      // The search works: the masked form and the holder name are there.
      expect(bytes.includes('622202*********0123'), phase).toBe(true);
      expect(bytes.includes(Buffer.from('张三', 'utf8')), phase).toBe(true);
      for (const secret of [ACCOUNT, OTHER_ACCOUNT, ID_NUMBER, '110105194912310038']) {
        expect(bytes.includes(secret), `${phase}: ${secret.slice(0, 4)}…`).toBe(false);
      }
    }
  });

  it('writes log lines without account numbers', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const s = await sandbox({ logger: pino({ level: 'debug' }, sink) });
    await s.control.putAccount(ACCOUNT, { holder_name: '张三' });
    await s.control.getAccount(ACCOUNT);
    await submit(s.url, 'sz-center', debitBody());
    await submit(s.url, 'sz-center', `{"account_number":"${ACCOUNT}",`);
    await request(s.url, 'GET', `/v1/sandbox/accounts/${ACCOUNT}/nope`);
    await request(s.url, 'GET', `/v1/sandbox/accounts/${ACCOUNT}`, { token: 'wrong' });
    await s.control.setFault({ channel: 'sz-center', mode: 'drop' });
    await submit(s.url, 'sz-center', debitBody(), AbortSignal.timeout(100)).catch(() => undefined);

    const log = lines.join('');
    if (process.env.SHOW_SANDBOX_LOG) console.log(log);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(log).toContain('/v1/sandbox/accounts/:account_number');
    expect(log).toContain('holding the connection');
    expect(log).not.toContain(ACCOUNT);
    expect(log).not.toContain(ID_NUMBER);
  });
});

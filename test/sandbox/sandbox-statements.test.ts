import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettableClock, formatInstant } from '../../src/core/kernel/index.js';
import type { StatementOutcome } from '../../src/core/index.js';
import { SandboxConnector } from '../../src/channels/sandbox-connector/index.js';
import { CSV_HEADER, DISCREPANCIES, instantFormatter, isHit, unknownEndToEndId } from '../../src/channels/sandbox/statements.js';
import { schemaErrors } from '../support/xmllint.js';
import { ACCOUNT, CONTROL_TOKEN, OTHER_ACCOUNT, type TestSandbox, debitBody, request, startTestSandbox, submit } from './harness.js';

/**
 * The sandbox's statements (docs/statements.md): a fixed scenario on a fixed clock gives the
 * golden files byte for byte; camt.053 is valid against the official XSD; discrepancies are
 * injected deterministically.
 */

const CHANNEL = 'cpcn-bj';
const DATE = '2024-09-30';
const START = Date.parse('2024-09-30T10:00:00.000+08:00');
const GOLDEN_DIR = path.join(import.meta.dirname, '../golden/statements');
// UPDATE_GOLDEN=1 rewrites the golden files from what the sandbox serves (then review the diff).
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

let t: TestSandbox;

beforeEach(async () => {
  // A clock that stands still unless told: every settled_at is fixed.
  t = await startTestSandbox({ clock: new SettableClock({ now: () => new Date(START) }) });
});

afterEach(async () => {
  await t.cleanup();
});

async function advance(duration: string): Promise<void> {
  expect((await request(t.url, 'POST', '/v1/sandbox/clock', { body: { advance: duration } })).status).toBe(200);
}

async function payout(body: Record<string, unknown>): Promise<number> {
  const { id_number: _id, phone: _phone, mandate_reference: _ref, ...rest } = body;
  const response = await fetch(`${t.url}/channels/${CHANNEL}/payouts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rest),
  });
  await response.text();
  return response.status;
}

async function statement(date: string, accept?: string, via: 'control' | 'channel' = 'control'): Promise<{ status: number; type: string | null; text: string }> {
  const url = via === 'control' ? `${t.url}/v1/sandbox/channels/${CHANNEL}/statements/${date}` : `${t.url}/channels/${CHANNEL}/statements/${date}`;
  const response = await fetch(url, {
    headers: { ...(via === 'control' ? { authorization: `Bearer ${CONTROL_TOKEN}` } : {}), ...(accept === undefined ? {} : { accept }) },
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** One of each: a debit that succeeds and one that fails, a payout that succeeds and one that fails, a repeated debit, and a debit on the next day. */
async function scenario(): Promise<void> {
  expect((await request(t.url, 'PUT', `/v1/sandbox/accounts/${OTHER_ACCOUNT}`, { body: { status: 'closed' } })).status).toBe(200);
  const first = debitBody({ end_to_end_id: 'dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a51', amount: 12345 });
  expect((await submit(t.url, CHANNEL, first)).status).toBe(202);
  await advance('PT1S');
  expect((await submit(t.url, CHANNEL, debitBody({ end_to_end_id: 'dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a52', amount: 700, account_number: OTHER_ACCOUNT }))).status).toBe(202);
  await advance('PT1S');
  expect(await payout(debitBody({ end_to_end_id: 'pyt_0192f3a1c2d34e5f8a9b0c1d2e3f4a53', amount: 5000, account_number: ACCOUNT }))).toBe(202);
  await advance('PT1S');
  expect(await payout(debitBody({ end_to_end_id: 'pyt_0192f3a1c2d34e5f8a9b0c1d2e3f4a54', amount: 300, account_number: OTHER_ACCOUNT }))).toBe(202);
  await advance('PT1S');
  // The same debit again: the channel holds it once, and the statement lists it once.
  expect((await submit(t.url, CHANNEL, first)).status).toBe(202);
  await advance('PT14H');
  // 2024-10-01 00:00:04 Shanghai: the next business date.
  expect((await submit(t.url, CHANNEL, debitBody({ end_to_end_id: 'dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a55', amount: 99 }))).status).toBe(202);
}

function expectGolden(name: string, served: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE_GOLDEN) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, served);
  }
  expect(Buffer.from(served, 'utf8').equals(fs.readFileSync(file))).toBe(true);
}

function csvEntries(text: string): string[][] {
  return text
    .split('\n')
    .slice(1, -1)
    .map((line) => line.split(','))
    .filter((fields) => fields[0] === 'entry');
}

function csvTotals(text: string): string[][] {
  return text
    .split('\n')
    .slice(1, -1)
    .map((line) => line.split(','))
    .filter((fields) => fields[0] === 'total');
}

describe('sandbox statements', () => {
  it('serves the fixed scenario as the golden CSV, byte for byte, on both endpoints', async () => {
    await scenario();
    const served = await statement(DATE);
    expect(served.status).toBe(200);
    expect(served.type).toBe('text/csv; charset=utf-8');
    expectGolden('cpcn-bj-2024-09-30.csv', served.text);
    expect((await statement(DATE, 'text/csv', 'channel')).text).toBe(served.text);
    expect(await t.control.statement(CHANNEL, DATE)).toBe(served.text);
    await expect(t.control.statement(CHANNEL, '2024-10-02')).rejects.toMatchObject({ status: 409 });
    // Decided once each, in settled_at order; the repeat is not listed; totals count both statuses, sum the succeeded.
    expect(csvEntries(served.text).map((fields) => [fields[4], fields[5], fields[6], fields[7]])).toEqual([
      ['dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a51', 'debit', '12345', 'succeeded'],
      ['dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a52', 'debit', '700', 'failed'],
      ['pyt_0192f3a1c2d34e5f8a9b0c1d2e3f4a53', 'credit', '5000', 'succeeded'],
      ['pyt_0192f3a1c2d34e5f8a9b0c1d2e3f4a54', 'credit', '300', 'failed'],
    ]);
    expect(csvTotals(served.text).map((fields) => [fields[5], fields[6], fields[9]])).toEqual([
      ['debit', '12345', '2'],
      ['credit', '5000', '2'],
    ]);
  });

  it('serves camt.053.001.02 as the golden XML, valid against the official schema', async () => {
    await scenario();
    const served = await statement(DATE, 'application/xml');
    expect(served.status).toBe(200);
    expect(served.type).toBe('application/xml; charset=utf-8');
    expectGolden('cpcn-bj-2024-09-30.xml', served.text);
    expect(schemaErrors('camt.053.001.02', served.text)).toBe('');
    expect(served.text.match(/<Ntry>/g)).toHaveLength(4);
    // A 36-character id (daikou's) is over EndToEndId's Max35Text: whole in RmtInf/Ustrd only.
    expect(served.text).toContain('<TxDtls><RmtInf><Ustrd>dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a51</Ustrd></RmtInf></TxDtls>');
    expect(served.text).not.toContain('<EndToEndId>');
    expect(served.text).toContain('<TtlDbtNtries><NbOfNtries>2</NbOfNtries><Sum>123.45</Sum></TtlDbtNtries>');
  });

  it('an empty day is a statement with no entries and zero totals, still schema-valid', async () => {
    await scenario();
    const csv = await statement('2024-09-29');
    expect(csv.text).toBe(`${CSV_HEADER}total,${CHANNEL},2024-09-29,,,debit,0,,,0\ntotal,${CHANNEL},2024-09-29,,,credit,0,,,0\n`);
    expect(schemaErrors('camt.053.001.02', (await statement('2024-09-29', 'application/xml')).text)).toBe('');
  });

  it('refuses a date after the sandbox today (409) and a malformed date (400); a channel with no traffic has an empty statement', async () => {
    await scenario();
    const early = await statement('2024-10-02');
    expect(early.status).toBe(409);
    expect(JSON.parse(early.text)).toMatchObject({ type: 'https://daikou.dev/problems/sandbox/statement-not-ready', status: 409 });
    expect((await statement('2024-10-02', undefined, 'channel')).text).toContain('statement_not_ready');
    const quiet = await fetch(`${t.url}/channels/never-used/statements/${DATE}`);
    expect(quiet.status).toBe(200);
    expect(await quiet.text()).toBe(`${CSV_HEADER}total,never-used,${DATE},,,debit,0,,,0\ntotal,never-used,${DATE},,,credit,0,,,0\n`);
    expect((await statement('2024-02-30')).status).toBe(400);
  });

  for (const discrepancy of DISCREPANCIES) {
    it(`injects ${discrepancy} discrepancies on exactly the predicted lines, the same each time, totals after injection`, async () => {
      // Enough lines that a rate of one half hits some and spares some.
      const ids: string[] = [];
      for (let index = 0; index < 40; index += 1) {
        const id = `dbt_stmt${String(index).padStart(4, '0')}`;
        ids.push(id);
        expect((await submit(t.url, CHANNEL, debitBody({ end_to_end_id: id, amount: 100 + index }))).status).toBe(202);
      }
      const set = await request(t.url, 'POST', '/v1/sandbox/faults', { body: { channel: CHANNEL, mode: 'statement', discrepancy, rate: 0.5, seed: 7 } });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ channel: CHANNEL, mode: 'statement', discrepancy, rate: 0.5, seed: 7 });
      const fault = { discrepancy, rate: 0.5, seed: 7 };
      const hit = new Set(ids.filter((id) => isHit(fault, id)));
      expect(hit.size).toBeGreaterThan(0);
      expect(hit.size).toBeLessThan(ids.length);

      const first = await statement(DATE);
      expect((await statement(DATE)).text).toBe(first.text);
      const entries = csvEntries(first.text);
      const expected = ids.flatMap((id, index): [string, string, string][] => {
        const amount = String(100 + index);
        if (!hit.has(id)) return [[id, amount, 'succeeded']];
        switch (discrepancy) {
          case 'missing':
            return [];
          case 'duplicate':
            return [[id, amount, 'succeeded'], [id, amount, 'succeeded']];
          case 'amount':
            return [[id, String(101 + index), 'succeeded']];
          case 'status':
            return [[id, amount, 'failed']];
          case 'unknown':
            return [[id, amount, 'succeeded'], [unknownEndToEndId(entries.find((fields) => fields[4] === id)![3]!), amount, 'succeeded']];
        }
      });
      expect(entries.map((fields) => [fields[4], fields[6], fields[7]])).toEqual(expected);
      const succeeded = expected.filter((line) => line[2] === 'succeeded');
      expect(csvTotals(first.text)[0]).toEqual(['total', CHANNEL, DATE, '', '', 'debit', String(succeeded.reduce((sum, line) => sum + Number(line[1]), 0)), '', '', String(expected.length)]);
      expect(schemaErrors('camt.053.001.02', (await statement(DATE, 'application/xml')).text)).toBe('');

      // Listed with the other faults, and cleared by mode none.
      expect((await request(t.url, 'GET', '/v1/sandbox/faults')).body.data).toContainEqual(expect.objectContaining({ mode: 'statement', discrepancy }));
      expect((await request(t.url, 'POST', '/v1/sandbox/faults', { body: { channel: CHANNEL, mode: 'none' } })).status).toBe(200);
      expect(csvEntries((await statement(DATE)).text).map((fields) => fields[4])).toEqual(ids);
    });
  }

  it('refuses a statement fault without a discrepancy, with a count, and a discrepancy on another mode', async () => {
    for (const body of [
      { channel: CHANNEL, mode: 'statement' },
      { channel: CHANNEL, mode: 'statement', discrepancy: 'missing', count: 3 },
      { channel: CHANNEL, mode: 'drop', discrepancy: 'missing' },
      { channel: CHANNEL, mode: 'statement', discrepancy: 'lost' },
    ]) {
      expect((await request(t.url, 'POST', '/v1/sandbox/faults', { body })).status).toBe(400);
    }
  });

  it('the sandbox connector serves statementSource: ready with the CSV, not_ready for a later date, unreachable when the channel is down', async () => {
    await scenario();
    const connector = new SandboxConnector({ channelId: CHANNEL, baseUrl: t.url, timeoutMs: 5_000 });
    const source = connector.flows().statementSource!;
    const ready = await source.statement(DATE);
    expect(ready.kind).toBe('ready');
    expect(Buffer.concat(await chunksOf(ready)).toString()).toBe((await statement(DATE)).text);
    expect(await source.statement('2024-10-02')).toEqual({ kind: 'not_ready' });
    expect((await request(t.url, 'POST', '/v1/sandbox/faults', { body: { channel: CHANNEL, mode: 'unavailable' } })).status).toBe(200);
    expect(await source.statement(DATE)).toMatchObject({ kind: 'unreachable' });
    const gone = new SandboxConnector({ channelId: CHANNEL, baseUrl: 'http://127.0.0.1:1', timeoutMs: 5_000 });
    expect(await gone.flows().statementSource!.statement(DATE)).toMatchObject({ kind: 'unreachable' });
  });
});

/** The chunks of a fetched statement's body, as the hub's reader gets them. */
async function chunksOf(outcome: StatementOutcome): Promise<Buffer[]> {
  if (outcome.kind !== 'ready') throw new Error(`statement ${outcome.kind}`);
  const chunks: Buffer[] = [];
  for await (const chunk of outcome.body) chunks.push(Buffer.from(chunk));
  return chunks;
}

it('the sandbox connector hands a large statement on as it streams in, in several chunks', async () => {
  for (let batch = 0; batch < 3; batch += 1) {
    const debits = Array.from({ length: 1_000 }, () => debitBody({ amount: 1 }));
    expect((await request(t.url, 'POST', `/channels/${CHANNEL}/debit-batches`, { body: { debits }, token: null })).status).toBe(202);
  }
  await advance('P1D');
  const connector = new SandboxConnector({ channelId: CHANNEL, baseUrl: t.url, timeoutMs: 10_000 });
  const chunks = await chunksOf(await connector.flows().statementSource!.statement(DATE));
  const served = (await statement(DATE)).text;
  expect(served.split('\n').filter((line) => line.startsWith('entry,'))).toHaveLength(3_000);
  expect(Buffer.concat(chunks).toString()).toBe(served);
  expect(chunks.length).toBeGreaterThan(1);
});

describe('sandbox statement lines', () => {
  it('quotes an end_to_end_id holding a comma or a quote in the CSV', async () => {
    expect((await submit(t.url, CHANNEL, debitBody({ end_to_end_id: 'a,b"c', amount: 1 }))).status).toBe(202);
    const served = await statement(DATE);
    expect(served.text.split('\n')[1]).toBe(`entry,${CHANNEL},${DATE},SBX00000000000001,"a,b""c",debit,1,succeeded,2024-09-30T10:00:00.000+08:00,`);
  });
});

describe('sandbox statements with a settle delay', () => {
  it('lists an instruction from when it settles, not before: today\'s statement holds only what has settled by now', async () => {
    await t.restart({ clock: new SettableClock({ now: () => new Date(START) }), settleDelayMs: 60_000 });
    expect((await submit(t.url, CHANNEL, debitBody({ end_to_end_id: 'dbt_later', amount: 5 }))).status).toBe(202);
    const before = await statement(DATE);
    expect(csvEntries(before.text)).toEqual([]);
    expect(csvTotals(before.text).map((fields) => fields[9])).toEqual(['0', '0']);
    await advance('PT2M');
    const after = csvEntries((await statement(DATE)).text);
    expect(after.map((fields) => [fields[4], fields[8]])).toEqual([['dbt_later', '2024-09-30T10:01:00.000+08:00']]);
  });
});

describe('statement times', () => {
  it('writes settled_at exactly as formatInstant does, across seconds, minutes and days', async () => {
    const format = instantFormatter();
    for (const text of ['2024-09-30T10:00:00.000+08:00', '2024-09-30T10:00:00.007+08:00', '2024-09-30T10:00:00.999+08:00', '2024-09-30T10:00:01.000+08:00', '2024-09-30T23:59:59.999+08:00', '2024-10-01T00:00:00.050+08:00']) {
      const instantMs = Date.parse(text);
      expect(format(instantMs)).toBe(formatInstant(new Date(instantMs)));
    }
  });
});

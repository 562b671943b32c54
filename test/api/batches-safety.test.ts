import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWorker } from '../../src/app/batch-worker.js';
import { databaseConfig } from '../../src/main.js';
import { openDatabase } from '../../src/storage/database.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Issue 8, "Safety first": a batch file that cannot be read fails its own batch and never holds
 * up another merchant's; an unexpected error is retried with backoff, then fails; uploaded files
 * are encrypted at rest, private to this user, deleted when their batch ends, and limited per
 * merchant; personal data in free text refuses its row.
 */
const OTHER_MERCHANT = { ...MERCHANT_BODY, name: '另一家商户', settlement_account: { ...MERCHANT_BODY.settlement_account, account_number: '110100998877' } };
const PAIN008_NS = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02';

function pain008(transactions: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${PAIN008_NS}"><CstmrDrctDbtInitn><GrpHdr><MsgId>M-1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm><NbOfTxs>1</NbOfTxs><InitgPty><Nm>X</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>P-1</PmtInfId><PmtMtd>DD</PmtMtd>${transactions}`;
}

function tx(reference: string, amount = '1.00'): string {
  return `<DrctDbtTxInf><PmtId><EndToEndId>${reference}</EndToEndId></PmtId><InstdAmt Ccy="CNY">${amount}</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>mdt_none</MndtId></MndtRltdInf></DrctDbtTx></DrctDbtTxInf>\n`;
}

for (const engine of ENGINES) {
  describe(`batch safety on ${engine}`, () => {
    let t: TestHub;
    let x: { id: string; key: string };
    let y: { id: string; key: string };
    let yMandate: string;
    let serial = 0;

    beforeAll(async () => {
      t = await startTestHub(engine, { batches: { retryDelayMs: 10, retryDelayMsMax: 40, attemptsMax: 4 } });
      x = await createMerchant(t);
      y = await createMerchant(t, OTHER_MERCHANT);
      yMandate = await createMandate(t, y.key, cardNumber('622202', 7_001));
    });
    afterAll(async () => t?.close());

    async function upload(key: string, body: string | Buffer, contentType = 'text/csv') {
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
      return { status: response.status, body: (await response.json()) as any };
    }

    async function settled(key: string, id: string) {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/batches/${id}`, { key });
        return body.status !== 'processing' ? body : null;
      }, 20_000, `batch ${id} to end`);
    }

    /** Y's good file, different each time, uploaded after X's: it must complete. */
    async function yCompletes() {
      serial += 1;
      const good = await upload(y.key, `reference,mandate_id,amount\nY-${serial},${yMandate},1\n`);
      expect(good.status).toBe(202);
      const done = await settled(y.key, good.body.id);
      expect(done).toMatchObject({ status: 'completed', counts: { rows: 1, accepted: 1 } });
    }

    const opening = 'reference,mandate_id,amount\nR"1,mdt_x,1\n';
    const mixedEndings = 'reference,mandate_id,amount\r\nA,mdt_x,1\r\nB,mdt_x,1\n"C",mdt_x,1\r\n';
    const unclosed = 'reference,mandate_id,amount\nA,mdt_x,1\n"B,mdt_x,1\n';
    const longRow = `reference,mandate_id,amount\nA,mdt_x,1\nB,${'m'.repeat(70_000)},1\n`;
    const brokenXml = pain008(`${tx('E-1')}<DrctDbtTxInf><PmtId><EndToEndId>E-2</EndToEndId></PmtId><InstdAmt Ccy="CNY">1.00</Instd></DrctDbtTxInf></PmtInf></CstmrDrctDbtInitn></Document>`);

    it.each([
      ['a quote opening inside a field (INVALID_OPENING_QUOTE)', opening, 'text/csv', { code: 'invalid_csv', row: 1, column: 'reference', line: 2, byte_offset: 28 }, 0],
      ['CRLF lines with one bare LF before a quoted field', mixedEndings, 'text/csv', { code: 'invalid_csv', row: 2, column: 'amount', line: 4, byte_offset: 40 }, 1],
      ['a quote never closed', unclosed, 'text/csv', { code: 'invalid_csv', row: 2, line: 3, byte_offset: 38 }, 1],
      ['a row over 64 KiB', longRow, 'text/csv', { code: 'row_too_long', row: 2, column: 'mandate_id', line: 3, byte_offset: 38 }, 1],
      // Invalid UTF-8 is refused at upload now, before a batch exists (test/api/batches-encodings.test.ts).
      ['a pain.008 that is not well-formed', brokenXml, 'application/xml', { code: 'invalid_xml', row: 2, line: 4 }, 1],
    ])('%s fails its batch with where it stopped, and the other merchant’s next batch completes', async (_name, file, type, error, rowsBefore) => {
      const poisoned = await upload(x.key, file, type);
      expect(poisoned.status).toBe(202);
      const failed = await settled(x.key, poisoned.body.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject(error);
      expect(failed.error.detail).toEqual(expect.any(String));
      expect(failed.counts.rows).toBe(rowsBefore);
      if (type === 'application/xml') expect(failed.error.byte_offset).toBeGreaterThan(brokenXml.indexOf('</Instd>'));
      await yCompletes();
    });

    it('a field over 4 KiB refuses its row (too_long on its column); the rows after it go on', async () => {
      const file = `reference,mandate_id,amount,description\nA,mdt_x,1,${'d'.repeat(5_000)}\nB,mdt_x,1,ok\n`;
      const created = await upload(x.key, file);
      const done = await settled(x.key, created.body.id);
      expect(done).toMatchObject({ status: 'completed', counts: { rows: 2, rejected: 2 } });
      const report = await (await fetch(`${t.hub.url}/v1/batches/${created.body.id}/report`, { headers: { authorization: `Bearer ${x.key}` } })).text();
      expect(report.split('\n')[1]).toMatch(/^1,A,,rejected,too_long,description is longer than 4096 bytes\.,description$/);
    });

    it('a 16 MiB field fails the batch at 64 KiB, without reading the field into memory', async () => {
      const file = `reference,mandate_id,amount\n"${'x'.repeat(16 * 1024 * 1024)}",mdt_x,1\n`;
      const created = await upload(x.key, file);
      expect(created.status).toBe(202);
      const failed = await settled(x.key, created.body.id);
      expect(failed.error).toMatchObject({ code: 'row_too_long', row: 1, line: 2, byte_offset: 28 });
      await yCompletes();
    });

    it('an unexpected error is retried with backoff, then fails internal_error; the other merchant’s batches complete meanwhile', async () => {
      const routing = t.hub.ctx.routing;
      const original = routing.merchant.bind(routing);
      const card = cardNumber('622202', 4_242);
      routing.merchant = async (id, tx) => {
        if (id === x.id) throw Object.assign(new Error(`storage exploded near ${card}`), { code: 'EXPLODED', raw: card });
        return original(id, tx);
      };
      try {
        const doomed = await upload(x.key, 'reference,mandate_id,amount\nU-1,mdt_x,1\n');
        await yCompletes();
        const failed = await settled(x.key, doomed.body.id);
        expect(failed.error).toMatchObject({ code: 'internal_error', row: 1 });
        const lines = t.logs.lines.filter((line) => line.includes(doomed.body.id)).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.attempt !== undefined);
        // Logged once per attempt, waiting 10, 20, 40 ms (doubling, capped at 40), then given up.
        expect(lines.map((line) => [line.attempt, line.retry_in_ms ?? null, line.error_code])).toEqual([
          [1, 10, 'EXPLODED'],
          [2, 20, 'EXPLODED'],
          [3, 40, 'EXPLODED'],
          [4, null, 'EXPLODED'],
        ]);
        expect(t.logs.lines.join('\n')).not.toContain(card);
      } finally {
        routing.merchant = original;
      }
    });

    it('a card or ID number in a free-text column refuses the row; the report shows it masked', async () => {
      const card = cardNumber('622202', 8_888);
      const file = `reference,mandate_id,amount,description\nP-${card},mdt_x,1,\nP-2,mdt_x,1,card ${card}\nP-3,mdt_x,1,ID 11010519491231002X\n`;
      const created = await upload(x.key, file);
      const done = await settled(x.key, created.body.id);
      expect(done.counts).toMatchObject({ rows: 3, rejected: 3 });
      const report = await (await fetch(`${t.hub.url}/v1/batches/${created.body.id}/report`, { headers: { authorization: `Bearer ${x.key}` } })).text();
      const lines = report.trim().split('\n').slice(1);
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^1,P-622202\*+\d{4},,rejected,personal_data_in_free_text,"reference holds what looks like a card number/);
      expect(lines[1]).toMatch(/^2,P-2,,rejected,personal_data_in_free_text,"description holds what looks like a card number.*",description$/);
      expect(lines[2]).toMatch(/^3,P-3,,rejected,personal_data_in_free_text,"description holds what looks like an ID number.*",description$/);
      expect(report).not.toContain(card);
      expect(report).not.toContain(card.slice(6, 15));
      expect(report).not.toContain('11010519491231002X');
    });

    it('a header naming an unknown column is refused with the column masked', async () => {
      const card = cardNumber('622202', 9_191);
      const refused = await upload(x.key, `reference,mandate_id,amount,c${card}\nA,mdt_x,1,1\n`);
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/Unknown column/);
      expect(JSON.stringify(refused.body)).not.toContain(card);
    });
  });

  describe(`batch files at rest on ${engine}`, () => {
    let t: TestHub;
    let x: { id: string; key: string };
    let y: { id: string; key: string };
    const card = cardNumber('622202', 5_150);

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, batches: { bytesHeldMax: 4_096 } });
      x = await createMerchant(t);
      y = await createMerchant(t, OTHER_MERCHANT);
      await createMandate(t, x.key, card);
    });
    afterAll(async () => t?.close());

    async function upload(key: string, body: string) {
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body });
      return { status: response.status, body: (await response.json()) as any };
    }
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    const file = (reference: string, bytes: number) => {
      const head = `reference,account_number,amount,holder_name\n${reference},${card},100,张三\n`;
      return `${head}${'#'.repeat(Math.max(0, bytes - Buffer.byteLength(head) - 1))}\n`;
    };
    /** The stored files, read from the database itself: batch id → the bytes as stored. */
    async function storedFiles(): Promise<Map<string, Buffer>> {
      const handle = openDatabase(databaseConfig(t.database.dataDir, t.database.databaseUrl));
      try {
        const chunks = await handle.db.selectFrom('batch_file_chunks').selectAll().orderBy('batch_id').orderBy('seq').execute();
        const files = new Map<string, Buffer>();
        for (const chunk of chunks) files.set(chunk.batch_id, Buffer.concat([files.get(chunk.batch_id) ?? Buffer.alloc(0), chunk.bytes]));
        return files;
      } finally {
        await handle.close();
      }
    }

    it('keeps the upload encrypted in the database (the card number is not in it), on no node’s disk, with the data directory private', async () => {
      const created = await upload(x.key, file('AT-REST-1', 2_000));
      expect(created.status).toBe(202);
      const files = await storedFiles();
      expect([...files.keys()]).toEqual([created.body.id]);
      const stored = files.get(created.body.id)!;
      expect(stored.subarray(0, 4).toString('latin1')).toBe('DKB1');
      expect(stored.includes(card)).toBe(false);
      expect(stored.includes('AT-REST-1')).toBe(false);
      expect(stored.includes('张三')).toBe(false);
      expect(fs.existsSync(path.join(t.database.dataDir, 'batches'))).toBe(false);
      expect(mode(t.database.dataDir)).toBe(0o700);
      const present = ['master.key', 'sandbox.sqlite', 'daikou.sqlite', 'daikou.sqlite-wal', 'sandbox.sqlite-wal'].filter((name) => fs.existsSync(path.join(t.database.dataDir, name)));
      expect(present).toContain('master.key');
      expect(present).toContain('sandbox.sqlite');
      for (const name of present) expect([name, mode(path.join(t.database.dataDir, name))]).toEqual([name, 0o600]);
    });

    it('refuses an upload past the merchant’s bytes held for unfinished batches with 413, leaving nothing stored; another merchant is not limited by it', async () => {
      const refused = await upload(x.key, file('AT-REST-2', 3_000));
      expect(refused.status).toBe(413);
      expect(refused.body.type).toMatch(/batch_bytes_held_limit$/);
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/file', code: 'batch_bytes_held_limit' });
      expect((await storedFiles()).size).toBe(1);
      const other = await upload(y.key, file('AT-REST-3', 3_000));
      expect(other.status).toBe(202);
      expect((await storedFiles()).size).toBe(2);
    });

    it('deletes the file when its batch ends, and then takes the merchant’s next upload', async () => {
      const worker = new BatchWorker(t.hub.ctx);
      worker.start();
      try {
        const batches = (await t.call('GET', '/v1/batches', { key: x.key })).body.data;
        await eventually(async () => (await t.call('GET', `/v1/batches/${batches[0].id}`, { key: x.key })).body.status === 'completed');
        await eventually(async () => (await storedFiles()).size === 0, 15_000, 'the batch files to be deleted');
        expect((await upload(x.key, file('AT-REST-2', 3_000))).status).toBe(202);
      } finally {
        await worker.stop();
      }
    });
  });
}

import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWorker } from '../../src/app/batch-worker.js';
import { ENGINES } from '../support/engines.js';
import { fundAvailable } from '../support/funding.js';
import { cardNumber, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';
import { schemaErrors } from '../support/xmllint.js';

/**
 * Issue 11 item 3, the batch part (SPEC §§11, 14): payout batches through POST /v1/batches, as a
 * CSV sent with kind=payout or a pain.001.001.03; each row decided as POST /v1/payouts decides.
 */

interface Pain001Tx {
  reference: string;
  account: string;
  amountYuan: string;
  name: string;
  /** OrgId: the payee is an organisation (corporate account); PrvtId: a person. */
  party?: 'OrgId' | 'PrvtId';
  bankCode?: string;
  description?: string;
}

/** A pain.001.001.03 customer credit transfer initiation, in the order its schema sets. */
export function pain001(messageId: string, blocks: { id: string; txs: Pain001Tx[] }[]): string {
  const all = blocks.flatMap((block) => block.txs);
  const sum = (txs: Pain001Tx[]) => (txs.reduce((total, tx) => total + Math.round(Number(tx.amountYuan) * 100), 0) / 100).toFixed(2);
  const tx = (t: Pain001Tx) =>
    [
      '      <CdtTrfTxInf>',
      `        <PmtId><EndToEndId>${t.reference}</EndToEndId></PmtId>`,
      `        <Amt><InstdAmt Ccy="CNY">${t.amountYuan}</InstdAmt></Amt>`,
      t.bankCode === undefined ? '' : `        <CdtrAgt><FinInstnId><Othr><Id>${t.bankCode}</Id></Othr></FinInstnId></CdtrAgt>`,
      `        <Cdtr><Nm>${t.name}</Nm>${t.party === undefined ? '' : `<Id><${t.party}><Othr><Id>PARTY-${t.reference}</Id></Othr></${t.party}></Id>`}</Cdtr>`,
      `        <CdtrAcct><Id><Othr><Id>${t.account}</Id></Othr></Id></CdtrAcct>`,
      t.description === undefined ? '' : `        <RmtInf><Ustrd>${t.description}</Ustrd></RmtInf>`,
      '      </CdtTrfTxInf>',
    ]
      .filter((line) => line !== '')
      .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">',
    '  <CstmrCdtTrfInitn>',
    `    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>2026-03-01T10:15:00</CreDtTm><NbOfTxs>${all.length}</NbOfTxs><CtrlSum>${sum(all)}</CtrlSum><InitgPty><Nm>深圳市水务集团</Nm></InitgPty></GrpHdr>`,
    ...blocks.map((block) =>
      [
        '    <PmtInf>',
        `      <PmtInfId>${block.id}</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>${block.txs.length}</NbOfTxs><CtrlSum>${sum(block.txs)}</CtrlSum>`,
        '      <ReqdExctnDt>2026-03-02</ReqdExctnDt>',
        '      <Dbtr><Nm>深圳市水务集团</Nm></Dbtr><DbtrAcct><Id><Othr><Id>MERCHANT</Id></Othr></Id></DbtrAcct><DbtrAgt><FinInstnId><Othr><Id>ICBC</Id></Othr></FinInstnId></DbtrAgt>',
        ...block.txs.map(tx),
        '    </PmtInf>',
      ].join('\n'),
    ),
    '  </CstmrCdtTrfInitn>',
    '</Document>',
    '',
  ].join('\n');
}

for (const engine of ENGINES) {
  describe(`payout batches on ${engine}`, () => {
    let t: TestHub;
    let serial = 7_000;
    const card = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      t = await startTestHub(engine);
    });
    afterAll(async () => t?.close());

    async function upload(key: string, body: string, contentType = 'text/csv', query = '') {
      const response = await fetch(`${t.hub.url}/v1/batches${query}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
      return { status: response.status, body: (await response.json()) as any };
    }
    async function report(key: string, id: string, accept = 'text/csv') {
      const response = await fetch(`${t.hub.url}/v1/batches/${id}/report`, { headers: { authorization: `Bearer ${key}`, accept } });
      return response.text();
    }
    /** The batch once it has completed and every accepted payout is final. */
    async function finished(key: string, id: string) {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/batches/${id}`, { key });
        return body.status === 'completed' && body.counts.succeeded + body.counts.failed === body.counts.accepted ? body : null;
      });
    }
    const balances = async (key: string) => (await t.call('GET', '/v1/balances', { key })).body;
    const trialBalance = async () => (await t.call('GET', '/v1/ledger/trial-balance')).body;

    it('a CSV sent with kind=payout pays each good row; bad rows are refused one by one, and a row over the balance does not stop the next', async () => {
      const merchant = await createMerchant(t);
      await fundAvailable(t, merchant.id, 50_000, `fund-${merchant.id}`);
      const [a, b, c] = [card(), card(), card()];
      const file = [
        'reference,account_number,holder_name,account_kind,amount_yuan,description',
        `P-1,${a},张三,personal,100.00,工资 2026-02`,
        `P-2,${b},李四,personal,50.00,`,
        `P-3,${c},王五,someone,1.00,bad kind`,
        `P-4,6222021234567890123,赵六,personal,1.00,check digit`,
        `P-1,${c},王五,personal,1.00,reference again`,
        `P-6,${c},王五,personal,10000.00,more than available`,
        `P-7,${c},王五,corporate,10.00,fits after the refusal`,
        `P-8,${c},,personal,1.00,no holder`,
        '',
      ].join('\r\n');
      const created = await upload(merchant.key, file, 'text/csv', '?kind=payout');
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ object: 'batch', kind: 'payout', format: 'csv', status: 'processing' });
      const done = await finished(merchant.key, created.body.id);
      expect(done.counts).toEqual({ rows: 8, accepted: 3, rejected: 5, succeeded: 3, failed: 0 });

      const text = await report(merchant.key, created.body.id);
      expect(text.split('\n')[0]).toBe('row,reference,payout_id,status,code,message,field');
      const cells = (parse(text) as string[][]).slice(1);
      // row, reference, status, code, field
      expect(cells.map(([row, reference, , status, code, , field]) => [row, reference, status, code, field])).toEqual([
        ['1', 'P-1', 'succeeded', '', ''],
        ['2', 'P-2', 'succeeded', '', ''],
        ['3', 'P-3', 'rejected', 'invalid_value', 'account_kind'],
        ['4', 'P-4', 'rejected', 'invalid_check_digit', 'account_number'],
        ['5', 'P-1', 'rejected', 'already_used', 'reference'],
        ['6', 'P-6', 'rejected', 'insufficient_balance', ''],
        ['7', 'P-7', 'succeeded', '', ''],
        ['8', 'P-8', 'rejected', 'required', 'holder_name'],
      ]);
      // A row decided by daikou is a payout (rejected ones too, as through the API); a row refused at validation is none.
      expect(cells.map((cell) => /^pyt_/.test(cell[2]!))).toEqual([true, true, false, false, false, true, true, false]);
      expect(new Set(cells.filter((cell) => cell[2] !== '').map((cell) => cell[2])).size).toBe(4);
      const payouts = (await t.call('GET', '/v1/payouts?limit=100', { key: merchant.key })).body.data;
      expect(payouts.find((p: { reference: string }) => p.reference === 'P-1')).toMatchObject({ amount: 10_000, fee: 100, status: 'succeeded' });
      expect(payouts.find((p: { reference: string }) => p.reference === 'P-7').payee).toMatchObject({ account_kind: 'corporate' });

      // 10,000 + 5,000 + 1,000 paid, 100 fen of fee each; nothing left reserved.
      expect(await balances(merchant.key)).toMatchObject({ available: 50_000 - 16_300, reserved: 0 });
      expect(await trialBalance()).toMatchObject({ total: 0, balanced: true, mismatched: [] });

      const pain002 = await report(merchant.key, created.body.id, 'application/xml');
      expect(pain002).toContain('<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>');
      expect(pain002).toContain('<OrgnlEndToEndId>P-6</OrgnlEndToEndId>');
      expect(pain002).toContain('<Prtry>insufficient_balance</Prtry>');
    });

    it('a pain.001.001.03 is a payout batch by itself: its transactions are paid, its report is a pain.002 on the pain.001', async () => {
      const merchant = await createMerchant(t);
      await fundAvailable(t, merchant.id, 100_000, `fund-${merchant.id}`);
      const xml = pain001('PAY-2026-03', [
        { id: 'SALARY', txs: [{ reference: 'S-1', account: card(), amountYuan: '120.50', name: '张三', party: 'PrvtId', description: '工资' }, { reference: 'S-2', account: card(), amountYuan: '80', name: '李四' }] },
        { id: 'SUPPLIERS', txs: [{ reference: 'V-1', account: card(), amountYuan: '300.00', name: '某某物业有限公司', party: 'OrgId', bankCode: 'ICBC' }, { reference: 'V-2', account: card(), amountYuan: '5000.00', name: '某某建材有限公司', party: 'OrgId' }] },
      ]);
      expect(schemaErrors('pain.001.001.03', xml)).toBe('');
      const created = await upload(merchant.key, xml, 'application/xml');
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ kind: 'payout', format: 'pain.001' });
      const done = await finished(merchant.key, created.body.id);
      // 12,050 + 8,000 + 30,000 and their fees fit in 100,000; the 500,000 of V-2 does not.
      expect(done.counts).toEqual({ rows: 4, accepted: 3, rejected: 1, succeeded: 3, failed: 0 });
      const payouts = (await t.call('GET', '/v1/payouts?limit=100', { key: merchant.key })).body.data;
      const byReference = new Map(payouts.map((p: { reference: string }) => [p.reference, p]));
      expect(byReference.get('S-1')).toMatchObject({ amount: 12_050, description: '工资', payee: { account_kind: 'personal', holder_name: '张三' } });
      expect(byReference.get('V-1')).toMatchObject({ amount: 30_000, payee: { account_kind: 'corporate', bank_code: 'ICBC' } });
      expect(byReference.get('V-2')).toMatchObject({ status: 'rejected', failure: { code: 'insufficient_balance' } });
      expect(await balances(merchant.key)).toMatchObject({ available: 100_000 - (12_050 + 8_000 + 30_000 + 300), reserved: 0 });
      expect(await trialBalance()).toMatchObject({ total: 0, balanced: true });

      const pain002 = await report(merchant.key, created.body.id, 'application/xml');
      expect(pain002).toContain('<OrgnlMsgId>PAY-2026-03</OrgnlMsgId>');
      expect(pain002).toContain('<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>');
      expect(pain002).toContain('<OrgnlPmtInfId>SALARY</OrgnlPmtInfId>');
      expect(pain002).toContain('<OrgnlPmtInfId>SUPPLIERS</OrgnlPmtInfId>');
      const csv = (await report(merchant.key, created.body.id)).trim().split('\n');
      expect(csv.slice(1).map((line) => line.split(',').slice(3, 5).join(' '))).toEqual(['succeeded ', 'succeeded ', 'succeeded ', 'rejected insufficient_balance']);
    });

    it('the same file twice is one batch; a payout CSV sent without kind, a CSV without the payout columns, and a pain.008 sent as payouts are refused', async () => {
      const merchant = await createMerchant(t);
      await fundAvailable(t, merchant.id, 10_000, `fund-${merchant.id}`);
      const file = `reference,account_number,holder_name,account_kind,amount\nTW-1,${card()},张三,personal,100\n`;
      const first = await upload(merchant.key, file, 'text/csv', '?kind=payout');
      expect(first.status).toBe(202);
      const again = await upload(merchant.key, file, 'text/csv', '?kind=payout');
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      await finished(merchant.key, first.body.id);
      expect((await t.call('GET', '/v1/payouts?reference=TW-1', { key: merchant.key })).body.data).toHaveLength(1);

      const bothKinds = `reference,account_number,amount\nTW-2,${card()},100\n`;
      expect((await upload(merchant.key, bothKinds, 'text/csv', '?kind=payout')).status).toBe(400);
      const asDebits = await upload(merchant.key, `reference,account_number,holder_name,amount\nTW-3,${card()},张三,100\n`, 'text/csv', '?kind=payout');
      expect(asDebits.status).toBe(400);
      expect(asDebits.body.detail).toContain('account_kind');

      const noKind = await upload(merchant.key, `reference,account_number,holder_name,account_kind,amount\nTW-4,${card()},张三,personal,100\n`);
      expect(noKind.status).toBe(400);
      expect(noKind.body.detail).toContain('kind=payout');

      const pain008 = ['<?xml version="1.0" encoding="UTF-8"?>', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn><GrpHdr><MsgId>M</MsgId></GrpHdr></CstmrDrctDbtInitn></Document>', ''].join('\n');
      const mismatch = await upload(merchant.key, pain008, 'application/xml', '?kind=payout');
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors).toEqual([expect.objectContaining({ pointer: '/query/kind', code: 'kind_mismatch' })]);
      // The payout file again without its kind: its header says what it is.
      const taken = await upload(merchant.key, file, 'text/csv');
      expect(taken.status).toBe(400);
      expect(taken.body.detail).toContain('kind=payout');
    });
  });

  describe(`payout batches against the balance on ${engine}`, () => {
    let t: TestHub;
    let serial = 8_000;
    const card = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
    });
    afterAll(async () => t?.close());

    it('a batch larger than the balance rejects exactly the rows that do not fit, across chunks, and available never goes below zero', async () => {
      const merchant = await createMerchant(t);
      const each = 1_000 + 100;
      await fundAvailable(t, merchant.id, 10 * each, `fund-${merchant.id}`);
      // Rows 1–5 fit; row 6 (500 yuan) does not; rows 7–11 fit; rows 12–14 find the balance spent.
      const amounts = [1_000, 1_000, 1_000, 1_000, 1_000, 50_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000];
      const rows = amounts.map((amount, index) => `FIT-${index + 1},${card()},张三,personal,${amount}`);
      const response = await fetch(`${t.hub.url}/v1/batches?kind=payout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${merchant.key}`, 'content-type': 'text/csv' },
        body: `reference,account_number,holder_name,account_kind,amount\n${rows.join('\n')}\n`,
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      // Chunks of 4 rows: each chunk locks the balance again and sees what the previous one left.
      await new BatchWorker(t.hub.ctx, { owner: 'node-a', chunkRows: 4 }).runOnce();
      const batch = (await t.call('GET', `/v1/batches/${id}`, { key: merchant.key })).body;
      expect(batch).toMatchObject({ status: 'completed', counts: { rows: 14, accepted: 10, rejected: 4, succeeded: 0, failed: 0 } });
      const payouts = (await t.call('GET', '/v1/payouts?limit=100', { key: merchant.key })).body.data as { reference: string; status: string; failure: { code: string } | null }[];
      const rejected = payouts.filter((p) => p.status === 'rejected').map((p) => p.reference).sort();
      expect(rejected).toEqual(['FIT-12', 'FIT-13', 'FIT-14', 'FIT-6']);
      expect(new Set(payouts.filter((p) => p.status === 'rejected').map((p) => p.failure?.code))).toEqual(new Set(['insufficient_balance']));
      expect((await t.call('GET', '/v1/balances', { key: merchant.key })).body).toMatchObject({ available: 0, reserved: 10 * each });
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true });
    });

    it('a merchant with nothing available gets every row rejected insufficient_balance, and nothing posted', async () => {
      const merchant = await createMerchant(t);
      const response = await fetch(`${t.hub.url}/v1/batches?kind=payout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${merchant.key}`, 'content-type': 'text/csv' },
        body: `reference,account_number,holder_name,account_kind,amount_yuan\nZ-1,${card()},张三,personal,1.00\nZ-2,${card()},李四,personal,2.00\n`,
      });
      const { id } = (await response.json()) as { id: string };
      await new BatchWorker(t.hub.ctx, { owner: 'node-a' }).runOnce();
      expect((await t.call('GET', `/v1/batches/${id}`, { key: merchant.key })).body.counts).toEqual({ rows: 2, accepted: 0, rejected: 2, succeeded: 0, failed: 0 });
      expect((await t.call('GET', '/v1/balances', { key: merchant.key })).body).toMatchObject({ available: 0, reserved: 0 });
    });
  });
}

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/** SPEC §11 for ISO 20022: a pain.008 file in, debits out, and the result as pain.002. */
const GOLDEN = new URL('../golden/iso20022/batch-report-pain002.xml', import.meta.url);

function pain008(transactions: { e2e: string; mandate: string; account?: string; amount: string; currency?: string; name?: string; info?: string }[]): string {
  const tx = transactions
    .map(
      (t) => `      <DrctDbtTxInf>
        <PmtId><EndToEndId>${t.e2e}</EndToEndId></PmtId>
        <InstdAmt Ccy="${t.currency ?? 'CNY'}">${t.amount}</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>${t.mandate}</MndtId></MndtRltdInf></DrctDbtTx>
        <Dbtr><Nm>${t.name ?? '张三'}</Nm></Dbtr>
        ${t.account === undefined ? '' : `<DbtrAcct><Id><Othr><Id>${t.account}</Id></Othr></Id></DbtrAcct>`}
        <RmtInf><Ustrd>${t.info ?? 'water'}</Ustrd></RmtInf>
      </DrctDbtTxInf>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">
  <CstmrDrctDbtInitn>
    <GrpHdr><MsgId>WATER-2026-11</MsgId><CreDtTm>2026-11-01T09:00:00+08:00</CreDtTm><NbOfTxs>${transactions.length}</NbOfTxs></GrpHdr>
    <PmtInf>
      <PmtInfId>WATER-2026-11-A</PmtInfId><PmtMtd>DD</PmtMtd>
${tx}
    </PmtInf>
  </CstmrDrctDbtInitn>
</Document>
`;
}

for (const engine of ENGINES) {
  describe(`pain.008 batches on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const cards = [cardNumber('622202', 8_001), cardNumber('622202', 8_002)];
    let byId: string;

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      await t.call('POST', '/v1/mandates', { key: merchant.key, body: { payer: { account_number: cards[0], account_kind: 'personal', medium: 'bank_card' }, agreement_number: 'WATER-AGR-1', signed_at: '2026-01-01' } });
      byId = await createMandate(t, merchant.key, cards[1]!);
    });
    afterAll(async () => t?.close());

    async function upload(body: string) {
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${merchant.key}`, 'content-type': 'application/xml' }, body });
      return { status: response.status, body: (await response.json()) as any };
    }

    it('maps EndToEndId, MndtId (agreement number or id), InstdAmt in yuan; refuses bad rows; answers in pain.002', async () => {
      const created = await upload(
        pain008([
          { e2e: 'W-1', mandate: 'WATER-AGR-1', account: cards[0], amount: '12.30' },
          { e2e: 'W-2', mandate: byId, amount: '0.07', name: 'A&amp;B 物业' },
          { e2e: 'W-3', mandate: 'NO-SUCH-AGREEMENT', amount: '1.00' },
          { e2e: 'W-4', mandate: 'WATER-AGR-1', amount: '5.00', currency: 'USD' },
          { e2e: 'W-5', mandate: 'WATER-AGR-1', amount: '1.234' },
        ]),
      );
      expect(created.status).toBe(202);
      expect(created.body.format).toBe('pain.008');
      const done = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/batches/${created.body.id}`, { key: merchant.key });
        return body.status === 'completed' && body.counts.succeeded === body.counts.accepted ? body : null;
      });
      expect(done.counts).toEqual({ rows: 5, accepted: 2, rejected: 3, succeeded: 2, failed: 0 });
      const debits = (await t.call('GET', '/v1/debits?limit=10', { key: merchant.key })).body.data;
      expect(debits.find((d: { reference: string }) => d.reference === 'W-1')).toMatchObject({ amount: 1_230, description: 'water' });
      expect(debits.find((d: { reference: string }) => d.reference === 'W-2')).toMatchObject({ amount: 7, mandate_id: byId });

      const report = await fetch(`${t.hub.url}/v1/batches/${created.body.id}/report`, { headers: { authorization: `Bearer ${merchant.key}`, accept: 'application/xml' } });
      expect(report.headers.get('content-type')).toMatch(/application\/xml/);
      // The time, and the message id (from the file's hash: the file names random mandate ids), vary by run.
      const xml = (await report.text()).replace(/<CreDtTm>[^<]*<\/CreDtTm>/, '<CreDtTm>…</CreDtTm>').replace(/<MsgId>DKR-[0-9a-f]{31}<\/MsgId>/, '<MsgId>DKR-…</MsgId>');
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, xml);
      expect(xml).toBe(fs.readFileSync(GOLDEN, 'utf8'));
    });

    it('a pain.001 with no group header is refused whole, naming both messages taken (a pain.001 is a payout batch: batches-payouts.test.ts)', async () => {
      const response = await upload('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>');
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/not an ISO 20022 pain\.008 .* nor a pain\.001/);
    });

    const head = (ns: string, header: string) => `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:${ns}"><CstmrDrctDbtInitn><GrpHdr>${header}</GrpHdr>`;
    const txXml = (e2e: string, amount: string) => `<DrctDbtTxInf><PmtId><EndToEndId>${e2e}</EndToEndId></PmtId><InstdAmt Ccy="CNY">${amount}</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>WATER-AGR-1</MndtId></MndtRltdInf></DrctDbtTx></DrctDbtTxInf>`;

    it.each([
      ['pain.008.001.09', 'pain.008 version .001.09 is not supported; supported: .02 to .08'],
      ['pain.008.003.02', 'pain.008 version .003.02 is not supported; supported: .02 to .08'],
    ])('a %s file is refused whole, naming its version', async (ns, message) => {
      const response = await upload(`${head(ns, '<MsgId>V</MsgId><NbOfTxs>0</NbOfTxs>')}</CstmrDrctDbtInitn></Document>`);
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain(message);
      expect(response.body.errors[0]).toMatchObject({ pointer: '/file', code: 'unsupported_version' });
    });

    it('a MsgId longer than 35 characters is refused at upload, pointing at it', async () => {
      const response = await upload(`${head('pain.008.001.02', `<MsgId>${'M'.repeat(36)}</MsgId><NbOfTxs>1</NbOfTxs>`)}<PmtInf><PmtInfId>P</PmtInfId>${txXml('L-1', '1.00')}</PmtInf></CstmrDrctDbtInitn></Document>`);
      expect(response.status).toBe(400);
      expect(response.body.errors).toContainEqual(expect.objectContaining({ pointer: '/file/Document/CstmrDrctDbtInitn/GrpHdr/MsgId', code: 'message_id_too_long' }));
    });

    it.each([
      // header NbOfTxs, header CtrlSum, block NbOfTxs, block CtrlSum, then the pointer and both values in the detail
      ['3', '2.00', '2', '2.00', '/file/Document/CstmrDrctDbtInitn/GrpHdr/NbOfTxs', /says "3" transactions; the file holds 2/],
      ['2', '2.01', '2', '2.00', '/file/Document/CstmrDrctDbtInitn/GrpHdr/CtrlSum', /says "2.01"; the amounts in the file add up to 2.00/],
      ['2', '2.00', '1', '2.00', '/file/Document/CstmrDrctDbtInitn/PmtInf[1]/NbOfTxs', /says "1" transactions; the file holds 2/],
      ['2', '2.00', '2', '3', '/file/Document/CstmrDrctDbtInitn/PmtInf[1]/CtrlSum', /says "3"; the amounts in the file add up to 2.00/],
    ])('NbOfTxs %s / CtrlSum %s / PmtInf NbOfTxs %s / CtrlSum %s that disagree with the file are refused with both values', async (nb, sum, blockNb, blockSum, pointer, detail) => {
      const response = await upload(
        `${head('pain.008.001.02', `<MsgId>SUMS-${nb}-${sum}-${blockNb}-${blockSum}</MsgId><NbOfTxs>${nb}</NbOfTxs><CtrlSum>${sum}</CtrlSum>`)}<PmtInf><PmtInfId>P</PmtInfId><NbOfTxs>${blockNb}</NbOfTxs><CtrlSum>${blockSum}</CtrlSum>${txXml('S-1', '1.50')}${txXml('S-2', '0.5')}</PmtInf></CstmrDrctDbtInitn></Document>`,
      );
      expect(response.status).toBe(400);
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors[0]).toMatchObject({ pointer });
      expect(response.body.errors[0].detail).toMatch(detail);
    });

    it('reports each transaction under its original PmtInfId', async () => {
      const created = await upload(
        `${head('pain.008.001.02', '<MsgId>BLOCKS-1</MsgId><NbOfTxs>3</NbOfTxs><CtrlSum>3.00</CtrlSum>')}<PmtInf><PmtInfId>BLOCK-A</PmtInfId>${txXml('B-1', '1.00')}${txXml('B-2', '1.00')}</PmtInf><PmtInf><PmtInfId>BLOCK-B</PmtInfId>${txXml('B-3', '1.00')}</PmtInf></CstmrDrctDbtInitn></Document>`,
      );
      expect(created.status).toBe(202);
      await eventually(async () => ((await t.call('GET', `/v1/batches/${created.body.id}`, { key: merchant.key })).body.status === 'completed' ? true : null));
      const report = await fetch(`${t.hub.url}/v1/batches/${created.body.id}/report`, { headers: { authorization: `Bearer ${merchant.key}`, accept: 'application/xml' } });
      const xml = await report.text();
      const blocks = [...xml.matchAll(/<OrgnlPmtInfId>([^<]*)<\/OrgnlPmtInfId>|<OrgnlEndToEndId>([^<]*)<\/OrgnlEndToEndId>/g)].map((m) => m[1] ?? m[2]);
      expect(blocks).toEqual(['BLOCK-A', 'B-1', 'B-2', 'BLOCK-B', 'B-3']);
    });

    it('a CSV batch with a 64-character reference reports it whole in OrgnlTxRef/RmtInf/Ustrd, not in OrgnlEndToEndId (Max35Text)', async () => {
      const reference = `LONG-${'8'.repeat(9)}-${'R'.repeat(49)}`;
      expect(reference).toHaveLength(64);
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${merchant.key}`, 'content-type': 'text/csv' }, body: `reference,mandate_id,amount\n${reference},${byId},100\n` });
      const created = (await response.json()) as any;
      expect(response.status).toBe(202);
      await eventually(async () => ((await t.call('GET', `/v1/batches/${created.id}`, { key: merchant.key })).body.status === 'completed' ? true : null));
      const xml = await (await fetch(`${t.hub.url}/v1/batches/${created.id}/report`, { headers: { authorization: `Bearer ${merchant.key}`, accept: 'application/xml' } })).text();
      expect(xml).not.toContain('<OrgnlEndToEndId>');
      expect(xml).toContain(`<OrgnlTxRef>\n          <RmtInf>\n            <Ustrd>${reference}</Ustrd>`);
      expect(xml).toMatch(/<OrgnlPmtInfId>DK-[0-9a-f]{32}<\/OrgnlPmtInfId>/);
    });

    it.each([
      ['XML that is not ISO 20022', '<?xml version="1.0"?><invoice/>', /not an ISO 20022 pain.008/],
      ['a camt.053 statement', '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', /not an ISO 20022 pain.008/],
    ])('%s is refused whole', async (_name, body, message) => {
      const response = await upload(body);
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(message);
    });
  });
}

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

    it('a pain.001 file is refused whole, with a message saying why', async () => {
      const response = await upload('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>');
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/pain\.001 \(payouts\).*not taken yet/);
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

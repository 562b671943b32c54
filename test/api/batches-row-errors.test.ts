import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Issue 9, item 6: each rejected row names where in the file it went wrong — the CSV column, or
 * the pain.008 path — in the report's `field` column, with a code that says what.
 */

/** A card number whose last digit is off by one: it fails its Luhn check. */
function badLuhn(card: string): string {
  return `${card.slice(0, -1)}${(Number(card.slice(-1)) + 1) % 10}`;
}

/** Splits the report's CSV (quoted cells may hold commas and doubled quotes; none holds a line break here). */
function parseCsv(text: string): Record<string, string>[] {
  const cells = (line: string) => {
    const out: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i += 1) {
      const char = line[i]!;
      if (quoted && char === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = !quoted;
      else if (char === ',' && !quoted) {
        out.push(cell);
        cell = '';
      } else cell += char;
    }
    out.push(cell);
    return out;
  };
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = cells(header!);
  return lines.map((line) => Object.fromEntries(cells(line).map((cell, i) => [columns[i]!, cell])));
}

for (const engine of ENGINES) {
  describe(`batch row errors on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const card = cardNumber('622202', 5_001);
    let mandate = '';

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      mandate = await createMandate(t, merchant.key, card, { payer: { account_number: card, account_kind: 'personal', medium: 'bank_card', holder_name: '张三', phone: '13800138000' } });
    });
    afterAll(async () => t?.close());

    async function run(body: string, contentType: string): Promise<{ header: string; rows: Record<string, string>[] }> {
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${merchant.key}`, 'content-type': contentType }, body });
      const created = (await response.json()) as any;
      expect(response.status, JSON.stringify(created)).toBe(202);
      await eventually(async () => {
        const { body: batch } = await t.call('GET', `/v1/batches/${created.id}`, { key: merchant.key });
        return batch.status === 'completed' ? batch : null;
      });
      const text = await (await fetch(`${t.hub.url}/v1/batches/${created.id}/report`, { headers: { authorization: `Bearer ${merchant.key}` } })).text();
      return { header: text.split('\n')[0]!, rows: parseCsv(text) };
    }

    it('CSV: each rejected row names its column and what is wrong with it; the report has a field column', async () => {
      const file = [
        'reference,account_number,amount,holder_name,phone,description',
        `C-1,${card},100,张三,13800138000,ok`,
        `C-2,${card},100`,
        `C-3,${card},100,张三,13800138000,ok,extra`,
        `C-4,${badLuhn(card)},100,张三,,`,
        `C-5,${card},100,李四,,`,
        `C-6,${card},100,张三,13900139000,`,
        `C-7,${card},99999999999999999,张三,,`,
        `C-8,${card},abc,张三,,`,
        '',
      ].join('\n');
      const { header, rows } = await run(file, 'text/csv');
      expect(header).toBe('row,reference,debit_id,status,code,message,field');
      const table = rows.map((r) => [r.reference, r.status === 'rejected' ? 'rejected' : 'accepted', r.code, r.field]);
      expect(table).toEqual([
        ['C-1', 'accepted', '', ''],
        ['C-2', 'rejected', 'row_too_short', 'holder_name'],
        ['C-3', 'rejected', 'extra_column', 'column 7'],
        ['C-4', 'rejected', 'invalid_check_digit', 'account_number'],
        ['C-5', 'rejected', 'payer_details_mismatch', 'holder_name'],
        ['C-6', 'rejected', 'payer_details_mismatch', 'phone'],
        ['C-7', 'rejected', 'amount_too_large', 'amount'],
        ['C-8', 'rejected', 'invalid_amount', 'amount'],
      ]);
      expect(rows[1]!.message).toMatch(/short.*holder_name, phone, description/);
      expect(rows[2]!.message).toMatch(/7 cells.*header has 6/);
      expect(rows[4]!.message).toMatch(/holder_name does not match/);
      expect(rows[5]!.message).toMatch(/phone does not match/);
      expect(rows[6]!.message).toMatch(/too large/);
      expect(rows.map((r) => r.message).join('\n')).not.toContain(card.slice(0, 12));
    });

    it('amount_yuan too large says so', async () => {
      const { rows } = await run(`reference,mandate_id,amount_yuan\nY-1,${mandate},999999999999999.00\n`, 'text/csv');
      expect(rows[0]).toMatchObject({ status: 'rejected', code: 'amount_too_large', field: 'amount_yuan' });
    });

    it('pain.008: a rejected row names the XML path, not the CSV column', async () => {
      const tx = (e2e: string, amount: string, ccy: string, account: string, name = '张三') =>
        `<DrctDbtTxInf><PmtId><EndToEndId>${e2e}</EndToEndId></PmtId><InstdAmt Ccy="${ccy}">${amount}</InstdAmt><Dbtr><Nm>${name}</Nm></Dbtr><DbtrAcct><Id><Othr><Id>${account}</Id></Othr></Id></DbtrAcct></DrctDbtTxInf>`;
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn><GrpHdr><MsgId>ROWERR-1</MsgId><CreDtTm>2026-11-01T09:00:00</CreDtTm><NbOfTxs>5</NbOfTxs></GrpHdr><PmtInf><PmtInfId>P</PmtInfId><PmtMtd>DD</PmtMtd>
${tx('X-1', '1.00', 'USD', card)}
${tx('X-2', '1.234', 'CNY', card)}
${tx('X-3', '1.00', 'CNY', badLuhn(card))}
${tx('X-4', '1.00', 'CNY', card, '李四')}
${tx('', '1.00', 'CNY', card)}
</PmtInf></CstmrDrctDbtInitn></Document>
`;
      const { rows } = await run(xml, 'application/xml');
      expect(rows.map((r) => [r.status, r.code, r.field])).toEqual([
        ['rejected', 'invalid_currency', 'DrctDbtTxInf/InstdAmt/@Ccy'],
        ['rejected', 'invalid_amount', 'DrctDbtTxInf/InstdAmt'],
        ['rejected', 'invalid_check_digit', 'DrctDbtTxInf/DbtrAcct/Id/Othr/Id'],
        ['rejected', 'payer_details_mismatch', 'DrctDbtTxInf/Dbtr/Nm'],
        ['rejected', 'required', 'DrctDbtTxInf/PmtId/EndToEndId'],
      ]);
      expect(rows[1]!.message).toMatch(/^DrctDbtTxInf\/InstdAmt is/);
      expect(rows[3]!.message).toMatch(/DrctDbtTxInf\/Dbtr\/Nm does not match/);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHit } from '../../src/channels/sandbox/statements.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';
import { schemaErrors } from '../support/xmllint.js';

/**
 * GET /v1/sandbox/channels/{channel}/statements/{date} through the hub (docs/statements.md): the
 * debits the hub made are on their channel's statement, with the end_to_end_id it sent; a
 * statement fault set through the hub acts; the sandbox's refusals are the hub's problems.
 */
for (const engine of ENGINES) {
  describe(`sandbox statements through the hub on ${engine}`, () => {
    let t: TestHub;
    let today: string;
    const debits: { id: string; endToEndId: string }[] = [];

    beforeAll(async () => {
      t = await startTestHub(engine);
      const merchant = await createMerchant(t);
      const mandate = await createMandate(t, merchant.key, cardNumber('622202', 9_401));
      for (const reference of ['S-1', 'S-2', 'S-3', 'S-4']) {
        const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandate, amount: 250, currency: 'CNY', reference } });
        await eventually(async () => (await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body.status === 'succeeded');
        const received = await t.call('GET', `/v1/sandbox/accounts/${cardNumber('622202', 9_401)}`);
        const entry = received.body.received.find((line: { end_to_end_id: string }) => line.end_to_end_id.startsWith('dbt_') && !debits.some((d) => d.endToEndId === line.end_to_end_id));
        debits.push({ id: created.body.id, endToEndId: entry.end_to_end_id });
      }
      today = (await t.call('POST', '/v1/sandbox/clock', { body: { advance: 'PT0S' } })).body.business_date;
    });
    afterAll(async () => t?.close());

    it('lists the hub\'s debits by the end_to_end_id it sent, in CSV and in schema-valid camt.053', async () => {
      const csv = await t.call('GET', `/v1/sandbox/channels/sandbox-clearing/statements/${today}`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const entries = (csv.body as string).split('\n').filter((line) => line.startsWith('entry,')).map((line) => line.split(','));
      expect(entries.map((fields) => fields[4]).sort()).toEqual(debits.map((d) => d.endToEndId).sort());
      expect((csv.body as string).split('\n').at(-3)).toBe(`total,sandbox-clearing,${today},,,debit,1000,,,4`);
      const xml = await t.call('GET', `/v1/sandbox/channels/sandbox-clearing/statements/${today}`, { headers: { accept: 'application/xml' } });
      expect(xml.status).toBe(200);
      expect(xml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(schemaErrors('camt.053.001.02', xml.body as string)).toBe('');
      // daikou's ids are 36 characters, over EndToEndId's Max35Text: whole in RmtInf/Ustrd.
      for (const { endToEndId } of debits) expect(xml.body).toContain(`<RmtInf><Ustrd>${endToEndId}</Ustrd></RmtInf>`);
    });

    it('a statement fault set through the hub drops the lines it predicts', async () => {
      const set = await t.call('POST', '/v1/sandbox/faults', { body: { channel: 'sandbox-clearing', mode: 'statement', discrepancy: 'missing', rate: 0.5, seed: 3 } });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ mode: 'statement', discrepancy: 'missing', rate: 0.5, seed: 3 });
      const csv = await t.call('GET', `/v1/sandbox/channels/sandbox-clearing/statements/${today}`);
      const listed = (csv.body as string).split('\n').filter((line) => line.startsWith('entry,')).map((line) => line.split(',')[4]);
      const kept = debits.map((d) => d.endToEndId).filter((id) => !isHit({ discrepancy: 'missing', rate: 0.5, seed: 3 }, id));
      expect(listed.sort()).toEqual(kept.sort());
      expect((await t.call('DELETE', '/v1/sandbox/faults')).status).toBe(204);
    });

    it('answers the sandbox\'s refusals as problems: 409 not ready, 400 bad date; a quiet channel has an empty statement', async () => {
      const early = await t.call('GET', '/v1/sandbox/channels/sandbox-clearing/statements/2100-12-31');
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('sandbox_statement_not_ready');
      const quiet = await t.call('GET', `/v1/sandbox/channels/never-used/statements/${today}`);
      expect(quiet.status).toBe(200);
      expect(quiet.body).toMatch(/^record,channel,business_date,.*\ntotal,never-used,[-0-9]+,,,debit,0,,,0\ntotal,never-used,[-0-9]+,,,credit,0,,,0\n$/);
      expect((await t.call('GET', '/v1/sandbox/channels/sandbox-clearing/statements/2024-9-1')).status).toBe(400);
      expect((await t.call('GET', '/v1/sandbox/channels/sandbox-clearing/statements/2024-02-30')).status).toBe(400);
    });
  });
}

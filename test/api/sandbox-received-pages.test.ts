import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/** GET /v1/sandbox/accounts/{account_number} through the hub: the received list, newest first, in pages. */
for (const engine of ENGINES) {
  describe(`the sandbox's received list through the hub on ${engine}`, () => {
    let t: TestHub;
    const card = cardNumber('622202', 9_301);
    const debits: string[] = [];

    beforeAll(async () => {
      t = await startTestHub(engine);
      const merchant = await createMerchant(t);
      const mandate = await createMandate(t, merchant.key, card);
      for (const reference of ['P-1', 'P-2', 'P-3']) {
        const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandate, amount: 100, currency: 'CNY', reference } });
        await eventually(async () => (await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body.status === 'succeeded');
        debits.push(created.body.id);
      }
    });
    afterAll(async () => t?.close());

    it('forwards limit and starting_after', async () => {
      const first = await t.call('GET', `/v1/sandbox/accounts/${card}?limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.received.map((entry: { end_to_end_id: string }) => entry.end_to_end_id)).toEqual([debits[2], debits[1]]);
      expect(first.body.received_has_more).toBe(true);
      const rest = await t.call('GET', `/v1/sandbox/accounts/${card}?limit=2&starting_after=${first.body.received[1].id}`);
      expect(rest.body.received.map((entry: { end_to_end_id: string }) => entry.end_to_end_id)).toEqual([debits[0]]);
      expect(rest.body.received_has_more).toBe(false);
      expect(rest.body).toMatchObject({ account_number_masked: '622202*********' + card.slice(-4), status: 'open', account_class: 'I' });
    });

    it.each(['limit=0', 'limit=101', 'starting_after=dbt_1'])('refuses %s with a 400', async (query) => {
      const answer = await t.call('GET', `/v1/sandbox/accounts/${card}?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('validation_failed');
    });
  });
}

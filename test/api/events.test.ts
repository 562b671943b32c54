import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batch, Debit, Event, Mandate, Payout, Reconciliation, Settlement } from '../../src/http/representations/index.js';
import { ENGINES } from '../support/engines.js';
import { fundAvailable } from '../support/funding.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Public events (SPEC §16, issue 13): written in the transaction of each change, carrying the
 * object as the API showed it at that moment, listed by `GET /v1/events` for their merchant and
 * the operator, paged both ways.
 */
interface EventBody {
  id: string;
  type: string;
  created_at: string;
  data: { object: { id: string; object: string; status?: string } & Record<string, unknown> };
}

for (const engine of ENGINES) {
  describe(`events on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let other: { id: string; key: string };
    let serial = 4000;
    const nextCard = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      other = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    async function events(query: string, key = merchant.key): Promise<{ data: EventBody[]; has_more: boolean }> {
      const response = await t.call('GET', `/v1/events${query}`, { key });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body;
    }

    /** The object's events, oldest first. */
    async function eventsOf(objectId: string, key = merchant.key): Promise<EventBody[]> {
      return (await events(`?object_id=${objectId}&limit=100`, key)).data.reverse();
    }

    async function debit(key: string, body: Record<string, unknown>): Promise<{ id: string; status: string }> {
      const response = await t.call('POST', '/v1/debits', { key, body: { currency: 'CNY', ...body } });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body;
    }

    async function final(id: string, key = merchant.key): Promise<{ status: string; events: { id: string; type: string }[] }> {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${id}`, { key });
        return ['succeeded', 'failed', 'rejected'].includes(body.status) ? body : null;
      }, 15_000, `debit ${id} to end`);
    }

    it("a debit's life is created → submitted → succeeded, each event carrying the debit as it was then, with the ids of its history", async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const created = await debit(merchant.key, { mandate_id: mandateId, amount: 12_345, reference: 'EVT-OK' });
      const done = await final(created.id);
      expect(done.status).toBe('succeeded');

      const published = await eventsOf(created.id);
      expect(published.map((event) => [event.type, event.data.object.status])).toEqual([
        ['debit.created', 'pending'],
        ['debit.submitted', 'submitted'],
        ['debit.succeeded', 'succeeded'],
      ]);
      // The same changes as the debit's own history, by the same ids.
      expect(published.map((event) => event.id)).toEqual(done.events.map((event) => event.id));
      for (const event of published) {
        expect(Event.safeParse(event).success).toBe(true);
        expect(Debit.safeParse(event.data.object).success).toBe(true);
        expect(event.data.object).toMatchObject({ id: created.id, object: 'debit', merchant_id: merchant.id, amount: 12_345 });
        expect((await t.call('GET', `/v1/events/${event.id}`, { key: merchant.key })).body).toEqual(event);
      }
      expect(published[0]!.data.object).not.toHaveProperty('events');
    });

    it('a debit that fails at the bank ends with debit.failed carrying its failure', async () => {
      const account = nextCard();
      expect((await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { status: 'frozen' } })).status).toBe(200);
      const mandateId = await createMandate(t, merchant.key, account);
      const created = await debit(merchant.key, { mandate_id: mandateId, amount: 5_000, reference: 'EVT-FROZEN' });
      expect((await final(created.id)).status).toBe('failed');
      const published = await eventsOf(created.id);
      expect(published.map((event) => event.type)).toEqual(['debit.created', 'debit.submitted', 'debit.failed']);
      expect(published[2]!.data.object).toMatchObject({ status: 'failed', failure: { code: 'account_blocked', retryable: false } });
    });

    it('a rejected debit has one event, debit.rejected, naming the mandate it was given', async () => {
      const created = await debit(merchant.key, { mandate_id: 'mdt_nothing', amount: 100, reference: 'EVT-REJ' });
      expect(created.status).toBe('rejected');
      const published = await eventsOf(created.id);
      expect(published.map((event) => event.type)).toEqual(['debit.rejected']);
      expect(published[0]!.data.object).toMatchObject({ status: 'rejected', mandate_id: 'mdt_nothing', failure: { code: 'mandate_not_found' } });
    });

    it('a request refused as a whole leaves no event', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const before = (await events('?limit=1')).data[0]!.id;
      const refused = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 100, currency: 'CNY', reference: 'EVT-OK' } });
      expect(refused.status).toBe(409);
      expect((await events(`?ending_before=${before}`)).data).toEqual([]);
    });

    it('a merchant sees only its own events; the operator sees every merchant\'s', async () => {
      const mandateId = await createMandate(t, other.key, nextCard());
      const theirs = await debit(other.key, { mandate_id: mandateId, amount: 700, reference: 'EVT-OTHER' });
      const mine = (await events('?limit=100')).data;
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((event) => event.data.object.merchant_id === merchant.id)).toBe(true);
      const [theirEvent] = await eventsOf(theirs.id, other.key);
      expect(theirEvent).toBeDefined();
      expect((await t.call('GET', `/v1/events/${theirEvent!.id}`, { key: merchant.key })).status).toBe(404);
      expect((await eventsOf(theirs.id)).length).toBe(0);
      const all = (await events('?limit=100', t.operatorKey)).data;
      expect(all.some((event) => event.id === theirEvent!.id)).toBe(true);
      expect(all.some((event) => event.data.object.merchant_id === merchant.id)).toBe(true);
      expect((await t.call('GET', `/v1/events/${theirEvent!.id}`, { key: t.operatorKey })).status).toBe(200);
      // The operator may narrow to one merchant; a merchant key cannot widen its view.
      expect((await events(`?merchant_id=${other.id}&limit=100`, t.operatorKey)).data.every((event) => event.data.object.merchant_id === other.id)).toBe(true);
      expect((await events(`?merchant_id=${other.id}&limit=100`)).data.every((event) => event.data.object.merchant_id === merchant.id)).toBe(true);
    });

    it('pages back with starting_after and forward with ending_before, newest first, and filters by type and time', async () => {
      const all = (await events('?limit=100')).data;
      expect(all.length).toBeGreaterThanOrEqual(6);
      const ids = all.map((event) => event.id);
      expect([...ids].sort().reverse()).toEqual(ids);

      const first = await events('?limit=2');
      expect(first.data.map((event) => event.id)).toEqual(ids.slice(0, 2));
      expect(first.has_more).toBe(true);
      const second = await events(`?limit=2&starting_after=${ids[1]}`);
      expect(second.data.map((event) => event.id)).toEqual(ids.slice(2, 4));

      // Forward from the oldest: the events just above it, still newest first.
      const oldest = ids[ids.length - 1]!;
      const above = await events(`?limit=2&ending_before=${oldest}`);
      expect(above.data.map((event) => event.id)).toEqual(ids.slice(-3, -1));
      expect(above.has_more).toBe(true);
      const top = await events(`?limit=2&ending_before=${ids[2]}`);
      expect(top.data.map((event) => event.id)).toEqual(ids.slice(0, 2));
      expect(top.has_more).toBe(false);

      const failures = await events('?type=debit.failed,debit.rejected&limit=100');
      expect(failures.data.map((event) => event.type).sort()).toEqual(['debit.failed', 'debit.rejected']);
      const unknown = await t.call('GET', '/v1/events?type=debit.created,debit.exploded', { key: merchant.key });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors[0]).toMatchObject({ pointer: '/query/type', code: 'invalid_value' });
      expect(unknown.body.errors[0].detail).toContain('debit.exploded');
      expect((await t.call('GET', `/v1/events?starting_after=${ids[0]}&ending_before=${ids[1]}`, { key: merchant.key })).status).toBe(400);

      const middle = all[Math.floor(all.length / 2)]!;
      const since = await events(`?created_gte=${encodeURIComponent(middle.created_at)}&limit=100`);
      expect(since.data.length).toBeGreaterThan(0);
      expect(since.data.every((event) => event.created_at >= middle.created_at)).toBe(true);
      const until = await events(`?created_lt=${encodeURIComponent(middle.created_at)}&limit=100`);
      expect(since.data.length + until.data.length).toBe(all.length);
    });
  });

  describe(`events of mandates, payouts, refunds, batches, settlements and reconciliations on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let serial = 6000;
    const nextCard = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      t = await startTestHub(engine);
      // 2024-09-23 is a Monday; its debits settle on the 24th.
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now: '2024-09-23T10:00:00+08:00' } })).status).toBe(200);
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    /** The object's events, oldest first, each checked against the Event schema. */
    async function eventsOf(objectId: string, key = merchant.key): Promise<EventBody[]> {
      const response = await t.call('GET', `/v1/events?object_id=${objectId}&limit=100`, { key });
      expect(response.status).toBe(200);
      const data = (response.body.data as EventBody[]).reverse();
      for (const event of data) expect(Event.safeParse(event).success, JSON.stringify(event)).toBe(true);
      return data;
    }

    const final = (path: string) =>
      eventually(async () => {
        const { body } = await t.call('GET', path, { key: merchant.key });
        return ['succeeded', 'failed', 'completed'].includes(body.status) ? body : null;
      }, 20_000, `${path} to end`);

    it('a mandate is created, then revoked, each event carrying its status then', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), { signed_at: '2024-01-01' });
      expect((await t.call('POST', `/v1/mandates/${mandateId}/revoke`, { key: merchant.key })).status).toBe(200);
      // Revoking again changes nothing, and says nothing.
      expect((await t.call('POST', `/v1/mandates/${mandateId}/revoke`, { key: merchant.key })).status).toBe(200);
      const published = await eventsOf(mandateId);
      expect(published.map((event) => [event.type, event.data.object.status])).toEqual([
        ['mandate.created', 'active'],
        ['mandate.revoked', 'revoked'],
      ]);
      for (const event of published) expect(Mandate.safeParse(event.data.object).success).toBe(true);
    });

    it("a payout's life is payout.created → submitted → succeeded", async () => {
      await fundAvailable(t, merchant.id, 50_000, 'events-fund');
      const created = await t.call('POST', '/v1/payouts', { key: merchant.key, body: { payee: { account_number: nextCard(), account_kind: 'personal', holder_name: '李四' }, amount: 10_000, currency: 'CNY', reference: 'EVT-PO-1' } });
      expect(created.status).toBe(201);
      expect((await final(`/v1/payouts/${created.body.id}`)).status).toBe('succeeded');
      const published = await eventsOf(created.body.id);
      expect(published.map((event) => [event.type, event.data.object.status])).toEqual([
        ['payout.created', 'pending'],
        ['payout.submitted', 'submitted'],
        ['payout.succeeded', 'succeeded'],
      ]);
      for (const event of published) expect(Payout.safeParse(event.data.object).success).toBe(true);
    });

    it('a refund has refund.* events; a refund refused for exceeding its debit leaves none', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), { signed_at: '2024-01-01' });
      const debit = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 10_000, currency: 'CNY', reference: 'EVT-RF-1' } });
      expect((await final(`/v1/debits/${debit.body.id}`)).status).toBe('succeeded');
      const before = (await t.call('GET', '/v1/events?limit=1', { key: t.operatorKey })).body.data[0].id as string;
      const refused = await t.call('POST', `/v1/debits/${debit.body.id}/refunds`, { key: merchant.key, body: { amount: 10_001 } });
      expect(refused.status).toBe(409);
      expect((await t.call('GET', `/v1/events?ending_before=${before}`, { key: t.operatorKey })).body.data).toEqual([]);

      const refund = await t.call('POST', `/v1/debits/${debit.body.id}/refunds`, { key: merchant.key, body: { amount: 3_000 } });
      expect(refund.status).toBe(201);
      expect((await final(`/v1/payouts/${refund.body.id}`)).status).toBe('succeeded');
      const published = await eventsOf(refund.body.id);
      expect(published.map((event) => [event.type, event.data.object.status])).toEqual([
        ['refund.created', 'pending'],
        ['refund.submitted', 'submitted'],
        ['refund.succeeded', 'succeeded'],
      ]);
      expect(published[0]!.data.object).toMatchObject({ object: 'payout', kind: 'refund', debit_id: debit.body.id });
    });

    it('a batch has one batch.completed and one debit.created per accepted row', async () => {
      const accounts = [nextCard(), nextCard(), nextCard()];
      for (const account of accounts.slice(0, 2)) await createMandate(t, merchant.key, account, { signed_at: '2024-01-01' });
      // The third account has no mandate: its row becomes a rejected debit.
      const file = ['reference,account_number,amount', ...accounts.map((account, row) => `EVT-B-${row},${account},${100 + row}`)].join('\n') + '\n';
      const uploaded = await t.call('POST', '/v1/batches', { key: merchant.key, body: file, headers: { 'content-type': 'text/csv' } });
      expect(uploaded.status).toBe(202);
      const batch = await final(`/v1/batches/${uploaded.body.id}`);
      expect(batch.counts).toMatchObject({ rows: 3, accepted: 2, rejected: 1 });
      const [completed, ...more] = await eventsOf(batch.id);
      expect(more).toEqual([]);
      expect(completed).toMatchObject({ type: 'batch.completed', data: { object: { id: batch.id, status: 'completed', counts: { rows: 3, accepted: 2, rejected: 1 } } } });
      expect(Batch.safeParse(completed!.data.object).success).toBe(true);
      const debits = (await t.call('GET', `/v1/debits?batch_id=${batch.id}&limit=10`, { key: merchant.key })).body.data as { id: string; status: string }[];
      expect(debits).toHaveLength(3);
      for (const debit of debits) {
        const first = (await eventsOf(debit.id))[0]!;
        expect(first.type).toBe(debit.status === 'rejected' ? 'debit.rejected' : 'debit.created');
      }
      expect(debits.filter((debit) => debit.status !== 'rejected')).toHaveLength(2);
    });

    it('a settlement has settlement.completed; a reconciliation has reconciliation.completed, for the operator only', async () => {
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now: '2024-09-24T10:00:00+08:00' } })).status).toBe(200);
      const settled = await eventually(async () => {
        const run = await t.call('POST', '/v1/settlements/run', { body: {} });
        const listed = await t.call('GET', '/v1/settlements', { key: merchant.key });
        return run.status === 200 && listed.body.data.length > 0 ? listed.body.data[0] : null;
      }, 15_000, 'the settlement of 2024-09-23');
      const [completed] = await eventsOf(settled.id);
      expect(completed).toMatchObject({ type: 'settlement.completed', data: { object: { id: settled.id, status: 'settled', merchant_id: merchant.id } } });
      expect(Settlement.safeParse(completed!.data.object).success).toBe(true);

      const statement = [
        'record,channel,business_date,channel_reference,end_to_end_id,direction,amount,status,settled_at,count',
        'total,sandbox-clearing,2024-09-23,,,debit,0,,,0',
        'total,sandbox-clearing,2024-09-23,,,credit,0,,,0',
      ].join('\n');
      const reconciliation = await t.call('POST', '/v1/reconciliations?channel=sandbox-clearing&business_date=2024-09-23', { key: t.operatorKey, body: statement, headers: { 'content-type': 'text/csv' } });
      expect(reconciliation.status).toBe(202);
      await eventually(async () => (await t.call('GET', `/v1/reconciliations/${reconciliation.body.id}`, { key: t.operatorKey })).body.status === 'completed', 15_000, 'the reconciliation');
      const [done] = await eventsOf(reconciliation.body.id, t.operatorKey);
      expect(done).toMatchObject({ type: 'reconciliation.completed', data: { object: { id: reconciliation.body.id, status: 'completed' } } });
      expect(Reconciliation.safeParse(done!.data.object).success).toBe(true);
      expect(await eventsOf(reconciliation.body.id)).toEqual([]);
      expect((await t.call('GET', `/v1/events/${done!.id}`, { key: merchant.key })).status).toBe(404);
    });
  });
}

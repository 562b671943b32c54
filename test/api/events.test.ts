import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Debit, Event } from '../../src/http/representations/index.js';
import { ENGINES } from '../support/engines.js';
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
}

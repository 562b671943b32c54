import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { validationFailed } from '../../app/errors.js';
import { createPayout, getPayout, listPayouts } from '../../app/payouts.js';
import { createRefund, listRefunds } from '../../app/refunds.js';
import { merchantOf, merchantScope } from '../auth.js';
import { presentCreatedPayout, presentPayout, type PayoutView } from '../presenters.js';
import { Payout, PayoutList, responses } from '../representations/index.js';
import type { RouteDeps } from '../route-deps.js';
import { CreatePayoutBody, CreateRefundBody, IdempotencyHeaders, IdParams, ListPayoutsQuery, ListRefundsQuery } from '../schemas.js';
import { idempotencyKeyOf, storedInstant } from './debits.js';

/** Payouts (代付, SPEC §14). */
export function payoutRoutes(app: FastifyInstance, { ctx, guard, onDebitCreated }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['payouts'];
  r.post('/v1/payouts', {
    schema: {
      operationId: 'createPayout',
      tags,
      summary: "Pay money from the merchant's available balance to a payee's account",
      description:
        'Idempotency-Key as for debits. Accepting a payout reserves amount + fee out of `available` atomically: concurrent payouts never take it below zero. ' +
        'A well-formed payout that cannot go is stored and answered 201 with status `rejected` and a failure code ' +
        '(`insufficient_balance`, `no_eligible_channel`, `invalid_payee`).',
      headers: IdempotencyHeaders,
      body: CreatePayoutBody,
      response: responses({ 201: Payout }, [400, 401, 403, 409, 413, 415]),
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const header = request.headers['idempotency-key'];
    const key = typeof header === 'string' ? header : null;
    if (key !== null && (key.length === 0 || key.length > 255)) {
      throw validationFailed([{ pointer: '/headers/idempotency-key', code: 'invalid_length', detail: 'Idempotency-Key must be 1 to 255 characters.' }]);
    }
    const result = await createPayout(ctx, merchantOf(request), key, request.body, presentCreatedPayout);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    // The submission worker carries payouts too: wake it as for a new debit.
    else onDebitCreated();
    return reply.code(result.status as 201).send(result.body as PayoutView);
  });
  r.get('/v1/payouts', {
    schema: { operationId: 'listPayouts', tags, summary: 'List payouts, newest first', querystring: ListPayoutsQuery, response: responses({ 200: PayoutList }, [400, 401]) },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listPayouts(ctx, {
      merchantId: merchantScope(request) ?? q.merchant_id,
      kind: q.kind,
      status: q.status,
      reference: q.reference,
      channelId: q.channel,
      createdFrom: q.created_gte === undefined ? undefined : storedInstant(q.created_gte, '/query/created_gte'),
      createdTo: q.created_lt === undefined ? undefined : storedInstant(q.created_lt, '/query/created_lt'),
      limit: q.limit,
      startingAfter: q.starting_after,
    });
    return { object: 'list' as const, data: page.data.map((payout) => presentPayout({ payout })), has_more: page.hasMore };
  });
  r.get('/v1/payouts/:id', {
    schema: { operationId: 'getPayout', tags, summary: 'Retrieve a payout with its routing, events and attempts', params: IdParams, response: responses({ 200: Payout }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request) => presentPayout(await getPayout(ctx, merchantScope(request), request.params.id)));
  r.post('/v1/debits/:id/refunds', {
    schema: {
      operationId: 'createRefund',
      tags,
      summary: 'Pay money of a succeeded debit back to its payer (a refund)',
      description:
        "A refund is a payout of kind `refund` with `debit_id`, paid to the mandate's account over a channel with capability `payout`. " +
        '`amount` defaults to what is left to refund; refunds of one debit never sum above its amount, even when concurrent. The money comes out of ' +
        "the merchant's `pending` (the debit's net, while the debit is not yet settled), then `available`; a refund has no fee. Refusals (409): " +
        '`debit_not_refundable` (the debit has not succeeded), `refund_exceeds_debit` (pointer /amount). A refund that cannot go is stored and ' +
        'answered 201 with status `rejected` (`insufficient_balance`, `no_eligible_channel`, `invalid_payee`). A refund that fails at the channel ' +
        'gives back its money and its amount to refund. Idempotency-Key as for POST /v1/payouts.',
      headers: IdempotencyHeaders,
      params: IdParams,
      body: CreateRefundBody,
      response: responses({ 201: Payout }, [400, 401, 403, 404, 409, 413, 415]),
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const result = await createRefund(ctx, merchantOf(request), idempotencyKeyOf(request.headers), request.params.id, request.body, presentCreatedPayout);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    else onDebitCreated();
    return reply.code(result.status as 201).send(result.body as PayoutView);
  });
  r.get('/v1/debits/:id/refunds', {
    schema: { operationId: 'listRefunds', tags, summary: "A debit's refunds, newest first", params: IdParams, querystring: ListRefundsQuery, response: responses({ 200: PayoutList }, [400, 401, 404]) },
    onRequest: guard('any'),
  }, async (request) => {
    const page = await listRefunds(ctx, merchantScope(request), request.params.id, { limit: request.query.limit, startingAfter: request.query.starting_after });
    return { object: 'list' as const, data: page.data.map((payout) => presentPayout({ payout })), has_more: page.hasMore };
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validationFailed } from '../../app/errors.js';
import { merchantBalances, trialBalance } from '../../app/ledger.js';
import type { RouteDeps } from '../route-deps.js';
import { merchantScope } from '../auth.js';
import { Balances, responses, TrialBalance } from '../representations/index.js';

export function ledgerRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['ledger'];
  r.get('/v1/balances', {
    schema: {
      operationId: 'getBalances',
      tags,
      summary: "A merchant's balances in fen: pending (collected, not settled, net of merchant fees), available (settled T+1) and reserved",
      querystring: z.strictObject({ merchant_id: z.string().optional().describe('Operator only, and required then: whose balances') }),
      response: responses({ 200: Balances }, [400, 401]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const merchantId = merchantScope(request) ?? request.query.merchant_id;
    if (merchantId === undefined) {
      throw validationFailed([{ pointer: '/query/merchant_id', code: 'required', detail: 'An operator must name merchant_id.' }]);
    }
    return { object: 'balances' as const, merchant_id: merchantId, currency: 'CNY' as const, ...(await merchantBalances(ctx, merchantId)) };
  });
  r.get('/v1/ledger/trial-balance', {
    schema: {
      operationId: 'getTrialBalance',
      tags,
      summary: 'Every ledger account with its balance; the total is always 0',
      response: responses({ 200: TrialBalance }, [401, 403]),
    },
    onRequest: guard('operator'),
  }, async () => ({ object: 'trial_balance' as const, currency: 'CNY' as const, ...(await trialBalance(ctx)) }));
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validationFailed } from '../../app/errors.js';
import { merchantBalances, trialBalance } from '../../app/ledger.js';
import type { RouteDeps } from '../server.js';
import { merchantScope } from '../auth.js';

export function ledgerRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/balances', {
    schema: {
      tags: ['ledger'],
      summary: "A merchant's balances in fen: pending (collected, not settled), available, fees",
      querystring: z.strictObject({ merchant_id: z.string().optional().describe('Operator only: whose balances') }),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const merchantId = merchantScope(request) ?? request.query.merchant_id;
    if (merchantId === undefined) {
      throw validationFailed([{ pointer: '/query/merchant_id', code: 'required', detail: 'An operator must name merchant_id.' }]);
    }
    return { object: 'balances', merchant_id: merchantId, currency: 'CNY', ...(await merchantBalances(ctx, merchantId)) };
  });
  r.get('/v1/ledger/trial-balance', {
    schema: { tags: ['ledger'], summary: 'Every ledger account with its balance; the total is always 0' },
    onRequest: guard('operator'),
  }, async () => ({ object: 'trial_balance', currency: 'CNY', ...(await trialBalance(ctx)) }));
}

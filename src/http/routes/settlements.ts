import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listSettlements, runSettlement } from '../../app/settlements.js';
import type { BusinessDate } from '../../core/index.js';
import { merchantScope } from '../auth.js';
import { presentSettlement } from '../presenters.js';
import { responses, SettlementList, SettlementRun } from '../representations/index.js';
import type { RouteDeps } from '../route-deps.js';
import { ListSettlementsQuery, RunSettlementBody } from '../schemas.js';

/** Settlement T+1 (SPEC §14): the run, and the settlements it wrote. */
export function settlementRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['ledger'];
  r.post('/v1/settlements/run', {
    schema: {
      operationId: 'runSettlement',
      tags,
      summary: 'Settle now every merchant-day that is due (T+1): their net moves from pending to available',
      description:
        'The maintenance worker does the same after midnight Asia/Shanghai; running it again, or on several nodes at once, moves nothing twice. ' +
        'Debits whose next business day is past the end of the business calendar are left unsettled and listed in waiting.',
      body: RunSettlementBody,
      response: responses({ 200: SettlementRun }, [400, 401, 403, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const run = await runSettlement(ctx, request.body.business_date === undefined ? {} : { businessDate: request.body.business_date as BusinessDate });
    return { object: 'settlement_run' as const, today: run.today, settlements: run.settlements.map(presentSettlement), waiting: run.waiting, has_more: run.hasMore };
  });
  r.get('/v1/settlements', {
    schema: { operationId: 'listSettlements', tags, summary: 'List settlements, newest first', querystring: ListSettlementsQuery, response: responses({ 200: SettlementList }, [400, 401]) },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listSettlements(ctx, {
      merchantId: merchantScope(request) ?? q.merchant_id,
      businessDate: q.business_date,
      settlesOnFrom: q.settles_on_gte,
      settlesOnTo: q.settles_on_lte,
      status: q.status,
      limit: q.limit,
      startingAfter: q.starting_after,
    });
    return { object: 'list' as const, data: page.data.map(presentSettlement), has_more: page.hasMore };
  });
}

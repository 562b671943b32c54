import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getFeePlanVersions, presentFeePlan, putFeePlan } from '../../app/fee-plans.js';
import { validationFailed } from '../../app/errors.js';
import { marginReport } from '../../app/ledger.js';
import { updateMerchantPlans } from '../../app/merchants.js';
import { presentMerchant } from '../../app/presenters.js';
import type { RouteDeps } from '../server.js';
import { FeePlanBody, FeePlanUpdateBody, MarginQuery, MerchantPatchBody } from '../schemas.js';

const IdParams = z.strictObject({ id: z.string() });

export function feeRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['fees'];
  r.get('/v1/fee-plans', { schema: { tags, summary: 'Every fee plan, newest version of each' }, onRequest: guard('operator') }, async () => {
    const rows = await ctx.store.listFeePlans();
    const newest = new Map(rows.map((row) => [row.id, row]));
    return { object: 'list', has_more: false, data: [...newest.values()].map(presentFeePlan) };
  });
  r.post('/v1/fee-plans', { schema: { tags, summary: 'Add a fee plan (version 1)', body: FeePlanBody }, onRequest: guard('operator') }, async (request, reply) =>
    reply.code(201).send(presentFeePlan(await putFeePlan(ctx, request.body, undefined, 'create'))),
  );
  r.get('/v1/fee-plans/:id', { schema: { tags, summary: 'A fee plan with every version', params: IdParams }, onRequest: guard('operator') }, async (request) => {
    const versions = await getFeePlanVersions(ctx, request.params.id);
    return { ...presentFeePlan(versions.at(-1)!), versions: versions.map(presentFeePlan) };
  });
  r.put('/v1/fee-plans/:id', {
    schema: { tags, summary: 'A new version of a fee plan, in force from its effective_from; quotes already given stand', params: IdParams, body: FeePlanUpdateBody },
    onRequest: guard('operator'),
  }, async (request) => {
    const versions = await getFeePlanVersions(ctx, request.params.id);
    return presentFeePlan(await putFeePlan(ctx, { ...request.body, id: request.params.id, side: versions[0]!.side as 'merchant' | 'payer' }));
  });
  r.patch('/v1/merchants/:id', {
    schema: { tags: ['merchants'], summary: "Assign a merchant's fee plans (fee_plan, payer_fee_plan)", params: IdParams, body: MerchantPatchBody },
    onRequest: guard('operator'),
  }, async (request) => presentMerchant(await updateMerchantPlans(ctx, request.params.id, request.body)));
  r.get('/v1/reports/margin', {
    schema: { tags, summary: 'Revenue, channel cost and margin by merchant, channel and day, from the ledger', querystring: MarginQuery },
    onRequest: guard('operator'),
  }, async (request) => {
    const { from, to, merchant_id: merchantId } = request.query;
    if (from > to) throw validationFailed([{ pointer: '/query/to', code: 'before_from', detail: 'to must be on or after from.' }]);
    return { object: 'margin_report', currency: 'CNY', ...(await marginReport(ctx, from, to, merchantId)) };
  });
}

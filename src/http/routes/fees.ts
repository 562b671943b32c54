import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getFeePlanVersions, putFeePlan } from '../../app/fee-plans.js';
import { validationFailed } from '../../app/errors.js';
import { marginReport } from '../../app/ledger.js';
import { updateMerchant } from '../../app/merchants.js';
import { presentFeePlan, presentMerchant } from '../presenters.js';
import type { RouteDeps } from '../route-deps.js';
import { businessDate } from '../../core/index.js';
import { FeePlan, FeePlanList, FeePlanWithVersions, MarginReport, Merchant, responses } from '../representations/index.js';
import { FeePlanBody, FeePlanUpdateBody, MarginQuery, MerchantPatchBody } from '../schemas.js';

const IdParams = z.strictObject({ id: z.string() });

export function feeRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['fees'];
  r.get('/v1/fee-plans', {
    schema: { operationId: 'listFeePlans', tags, summary: 'Every fee plan, newest version of each', response: responses({ 200: FeePlanList }, [401, 403]) },
    onRequest: guard('operator'),
  }, async () => {
    const rows = await ctx.store.listFeePlans();
    const newest = new Map(rows.map((row) => [row.id, row]));
    return { object: 'list' as const, has_more: false, data: [...newest.values()].map(presentFeePlan) };
  });
  r.post('/v1/fee-plans', {
    schema: { operationId: 'createFeePlan', tags, summary: 'Add a fee plan (version 1)', body: FeePlanBody, response: responses({ 201: FeePlan }, [400, 401, 403, 409, 413, 415]) },
    onRequest: guard('operator'),
  }, async (request, reply) =>
    reply.code(201).send(presentFeePlan(await putFeePlan(ctx, request.body, undefined, 'create'))),
  );
  r.get('/v1/fee-plans/:id', {
    schema: { operationId: 'getFeePlan', tags, summary: 'A fee plan with every version', params: IdParams, response: responses({ 200: FeePlanWithVersions }, [401, 403, 404]) },
    onRequest: guard('operator'),
  }, async (request) => {
    const versions = await getFeePlanVersions(ctx, request.params.id);
    return { ...presentFeePlan(versions.at(-1)!), versions: versions.map(presentFeePlan) };
  });
  r.put('/v1/fee-plans/:id', {
    schema: {
      operationId: 'updateFeePlan',
      tags,
      summary: 'A new version of a fee plan, in force from its effective_from; quotes already given stand',
      params: IdParams,
      body: FeePlanUpdateBody,
      response: responses({ 200: FeePlan }, [400, 401, 403, 404, 409, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const versions = await getFeePlanVersions(ctx, request.params.id);
    return presentFeePlan(await putFeePlan(ctx, { ...request.body, id: request.params.id, side: versions[0]!.side as 'merchant' | 'payer' }));
  });
  r.patch('/v1/merchants/:id', {
    schema: {
      operationId: 'updateMerchant',
      tags: ['merchants'],
      summary: "Assign a merchant's fee plans (fee_plan, payer_fee_plan) and set its auto_represent",
      params: IdParams,
      body: MerchantPatchBody,
      response: responses({ 200: Merchant }, [400, 401, 403, 404, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) => presentMerchant(await updateMerchant(ctx, request.params.id, request.body)));
  r.get('/v1/reports/margin', {
    schema: {
      operationId: 'getMarginReport',
      tags,
      summary: 'Revenue, channel cost and margin by merchant, channel and day, from the ledger',
      description: 'from and to default to the first and last day of the current month (Asia/Shanghai, on the test clock in the sandbox).',
      querystring: MarginQuery,
      response: responses({ 200: MarginReport }, [400, 401, 403]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const month = monthOf(businessDate(ctx.clock.now()));
    const { from = month.from, to = month.to, merchant_id: merchantId } = request.query;
    if (from > to) throw validationFailed([{ pointer: '/query/to', code: 'before_from', detail: 'to must be on or after from.' }]);
    return { object: 'margin_report' as const, currency: 'CNY' as const, ...(await marginReport(ctx, from, to, merchantId)) };
  });
}

/** The first and last business dates of the month a date is in. */
function monthOf(date: string): { from: string; to: string } {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { from: `${date.slice(0, 7)}-01`, to: `${date.slice(0, 7)}-${String(days).padStart(2, '0')}` };
}

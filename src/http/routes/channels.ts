import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isCalendarDate, type BusinessDate } from '../../core/index.js';
import { createChannel, getChannel, getRuleVersions, putRule, retireRule, updateChannel } from '../../app/channels.js';
import { validationFailed } from '../../app/errors.js';
import type { ChannelRow } from '../../app/ports.js';
import { simulateRules } from '../../app/simulation.js';
import { presentChannel, presentRule } from '../presenters.js';
import type { RouteDeps } from '../route-deps.js';
import { Channel, ChannelList, responses, Rule, RuleList, RuleSimulation, RuleWithVersions } from '../representations/index.js';
import { ChannelBody, ChannelPatchBody, RuleBody, RuleUpdateBody, SimulateBody } from '../schemas.js';

const IdParams = z.strictObject({ id: z.string() });

export function channelRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['channels and rules'];
  const present = (row: ChannelRow) => presentChannel(row, ctx.routing.channelHealth(row.id));
  r.get('/v1/channels', {
    schema: { operationId: 'listChannels', tags, summary: 'The clearing channels, by priority', response: responses({ 200: ChannelList }, [401, 403]) },
    onRequest: guard('operator'),
  }, async () => ({
    object: 'list' as const,
    has_more: false,
    data: (await ctx.store.listChannels()).map(present),
  }));
  r.post('/v1/channels', {
    schema: { operationId: 'createChannel', tags, summary: 'Add a channel', body: ChannelBody, response: responses({ 201: Channel }, [400, 401, 403, 409, 413, 415]) },
    onRequest: guard('operator'),
  }, async (request, reply) =>
    reply.code(201).send(present(await createChannel(ctx, request.body))),
  );
  r.get('/v1/channels/:id', {
    schema: { operationId: 'getChannel', tags, summary: 'Retrieve a channel', params: IdParams, response: responses({ 200: Channel }, [401, 403, 404]) },
    onRequest: guard('operator'),
  }, async (request) =>
    present(await getChannel(ctx, request.params.id)),
  );
  r.patch('/v1/channels/:id', {
    schema: {
      operationId: 'updateChannel',
      tags,
      summary: 'Change a channel (cost, priority, on/off, …)',
      params: IdParams,
      body: ChannelPatchBody,
      response: responses({ 200: Channel }, [400, 401, 403, 404, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) =>
    present(await updateChannel(ctx, request.params.id, request.body)),
  );

  r.get('/v1/rules', {
    schema: { operationId: 'listRules', tags, summary: 'The newest version of every routing rule', response: responses({ 200: RuleList }, [401, 403]) },
    onRequest: guard('operator'),
  }, async () => ({
    object: 'list' as const,
    has_more: false,
    data: (await ctx.store.listCurrentRules()).map(presentRule),
  }));
  r.post('/v1/rules', {
    schema: { operationId: 'createRule', tags, summary: 'Add a routing rule (version 1)', body: RuleBody, response: responses({ 201: Rule }, [400, 401, 403, 409, 413, 415]) },
    onRequest: guard('operator'),
  }, async (request, reply) =>
    reply.code(201).send(presentRule(await putRule(ctx, request.body, undefined, 'create'))),
  );
  r.get('/v1/rules/:id', {
    schema: { operationId: 'getRule', tags, summary: 'A rule with every version it has had', params: IdParams, response: responses({ 200: RuleWithVersions }, [401, 403, 404]) },
    onRequest: guard('operator'),
  }, async (request) => {
    const versions = await getRuleVersions(ctx, request.params.id);
    return { ...presentRule(versions.at(-1)!), versions: versions.map(presentRule) };
  });
  r.put('/v1/rules/:id', {
    schema: {
      operationId: 'updateRule',
      tags,
      summary: 'Change a rule: writes a new version; debits keep the version that routed them',
      params: IdParams,
      body: RuleUpdateBody,
      response: responses({ 200: Rule }, [400, 401, 403, 404, 409, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    await getRuleVersions(ctx, request.params.id);
    return presentRule(await putRule(ctx, { ...request.body, id: request.params.id }));
  });
  r.delete('/v1/rules/:id', {
    schema: {
      operationId: 'retireRule',
      tags,
      summary: 'Retire a rule: a new version that is no longer in force',
      params: IdParams,
      response: responses({ 200: Rule }, [401, 403, 404, 409]),
    },
    onRequest: guard('operator'),
  }, async (request) =>
    presentRule(await retireRule(ctx, request.params.id)),
  );
  r.post('/v1/rules/simulate', {
    schema: {
      operationId: 'simulateRules',
      tags,
      summary: 'What-if: replay the debits of a window as routed, and as if routed on `at` with the rules changed',
      body: SimulateBody,
      response: responses({ 200: RuleSimulation }, [400, 401, 403, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const { at, window } = request.body;
    const bad = [['/at', at], ['/window/from', window.from], ['/window/to', window.to]].filter(([, value]) => !isCalendarDate(value!));
    if (bad.length > 0) throw validationFailed(bad.map(([pointer]) => ({ pointer: pointer!, code: 'invalid_date', detail: 'Not a real calendar date.' })));
    return {
      object: 'rule_simulation' as const,
      ...(await simulateRules(ctx, { ...request.body, at: at as BusinessDate, window: window as { from: BusinessDate; to: BusinessDate } })),
    };
  });
}

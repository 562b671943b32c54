import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isCalendarDate, type BusinessDate } from '../../core/index.js';
import { createChannel, getChannel, getRuleVersions, presentChannel, presentRule, putRule, retireRule, updateChannel } from '../../app/channels.js';
import { validationFailed } from '../../app/errors.js';
import { simulateRules } from '../../app/simulation.js';
import type { RouteDeps } from '../server.js';
import { ChannelBody, ChannelPatchBody, RuleBody, RuleUpdateBody, SimulateBody } from '../schemas.js';

const IdParams = z.strictObject({ id: z.string() });

export function channelRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['channels and rules'];
  r.get('/v1/channels', { schema: { tags, summary: 'The clearing channels, by priority' }, onRequest: guard('operator') }, async () => ({
    object: 'list',
    has_more: false,
    data: (await ctx.store.listChannels()).map(presentChannel),
  }));
  r.post('/v1/channels', { schema: { tags, summary: 'Add a channel', body: ChannelBody }, onRequest: guard('operator') }, async (request, reply) =>
    reply.code(201).send(presentChannel(await createChannel(ctx, request.body))),
  );
  r.get('/v1/channels/:id', { schema: { tags, summary: 'Retrieve a channel', params: IdParams }, onRequest: guard('operator') }, async (request) =>
    presentChannel(await getChannel(ctx, request.params.id)),
  );
  r.patch('/v1/channels/:id', { schema: { tags, summary: 'Change a channel (cost, priority, on/off, …)', params: IdParams, body: ChannelPatchBody }, onRequest: guard('operator') }, async (request) =>
    presentChannel(await updateChannel(ctx, request.params.id, request.body)),
  );

  r.get('/v1/rules', { schema: { tags, summary: 'The newest version of every routing rule' }, onRequest: guard('operator') }, async () => ({
    object: 'list',
    has_more: false,
    data: (await ctx.store.listCurrentRules()).map(presentRule),
  }));
  r.post('/v1/rules', { schema: { tags, summary: 'Add a routing rule (version 1)', body: RuleBody }, onRequest: guard('operator') }, async (request, reply) =>
    reply.code(201).send(presentRule(await putRule(ctx, request.body, undefined, 'create'))),
  );
  r.get('/v1/rules/:id', { schema: { tags, summary: 'A rule with every version it has had', params: IdParams }, onRequest: guard('operator') }, async (request) => {
    const versions = await getRuleVersions(ctx, request.params.id);
    return { ...presentRule(versions.at(-1)!), versions: versions.map(presentRule) };
  });
  r.put('/v1/rules/:id', {
    schema: { tags, summary: 'Change a rule: writes a new version; debits keep the version that routed them', params: IdParams, body: RuleUpdateBody },
    onRequest: guard('operator'),
  }, async (request) => {
    await getRuleVersions(ctx, request.params.id);
    return presentRule(await putRule(ctx, { ...request.body, id: request.params.id }));
  });
  r.delete('/v1/rules/:id', { schema: { tags, summary: 'Retire a rule: a new version that is no longer in force', params: IdParams }, onRequest: guard('operator') }, async (request) =>
    presentRule(await retireRule(ctx, request.params.id)),
  );
  r.post('/v1/rules/simulate', {
    schema: {
      tags,
      summary: 'What-if: replay the debits of a window as routed, and as if routed on `at` with the rules changed',
      body: SimulateBody,
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const { at, window } = request.body;
    const bad = [['/at', at], ['/window/from', window.from], ['/window/to', window.to]].filter(([, value]) => !isCalendarDate(value!));
    if (bad.length > 0) throw validationFailed(bad.map(([pointer]) => ({ pointer: pointer!, code: 'invalid_date', detail: 'Not a real calendar date.' })));
    return {
      object: 'rule_simulation',
      ...(await simulateRules(ctx, { ...request.body, at: at as BusinessDate, window: window as { from: BusinessDate; to: BusinessDate } })),
    };
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getEvent, listEvents } from '../../app/events.js';
import { merchantScope } from '../auth.js';
import { presentEvent } from '../presenters.js';
import { Event, EventList, responses } from '../representations/index.js';
import type { RouteDeps } from '../route-deps.js';
import { IdParams, ListEventsQuery } from '../schemas.js';
import { storedInstant } from './debits.js';

/** Public events (SPEC §16): a merchant reads its own, the operator every merchant's and its own. */
export function eventRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['events'];
  r.get('/v1/events', {
    schema: {
      operationId: 'listEvents',
      tags,
      summary: 'List events, newest first',
      description:
        'Each event carries its object as the API showed it when the change happened. Page back with starting_after (has_more: older ones follow); ' +
        'poll forward with ending_before set to the newest id seen (the events just above it, newest first; has_more: still newer ones exist). ' +
        'An event can commit a few seconds after one with a greater id: to see every one, poll from an id some seconds behind the newest and skip ids already seen. ' +
        '`type` takes one type or several separated by commas; an unknown type is refused (pointer /query/type).',
      querystring: ListEventsQuery,
      response: responses({ 200: EventList }, [400, 401]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listEvents(
      ctx,
      {
        merchantId: merchantScope(request) ?? q.merchant_id,
        objectId: q.object_id,
        createdGte: q.created_gte === undefined ? undefined : storedInstant(q.created_gte, '/query/created_gte'),
        createdLt: q.created_lt === undefined ? undefined : storedInstant(q.created_lt, '/query/created_lt'),
        limit: q.limit,
        startingAfter: q.starting_after,
        endingBefore: q.ending_before,
      },
      q.type,
    );
    return { object: 'list' as const, data: page.data.map(presentEvent), has_more: page.hasMore };
  });
  r.get('/v1/events/:id', {
    schema: { operationId: 'getEvent', tags, summary: 'Retrieve an event', params: IdParams, response: responses({ 200: Event }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request) => presentEvent(await getEvent(ctx, merchantScope(request), request.params.id)));
}

import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../server.js';

export function channelRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  app.get('/v1/channels', {
    schema: { tags: ['channels'], summary: 'The configured clearing channels' },
    preHandler: guard('operator'),
  }, async () => {
    const rows = await ctx.store.listChannels();
    return {
      object: 'list',
      has_more: false,
      data: rows.map((row) => ({
        id: row.id,
        object: 'channel',
        type: row.type,
        name: row.name,
        region_code: row.region_code,
        bank_code: row.bank_code,
        capabilities: JSON.parse(row.capabilities) as unknown,
        priority: row.priority,
      })),
    };
  });
}

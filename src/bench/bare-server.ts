import Fastify from 'fastify';

/**
 * The API phase's reference: bare Fastify answering a trivial POST (JSON in, parsed; 201 and a
 * small JSON body out), in a process of its own like the hub, driven by the same client in the
 * same run. What the hub costs per debit is read against it.
 */
export async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = Fastify({ logger: false });
  server.post('/v1/debits', async (request, reply) => {
    const body = request.body as { reference?: unknown };
    return reply.code(201).send({ id: 'bare', reference: body.reference ?? null, status: 'pending' });
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, close: () => server.close() };
}

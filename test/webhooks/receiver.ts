import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { EventRow } from '../../src/app/ports.js';
import type { TestHub } from '../support/hub.js';

/** One request a test receiver got. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: { id: string; type: string; data: { object: { id: string; n?: number } } };
  /** What the receiver answered. */
  answer: number | 'hang';
}

/** What the receiver does with a request: answer with a status, or hold it until released. */
export type Behaviour = (request: Omit<Received, 'answer'>) => number | 'hang';

/**
 * A webhook receiver on 127.0.0.1 (the hub runs with DAIKOU_WEBHOOK_ALLOW_PRIVATE) that records
 * every request. `verify` checks one with the `standardwebhooks` package, as a merchant would.
 */
export class Receiver {
  readonly received: Received[] = [];
  readonly #held: http.ServerResponse[] = [];
  behaviour: Behaviour = () => 200;
  #server!: http.Server;
  url = '';

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    receiver.#server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received: Received = {
          id: String(request.headers['webhook-id']),
          timestamp: String(request.headers['webhook-timestamp']),
          signature: String(request.headers['webhook-signature']),
          body,
          event: JSON.parse(body) as Received['event'],
          answer: 200,
        };
        const answer = receiver.behaviour(received);
        received.answer = answer;
        receiver.received.push(received);
        if (answer === 'hang') receiver.#held.push(response);
        else response.writeHead(answer, { 'content-type': 'text/plain' }).end(`status ${answer}`);
      });
    });
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.#server.address() as AddressInfo).port}/hook`;
    return receiver;
  }

  /** Answers every request held so far. */
  release(status = 200): void {
    for (const response of this.#held.splice(0)) response.writeHead(status).end();
  }

  get heldCount(): number {
    return this.#held.length;
  }

  async close(): Promise<void> {
    this.release(503);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Verifies a delivery with the `standardwebhooks` package at the instant `nowMs` (the hub's test
 * clock, which runs ahead of the machine's): the package reads `Date.now()` for its 5-minute
 * tolerance, so it is pointed at that instant for the synchronous call. Throws when it refuses.
 */
export function verifyAt(secret: string, received: Pick<Received, 'id' | 'timestamp' | 'signature' | 'body'>, nowMs: number): unknown {
  const realNow = Date.now;
  Date.now = () => nowMs;
  try {
    return new Webhook(secret).verify(received.body, { 'webhook-id': received.id, 'webhook-timestamp': received.timestamp, 'webhook-signature': received.signature });
  } finally {
    Date.now = realNow;
  }
}

let eventCounter = 0;

/** Public events written straight into the outbox, as the change's transaction would. */
export async function insertEvents(t: TestHub, merchantId: string, objects: readonly { objectId: string; type?: string }[]): Promise<EventRow[]> {
  const rows: EventRow[] = objects.map(({ objectId, type = 'debit.succeeded' }) => {
    eventCounter += 1;
    return {
      id: t.hub.ctx.ids.next('event'),
      type,
      merchant_id: merchantId,
      object_type: type.split('.')[0]!,
      object_id: objectId,
      created_at: t.clock.now().toISOString(),
      api_version: '2026-12-01',
      data: JSON.stringify({ object: { id: objectId, n: eventCounter } }),
      fanned_out_at: null,
    };
  });
  await t.hub.ctx.store.insertEvents(rows);
  return rows;
}

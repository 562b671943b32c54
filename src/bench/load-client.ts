import http from 'node:http';
import { percentile } from './percentile.js';

/*
 * The API phase's load generator. Node's fetch tops out near 1.7k requests/s on this kind of
 * machine — below what the hub answers — so the phase drives the hub with node:http over a
 * keep-alive Agent (one socket per client, reused), which drives bare Fastify at 10k+/s. The same
 * client measures bare Fastify in the same run (src/bench/bare-server.ts), as the reference the
 * hub's figures are read against.
 */

export interface LoadAnswer {
  status: number;
  body: string;
}

export class KeepAliveClient {
  readonly #agent: http.Agent;
  readonly #url: URL;

  constructor(baseUrl: string, sockets: number) {
    this.#url = new URL(baseUrl);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  post(pathname: string, headers: Record<string, string>, json: unknown): Promise<LoadAnswer> {
    const body = JSON.stringify(json);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: pathname,
          method: 'POST',
          agent: this.#agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface LoadFigures {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Sends `requests` requests from `clients` concurrent clients, each sending its next request when
 * its last one is answered; `send(i)` makes request i and throws on a wrong answer.
 */
export async function driveLoad(requests: number, clients: number, send: (i: number) => Promise<void>): Promise<LoadFigures> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(clients, requests) }, async () => {
      while (next < requests) {
        const i = next;
        next += 1;
        const sent = performance.now();
        await send(i);
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latenciesMs.sort((a, b) => a - b);
  return { requests, seconds, perSecond: seconds > 0 ? Math.round(requests / seconds) : 0, p50Ms: percentile(latenciesMs, 50), p99Ms: percentile(latenciesMs, 99) };
}

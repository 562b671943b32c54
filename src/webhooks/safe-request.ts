import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import ipaddr from 'ipaddr.js';
import { hostOf, refusedAddress, refusedWebhookUrl } from './address-policy.js';

/*
 * One webhook POST, made safely (issue 13, item 4): the host is resolved once, every address it
 * resolves to is checked (one private address refuses the whole name: the client must not pick),
 * and the connection goes to the checked address — the name is not resolved a second time, so a
 * DNS answer that changes in between (rebinding) cannot send it elsewhere. Redirects are not
 * followed (a 3xx is an answer like any other), the whole exchange has a deadline, and only the
 * first bytes of the answer are read, for the delivery log.
 */

/** Bytes of the receiver's answer kept for the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export interface SafeRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  /** DNS, injectable for tests. */
  resolve?: Resolve;
}

export type SafeResponse =
  /** The receiver answered (any status: the caller decides what counts as delivered). */
  | { kind: 'answered'; status: number; latencyMs: number; excerpt: string; location: string | null }
  /** Not sent: the URL or an address it resolved to is not allowed, or the name did not resolve. */
  | { kind: 'refused'; reason: string }
  /** Sent, or tried, without an answer: a connection error or the deadline. */
  | { kind: 'failed'; reason: string; latencyMs: number };

export async function safePost(request: SafeRequest): Promise<SafeResponse> {
  const refusedUrl = refusedWebhookUrl(request.url, request.allowPrivate);
  if (refusedUrl !== null) return { kind: 'refused', reason: `the URL ${refusedUrl}` };
  const url = new URL(request.url);
  const host = hostOf(url);
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await (request.resolve ?? systemResolve)(host);
    } catch (error) {
      return { kind: 'refused', reason: `${host} did not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (addresses.length === 0) return { kind: 'refused', reason: `${host} did not resolve` };
  }
  for (const { address } of addresses) {
    const refused = refusedAddress(address, request.allowPrivate);
    if (refused !== null) return { kind: 'refused', reason: refused };
  }
  const pinned = addresses[0]!;
  // The connection goes to the address checked above, whatever the name resolves to now.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<SafeResponse>((resolve) => {
    let settled = false;
    const finish = (response: SafeResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(response);
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    const outgoing = send(url, {
      method: 'POST',
      lookup,
      agent: false,
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body).toString(), 'user-agent': 'daikou-webhooks/1' },
    });
    const deadline = setTimeout(() => {
      outgoing.destroy();
      finish({ kind: 'failed', reason: `no answer within ${request.timeoutMs} ms`, latencyMs: elapsed() });
    }, request.timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', reason: `${error.code ?? 'error'}: ${error.message}`, latencyMs: elapsed() }));
    outgoing.on('response', (incoming) => {
      const latencyMs = elapsed();
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        incoming.destroy();
        const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
        finish({ kind: 'answered', status: incoming.statusCode ?? 0, latencyMs, excerpt, location: headerText(incoming.headers.location) });
      };
      incoming.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        kept += chunk.length;
        if (kept >= RESPONSE_EXCERPT_BYTES) done();
      });
      incoming.on('end', done);
      incoming.on('error', done);
    });
    outgoing.end(request.body);
  });
}

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

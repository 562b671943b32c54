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
 *
 * Connections are kept alive per resolved address: one agent per (scheme, checked address, port),
 * so a kept socket is only ever reused for the address it was opened to, after that address was
 * checked again for this delivery. An agent unused for a minute is closed.
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

/** How long a kept socket may idle (below the 5 s after which Node servers close theirs), and an unused agent live. */
const KEPT_SOCKET_IDLE_MS = 4_000;
const AGENT_IDLE_MS = 60_000;

const agents = new Map<string, { agent: http.Agent; usedAt: number }>();
let sweptAt = 0;

/** The keep-alive agent of one checked address; agents idle for a minute are closed. */
function agentFor(protocol: string, address: string, port: string): http.Agent {
  const now = performance.now();
  if (now - sweptAt > AGENT_IDLE_MS / 4) {
    sweptAt = now;
    for (const [key, kept] of agents) {
      if (now - kept.usedAt > AGENT_IDLE_MS) {
        kept.agent.destroy();
        agents.delete(key);
      }
    }
  }
  const key = `${protocol}//${address}|${port}`;
  let kept = agents.get(key);
  if (kept === undefined) {
    const options = { keepAlive: true, timeout: KEPT_SOCKET_IDLE_MS, scheduling: 'lifo' as const };
    kept = { agent: protocol === 'https:' ? new https.Agent(options) : new http.Agent(options), usedAt: now };
    agents.set(key, kept);
  }
  kept.usedAt = now;
  return kept.agent;
}

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
      agent: agentFor(url.protocol, pinned.address, url.port),
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
      // A whole answer leaves the socket to its agent, for the next delivery; a long one is cut off.
      const done = (whole: boolean) => {
        if (!whole) incoming.destroy();
        const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
        finish({ kind: 'answered', status: incoming.statusCode ?? 0, latencyMs, excerpt, location: headerText(incoming.headers.location) });
      };
      incoming.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        kept += chunk.length;
        if (kept >= RESPONSE_EXCERPT_BYTES) done(false);
      });
      incoming.on('end', () => done(true));
      incoming.on('error', () => done(false));
    });
    outgoing.end(request.body);
  });
}

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

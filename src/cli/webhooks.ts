import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { newWebhookSecret, webhookHeaders } from '../main.js';
import { UsageError, parsePositiveInt } from './options.js';

/*
 * `daikou webhooks listen` (issue 13, like `stripe listen`): a developer sees a merchant's events
 * on a laptop without a public URL. It polls `GET /v1/events` forward from the newest event at
 * start, reading the last half-minute's events again at every poll so that one committed after a
 * newer one is not skipped, and POSTs each new event, oldest first, to a local URL, signed as Standard Webhooks with a
 * secret of its own that it prints at start — so the receiver's verification code is exercised as
 * it will be by the hub. One line per event: its id, type and the receiver's status.
 */

interface EventPage {
  data: { id: string; type: string; created_at: string }[];
  has_more: boolean;
}

/** Events per poll. */
const PAGE_LIMIT = 100;
const FORWARD_TIMEOUT_MS = 10_000;
/**
 * How long after taking its id an event may still commit: a transaction's length, with room to
 * spare. Events seen for longer are not read again.
 */
const LATE_COMMIT_MS = 30_000;

export function webhooksCommand(): Command {
  const webhooks = new Command('webhooks').description('Webhooks for local development');
  webhooks.addCommand(
    new Command('listen')
      .description("Forward a merchant's events, as they happen, to a local URL, signed as Standard Webhooks with a secret printed at start")
      .requiredOption('--forward-to <url>', 'where to POST each event, e.g. http://localhost:3000/hook')
      .option('--hub <url>', 'daikou API address (env DAIKOU_URL)', process.env.DAIKOU_URL ?? 'http://127.0.0.1:8080')
      .option('--api-key <key>', "a merchant's API key (its events), or an operator key (everyone's) (env DAIKOU_API_KEY)", process.env.DAIKOU_API_KEY)
      .option('--interval <ms>', 'wait between polls', parsePositiveInt, 1_000)
      .option('--secret <whsec>', 'sign with this secret instead of a new one')
      .addHelpText('after', '\nExample:\n  DAIKOU_API_KEY=… daikou webhooks listen --forward-to http://localhost:3000/hook')
      .action(async (opts: { forwardTo: string; hub: string; apiKey?: string; interval: number; secret?: string }) => {
        if (!opts.apiKey) throw new UsageError('give an API key with --api-key or DAIKOU_API_KEY.');
        try {
          new URL(opts.forwardTo);
        } catch {
          throw new UsageError(`--forward-to is an absolute URL, not ${opts.forwardTo}.`);
        }
        const secret = opts.secret ?? newWebhookSecret();
        const get = async (query: string): Promise<EventPage> => {
          let response: Response;
          try {
            response = await fetch(`${opts.hub}/v1/events?${query}`, { headers: { authorization: `Bearer ${opts.apiKey}` }, signal: AbortSignal.timeout(10_000) });
          } catch (error) {
            throw new UsageError(`cannot reach daikou at ${opts.hub}: ${error instanceof Error ? ((error.cause as Error)?.message ?? error.message) : String(error)}`);
          }
          const body = (await response.json()) as EventPage & { detail?: string };
          if (!response.ok) throw new UsageError(`GET /v1/events answered ${response.status}: ${body.detail ?? 'no detail'}`);
          return body;
        };
        // Events above `settled` are read again at every poll, and forwarded unless seen: an event
        // commits a little after it takes its id, so one may appear below an id already read.
        let settled = (await get('limit=1')).data[0]?.id ?? null;
        const seen = new Map<string, number>();
        let stopping = false;
        const stop = () => {
          stopping = true;
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stdout.write(`Ready: forwarding events to ${opts.forwardTo}\nSigning secret: ${secret}\n`);
        while (!stopping) {
          let cursor = settled;
          let page: EventPage;
          do {
            try {
              page = await get(cursor === null ? `limit=${PAGE_LIMIT}` : `limit=${PAGE_LIMIT}&ending_before=${encodeURIComponent(cursor)}`);
            } catch (error) {
              process.stderr.write(`daikou: ${error instanceof Error ? error.message : String(error)}; trying again\n`);
              break;
            }
            // Newest first: forwarded oldest first; the next page is the one above the newest.
            for (const event of [...page.data].reverse()) {
              if (seen.has(event.id)) continue;
              seen.set(event.id, Date.now());
              const raw = JSON.stringify(await eventBody(opts.hub, opts.apiKey, event.id));
              process.stdout.write(`${event.created_at}  ${event.id}  ${event.type}  → ${await forward(opts.forwardTo, secret, event.id, raw)}\n`);
            }
            if (page.data.length > 0) cursor = page.data[0]!.id;
          } while (page.has_more && !stopping);
          settled = settle(seen, settled, Date.now() - LATE_COMMIT_MS);
          await sleep(opts.interval);
        }
      }),
  );
  return webhooks;
}

/**
 * Moves the point polls start from to the newest event seen before `before` (ids order events), and
 * forgets what lies at or below it: nothing can commit there any more.
 */
export function settle(seen: Map<string, number>, settled: string | null, before: number): string | null {
  let next = settled;
  for (const [id, at] of seen) if (at <= before && (next === null || id > next)) next = id;
  if (next !== null) for (const id of seen.keys()) if (id <= next) seen.delete(id);
  return next;
}

/** The event as the hub shows it (the same JSON a webhook delivery carries). */
async function eventBody(hub: string, apiKey: string, id: string): Promise<unknown> {
  const response = await fetch(`${hub}/v1/events/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(10_000) });
  return response.json();
}

/** POSTs one event, signed; the receiver's status, or why there was none. */
async function forward(url: string, secret: string, id: string, body: string): Promise<string> {
  const headers = webhookHeaders([secret], { id, timestamp: Math.floor(Date.now() / 1000), body });
  try {
    const response = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, redirect: 'manual', signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    await response.arrayBuffer();
    return String(response.status);
  } catch (error) {
    return `no answer (${error instanceof Error ? ((error.cause as Error)?.message ?? error.message) : String(error)})`;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { newWebhookSecret, webhookHeaders } from '../main.js';
import { UsageError, parsePositiveInt } from './options.js';

/*
 * `daikou webhooks listen` (issue 13, like `stripe listen`): a developer sees a merchant's events
 * on a laptop without a public URL. It polls `GET /v1/events` forward from the newest event at
 * start, and POSTs each new event, oldest first, to a local URL, signed as Standard Webhooks with a
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
        let cursor = (await get('limit=1')).data[0]?.id ?? null;
        let stopping = false;
        const stop = () => {
          stopping = true;
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stdout.write(`Ready: forwarding events to ${opts.forwardTo}\nSigning secret: ${secret}\n`);
        while (!stopping) {
          let page: EventPage;
          try {
            page = await get(cursor === null ? `limit=${PAGE_LIMIT}` : `limit=${PAGE_LIMIT}&ending_before=${encodeURIComponent(cursor)}`);
          } catch (error) {
            process.stderr.write(`daikou: ${error instanceof Error ? error.message : String(error)}; trying again\n`);
            await sleep(opts.interval);
            continue;
          }
          // Newest first: forwarded oldest first, and the newest is where the next poll starts.
          for (const event of [...page.data].reverse()) {
            const raw = JSON.stringify(await eventBody(opts.hub, opts.apiKey, event.id));
            process.stdout.write(`${event.created_at}  ${event.id}  ${event.type}  → ${await forward(opts.forwardTo, secret, event.id, raw)}\n`);
          }
          if (page.data.length > 0) cursor = page.data[0]!.id;
          if (!page.has_more) await sleep(opts.interval);
        }
      }),
  );
  return webhooks;
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

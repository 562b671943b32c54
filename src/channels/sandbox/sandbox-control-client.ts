import type {
  Problem,
  SandboxAccount,
  SandboxAccountPatch,
  SandboxClock,
  SandboxFault,
  SandboxFaultRequest,
  SandboxFaultsCleared,
  SandboxReceivedPage,
} from './wire.js';

export interface SandboxControlClientOptions {
  /** The sandbox's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  controlToken: string;
  /** Per call; default 10 s. */
  timeoutMs?: number;
}

/**
 * A sandbox answered a control call with an error. `problem` is its RFC 9457 body when it sent
 * one. The message names the endpoint by its pattern, never the account number in its path.
 */
export class SandboxControlError extends Error {
  override name = 'SandboxControlError';
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(message);
  }
}

export type SandboxClockChange = { now: Date | string } | { advance: string };

/** The sandbox's operator API (`/v1/sandbox/*`), for the hub and for tests. */
export class SandboxControlClient {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(options: SandboxControlClientOptions) {
    this.#baseUrl = options.url.replace(/\/+$/, '');
    this.#authorization = `Bearer ${options.controlToken}`;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Creates or changes an account; omitted fields keep their value (or the default). */
  putAccount(accountNumber: string, patch: SandboxAccountPatch = {}): Promise<SandboxAccount> {
    return this.#call('PUT', accountPath(accountNumber), '/v1/sandbox/accounts/{account_number}', patch);
  }

  /** The account (an unconfigured one shows its defaults) and a page of what its bank received, newest first. */
  getAccount(accountNumber: string, page: SandboxReceivedPage = {}): Promise<SandboxAccount> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.startingAfter !== undefined) query.set('starting_after', page.startingAfter);
    const search = query.toString() === '' ? '' : `?${query.toString()}`;
    return this.#call('GET', `${accountPath(accountNumber)}${search}`, '/v1/sandbox/accounts/{account_number}');
  }

  /** Sets a fault; mode `none` clears the channel's faults instead. */
  setFault(fault: SandboxFaultRequest & { mode: 'none' }): Promise<SandboxFaultsCleared>;
  setFault(fault: SandboxFaultRequest): Promise<SandboxFault>;
  setFault(fault: SandboxFaultRequest): Promise<SandboxFault | SandboxFaultsCleared> {
    return this.#call('POST', '/v1/sandbox/faults', '/v1/sandbox/faults', fault);
  }

  async listFaults(): Promise<SandboxFault[]> {
    const answer = await this.#call<{ data: SandboxFault[] }>('GET', '/v1/sandbox/faults', '/v1/sandbox/faults');
    return answer.data;
  }

  /** Clears one channel's faults, or every fault when no channel is given. */
  async clearFaults(channel?: string): Promise<void> {
    if (channel === undefined) {
      await this.#call('DELETE', '/v1/sandbox/faults', '/v1/sandbox/faults');
    } else {
      await this.setFault({ channel, mode: 'none' });
    }
  }

  /** Sets the sandbox clock to an instant, or advances it by an ISO 8601 duration (`P1D`). */
  setClock(change: SandboxClockChange): Promise<SandboxClock> {
    const body = 'now' in change ? { now: change.now instanceof Date ? change.now.toISOString() : change.now } : change;
    return this.#call('POST', '/v1/sandbox/clock', '/v1/sandbox/clock', body);
  }

  getClock(): Promise<SandboxClock> {
    return this.#call('GET', '/v1/sandbox/clock', '/v1/sandbox/clock');
  }

  /**
   * A channel's statement of a business date (docs/statements.md), read whole: CSV, or
   * camt.053.001.02 XML. A date after the sandbox's today is a SandboxControlError of status 409.
   */
  async statement(channel: string, date: string, format: 'csv' | 'camt053' = 'csv'): Promise<string> {
    const pattern = '/v1/sandbox/channels/{channel}/statements/{date}';
    const response = await fetch(`${this.#baseUrl}/v1/sandbox/channels/${encodeURIComponent(channel)}/statements/${encodeURIComponent(date)}`, {
      headers: { authorization: this.#authorization, accept: format === 'csv' ? 'text/csv' : 'application/xml' },
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) {
      const parsed = parseJson(text);
      const problem = isProblem(parsed) ? parsed : undefined;
      throw new SandboxControlError(`sandbox GET ${pattern} failed with ${response.status}: ${problem?.detail ?? response.statusText}`, response.status, problem);
    }
    return text;
  }

  async #call<T>(method: string, path: string, pattern: string, body?: unknown): Promise<T> {
    const response = await fetch(this.#baseUrl + path, {
      method,
      headers: {
        authorization: this.#authorization,
        accept: 'application/json, application/problem+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const problem = isProblem(parsed) ? parsed : undefined;
      const detail = problem?.detail ?? response.statusText;
      throw new SandboxControlError(`sandbox ${method} ${pattern} failed with ${response.status}: ${detail}`, response.status, problem);
    }
    return parsed as T;
  }
}

function accountPath(accountNumber: string): string {
  return `/v1/sandbox/accounts/${encodeURIComponent(accountNumber)}`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value;
}

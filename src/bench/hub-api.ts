/** The few HTTP calls the bench makes to the hub under test. */

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export async function callHub<T>(baseUrl: string, key: string, method: string, pathname: string, init: { json?: unknown; headers?: Record<string, string>; body?: RequestInit['body'] } = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...init.headers };
  let body: RequestInit['body'] | undefined = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  // A streamed body needs duplex 'half' (Node's fetch); the property is not in the DOM typings.
  const response = await fetch(`${baseUrl}${pathname}`, { method, headers, ...(body === undefined ? {} : { body }), ...(init.body === undefined ? {} : { duplex: 'half' }) } as RequestInit);
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

export function expectStatus<T>(answer: ApiAnswer<T>, expected: readonly number[], what: string): T {
  if (!expected.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  return answer.body;
}

export interface BatchAnswer {
  id: string;
  status: string;
  counts: { rows: number; accepted: number; rejected: number; succeeded: number; failed: number };
  error: { code: string; detail: string } | null;
  completed_at: string | null;
}

export interface TrialBalanceAnswer {
  total: number;
  balanced: boolean;
  accounts: { account: string; balance: number }[];
  mismatched: unknown[];
}

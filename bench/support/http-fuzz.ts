import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { startThrowawayHub } from '../../src/bench/throwaway-hub.js';
import type { RunningHub } from '../../src/main.js';

/**
 * An HTTP fuzzer driven by the hub's own `/openapi.json` (issue 8): for every operation it sends
 * requests built from the documented schemas — valid-ish, mutated, of the wrong type, huge, with
 * unknown fields, as broken JSON, under wrong or absent content types, with odd path encodings,
 * junk headers, and absent, wrong or lower-case keys — plus a share of raw bytes that Node's HTTP
 * parser refuses. Every answer must be below 500, and every error answer (≥ 400) must be
 * `application/problem+json` with a `code`.
 *
 * Seeded (fast-check) so that a run can be replayed; bounded (a request count, a per-request
 * timeout, bodies ≤ 1.2 MiB); loopback only: it starts its own hub (SQLite, a temporary
 * directory, port 0, workers off) and talks to nothing else.
 */
export interface FuzzOptions {
  requests: number;
  seed: number;
  /** Requests in flight at once, over one keep-alive agent. */
  concurrency?: number;
  /** Failures kept in the report, for reading. */
  samplesMax?: number;
}

export interface FuzzFailure {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: string;
  why: 'server_error' | 'not_problem_json' | 'no_answer';
}

export interface FuzzReport {
  seed: number;
  requests: number;
  operations: number;
  /** Operations of the OpenAPI document that were sent at least once. */
  operationsCovered: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  notProblemJson: number;
  noAnswer: number;
  /** Connections the hub closed while a request was still being written (a 413 before the body ended): not a failure. */
  resets: number;
  failures: FuzzFailure[];
}

const OPERATOR_KEY = 'fuzz-operator-key-0123456789abcdefghijklmnop';
/** Luhn-valid, with a real issuer prefix. */
const CARD = '6217000000000000012';
const ID_NUMBER = '11010519491231002X';
const REQUEST_TIMEOUT_MS = 15_000;
const HUGE_BYTES_MAX = 1_200_000;

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  method: string;
  template: string;
  parameters: Parameter[];
  body: JsonSchema | null;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Raw bytes on a fresh connection instead of an HTTP request. */
  raw: string | null;
  operation: string;
}

/** A built console in miniature: index.html and one hashed asset. */
function miniatureConsole(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-fuzz-console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/index-Ab12Cd34.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-Ab12Cd34.js'), 'export {};');
  return dir;
}

interface KnownIds {
  merchantKey: string;
  mandateId: string;
  path: Record<string, string[]>;
}

export async function runHttpFuzz(options: FuzzOptions): Promise<FuzzReport> {
  let throwaway: { hub: RunningHub; close(): Promise<void> } | null = null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency ?? 8 });
  // The hub serves a console of its own, so that its static files are fuzzed too, whether or not
  // `npm run build` has written dist/console (without one, `/` is a deliberate 503).
  const consoleDir = miniatureConsole();
  try {
    throwaway = await startThrowawayHub('fuzz', OPERATOR_KEY, { consoleDir });
    const { hub } = throwaway;
    const base = new URL(hub.url);
    const known = await seedData(hub.url);
    const spec = (await (await fetch(`${hub.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> };
    const operations: Operation[] = Object.entries(spec.paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
      })),
    );
    const documented = new Set(operations.map((operation) => `${operation.method} ${operation.template}`));
    const requests = fc.sample(requestArbitrary(operations, known), { seed: options.seed, numRuns: options.requests });
    const report: FuzzReport = {
      seed: options.seed,
      requests: 0,
      operations: operations.length,
      operationsCovered: new Set(requests.map((request) => request.operation).filter((operation) => documented.has(operation))).size,
      byStatus: {},
      serverErrors: 0,
      notProblemJson: 0,
      noAnswer: 0,
      resets: 0,
      failures: [],
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const request = requests[next++]!;
        const answer = request.raw === null ? await send(agent, base, request) : await sendRaw(base, request.raw);
        record(report, request, answer, options.samplesMax ?? 20);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
    return report;
  } finally {
    agent.destroy();
    await throwaway?.close();
    fs.rmSync(consoleDir, { recursive: true, force: true });
  }
}

type Answer = { kind: 'answer'; status: number; contentType: string; body: string } | { kind: 'reset' } | { kind: 'no_answer' };

function record(report: FuzzReport, request: FuzzRequest, answer: Answer, samplesMax: number): void {
  report.requests += 1;
  if (answer.kind === 'reset') {
    report.resets += 1;
    return;
  }
  const failure = (why: FuzzFailure['why'], status: number, contentType: string, body: string): void => {
    if (report.failures.length < samplesMax) report.failures.push({ method: request.method, path: request.path.slice(0, 200), status, contentType, body: body.slice(0, 300), why });
  };
  if (answer.kind === 'no_answer') {
    report.noAnswer += 1;
    failure('no_answer', 0, '', '');
    return;
  }
  report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
  if (answer.status >= 500) {
    report.serverErrors += 1;
    failure('server_error', answer.status, answer.contentType, answer.body);
  }
  if (answer.status >= 400 && !isProblem(answer, request.method === 'HEAD')) {
    report.notProblemJson += 1;
    failure('not_problem_json', answer.status, answer.contentType, answer.body);
  }
}

function isProblem(answer: { contentType: string; body: string }, head: boolean): boolean {
  if (!/^application\/problem\+json\b/.test(answer.contentType)) return false;
  if (head) return true;
  try {
    const body = JSON.parse(answer.body) as { code?: unknown; status?: unknown };
    return typeof body.code === 'string' && typeof body.status === 'number';
  } catch {
    return false;
  }
}

function send(agent: http.Agent, base: URL, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: Answer): void => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    let outgoing: http.ClientRequest;
    try {
      outgoing = http.request({ host: base.hostname, port: base.port, method: request.method, path: request.path, headers: request.headers, agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => settle({ kind: 'answer', status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', () => settle({ kind: 'reset' }));
      });
    } catch {
      // Node's client refused to send it (a header it considers invalid): nothing reached the hub.
      settle({ kind: 'reset' });
      return;
    }
    outgoing.on('timeout', () => {
      outgoing.destroy();
      settle({ kind: 'no_answer' });
    });
    outgoing.on('error', () => settle({ kind: 'reset' }));
    outgoing.end(request.body ?? undefined);
  });
}

function sendRaw(base: URL, bytes: string): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(base.port), base.hostname, () => socket.end(bytes));
    let received = '';
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      socket.destroy();
      resolve(received === '' ? { kind: 'no_answer' } : parseRaw(received));
    });
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received === '' ? { kind: 'reset' } : parseRaw(received)));
    socket.on('error', () => undefined);
  });
}

function parseRaw(text: string): Answer {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1] ?? '';
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
  const rest = end < 0 ? '' : text.slice(end + 4);
  return { kind: 'answer', status, contentType, body: Number.isNaN(length) ? rest : Buffer.from(rest).subarray(0, length).toString('utf8') };
}

/** A merchant, a mandate, a debit and a batch, so that merchant-key requests reach real rows. */
async function seedData(url: string): Promise<KnownIds> {
  const call = async (method: string, route: string, key: string, body?: unknown, type = 'application/json'): Promise<any> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const answer: unknown = await response.json();
    if (response.status >= 300) throw new Error(`fuzz seed ${method} ${route}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const merchant = await call('POST', '/v1/merchants', OPERATOR_KEY, {
    name: '深圳市水务集团',
    category: 'utility',
    settlement_account: { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳市水务集团有限公司' },
  });
  const key: string = merchant.api_key;
  const mandate = await call('POST', '/v1/mandates', key, {
    payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card', holder_name: '张三' },
    agreement_number: 'AGR-FUZZ-1',
    signed_at: '2026-01-01',
  });
  FIELD_HINTS.mandate_id = fc.constantFrom(mandate.id, 'mdt_unknown');
  const debit = await call('POST', '/v1/debits', key, { mandate_id: mandate.id, amount: 1200, currency: 'CNY', reference: 'FUZZ-1' });
  const batch = await call('POST', '/v1/batches', key, `reference,mandate_id,amount\nFUZZ-B1,${mandate.id},100\n`, 'text/csv');
  const rules = (await call('GET', '/v1/rules', OPERATOR_KEY)).data.map((rule: { id: string }) => rule.id);
  const plans = (await call('GET', '/v1/fee-plans', OPERATOR_KEY)).data.map((plan: { id: string }) => plan.id);
  const channels = (await call('GET', '/v1/channels', OPERATOR_KEY)).data.map((channel: { id: string }) => channel.id);
  return {
    merchantKey: key,
    mandateId: mandate.id,
    path: {
      '/v1/merchants/{id}': [merchant.id],
      '/v1/mandates/{id}': [mandate.id],
      '/v1/mandates/{id}/revoke': [mandate.id],
      '/v1/debits/{id}': [debit.id],
      '/v1/batches/{id}': [batch.id],
      '/v1/batches/{id}/report': [batch.id],
      '/v1/channels/{id}': channels,
      '/v1/rules/{id}': rules,
      '/v1/fee-plans/{id}': plans,
      '/v1/sandbox/accounts/{account_number}': [CARD],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Generation

/** encodeURIComponent, except that a lone surrogate becomes the bytes of one: invalid UTF-8, as a hostile client would send. */
function encodeComponent(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text.replace(/[\ud800-\udfff]/g, '%ED%A0%80').replace(/[^A-Za-z0-9%_.~-]/g, (character) => encodeURIComponent(character));
  }
}

const PRINTABLE = fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)));
const printable = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: PRINTABLE, maxLength });

/** Strings that have broken parsers before: empties, personal data, unicode, injections, edges. */
const INTERESTING_STRINGS = fc.constantFrom(
  '',
  ' ',
  CARD,
  `note ${CARD}`,
  ID_NUMBER,
  '6217 0000 0000 0000 012',
  '0',
  '-1',
  '1e309',
  'null',
  'true',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  "'; drop table debits; --",
  '%ZZ',
  '\u0000',
  '\ud800',
  '张三',
  '😀'.repeat(50),
  'x'.repeat(5000),
  '2026-02-30',
  '9999-12-31T23:59:59-23:59',
  '0000-01-01T00:00:00Z',
  '2026-13-45',
  'P1D',
  'PT-1H',
  'P99999999999Y',
);

const INTERESTING_NUMBERS = fc.constantFrom(0, -1, 1, 1.5, -0, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 0.1, 100, 999_999_999);

/**
 * Values that pass validation for fields a schema cannot describe fully (a Luhn digit, a region
 * code), so that more requests reach the use cases; `mandate_id` is filled in once the seed data exists.
 */
const FIELD_HINTS: Record<string, fc.Arbitrary<unknown>> = {
  account_number: fc.constantFrom(CARD, '4403010012345678901', '622202'),
  bank_code: fc.constantFrom('ICBC', 'CCB', '102100099996'),
  region_code: fc.constantFrom('440300', '110105', '4403'),
  holder_name: fc.constantFrom('张三', '深圳市水务集团有限公司'),
  id_number: fc.constant(ID_NUMBER),
  phone: fc.constant('13800138000'),
  signed_at: fc.constantFrom('2026-01-01', '2026-01-01T08:00:00+08:00'),
  valid_from: fc.constant('2026-01-01'),
  valid_until: fc.constant('2027-12-31'),
  reference: fc.nat().map((n) => `FZ-${n}`),
  agreement_number: fc.nat().map((n) => `AGR-FZ-${n}`),
  rate: fc.constantFrom('0.001', '0.0006', '0'),
  currency: fc.constant('CNY'),
  at: fc.constant('2026-01-02'),
  from: fc.constant('2026-01-01'),
  to: fc.constant('2026-01-31'),
};

function resolveRef(schema: JsonSchema, root: { components?: { schemas?: Record<string, JsonSchema> } }): JsonSchema {
  if (schema.$ref === undefined) return schema;
  const name = schema.$ref.split('/').at(-1) ?? '';
  return root.components?.schemas?.[name] ?? {};
}

/** Values that fit a JSON schema most of the time, and interesting ones the rest of it. */
function fromSchema(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  schema = resolveRef(schema, {});
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices !== undefined && choices.length > 0) return fc.oneof(...choices.map((choice) => fromSchema(choice, depth)));
  if (schema.allOf !== undefined && schema.allOf.length > 0) return fromSchema(schema.allOf[0]!, depth);
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.length > 1) return fc.oneof(...types.map((type) => fromSchema({ ...schema, type }, depth)));
  switch (types[0]) {
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = schema.properties ?? {};
      const keys = Object.keys(properties);
      if (keys.length === 0) return fc.dictionary(printable(12), fromSchema(typeof schema.additionalProperties === 'object' ? schema.additionalProperties : { type: 'string' }, depth + 1), { maxKeys: 4 });
      const valueFor = (key: string): fc.Arbitrary<unknown> => {
        const generated = fromSchema(properties[key]!, depth + 1);
        const hint = FIELD_HINTS[key];
        return hint === undefined ? generated : fc.oneof({ weight: 3, arbitrary: hint }, { weight: 1, arbitrary: generated });
      };
      return fc.record(Object.fromEntries(keys.map((key) => [key, valueFor(key)])), { requiredKeys: (schema.required ?? []).filter((key) => keys.includes(key)) });
    }
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}, depth + 1), { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'string':
      return stringFor(schema);
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? -1_000_000 : schema.exclusiveMinimum + 1);
      const max = Math.min(schema.maximum ?? 10_000_000, Number.MAX_SAFE_INTEGER);
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(Math.max(max, min), 2 ** 31 - 1) }) }, { weight: 1, arbitrary: INTERESTING_NUMBERS });
    }
    case 'number':
      return fc.oneof(fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }), INTERESTING_NUMBERS);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const fitting: fc.Arbitrary<string> =
    schema.format === 'date-time'
      ? fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString())
      : schema.pattern !== undefined && /^\^[\\d{},0-9\-$[\]a-z]*\$$/.test(schema.pattern)
        ? fc.stringMatching(new RegExp(schema.pattern))
        : fc.oneof(
            printable(Math.min(schema.maxLength ?? 40, 80)).filter((text) => text.length >= (schema.minLength ?? 0)),
            fc.constantFrom('2026-01-01', '2026-12-31', 'utility', 'sandbox', 'ICBC', '440300', '13800138000', '张三', '0.001', 'sandbox-clearing'),
          );
  return fc.oneof({ weight: 5, arbitrary: fitting }, { weight: 1, arbitrary: INTERESTING_STRINGS });
}

/** A body that fits, then maybe broken: a key dropped, one added, a value of the wrong type. */
function bodyArbitrary(schema: JsonSchema | null, exemplar: fc.Arbitrary<unknown> | undefined): fc.Arbitrary<unknown> {
  const generated = schema === null ? fc.jsonValue({ maxDepth: 2 }) : fromSchema(schema);
  const fitting = exemplar === undefined ? generated : fc.oneof({ weight: 2, arbitrary: exemplar }, { weight: 1, arbitrary: generated });
  return fc.oneof(
    { weight: 6, arbitrary: fitting },
    { weight: 2, arbitrary: fc.tuple(fitting, printable(16), fc.jsonValue({ maxDepth: 1 })).map(([value, key, extra]) => (isObject(value) ? { ...value, [key]: extra } : value)) },
    { weight: 2, arbitrary: fc.tuple(fitting, fc.nat()).map(([value, pick]) => dropKey(value, pick)) },
    { weight: 2, arbitrary: fc.tuple(fitting, fc.nat(), fc.oneof(INTERESTING_STRINGS, INTERESTING_NUMBERS, fc.constant(null), fc.constant([]), fc.constant({}))).map(([value, pick, wrong]) => replaceValue(value, pick, wrong)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => new JsonText(`${'['.repeat(depth)}${'{"a":'.repeat(depth % 7)}1${'}'.repeat(depth % 7)}${']'.repeat(depth)}`)) },
  );
}

/** A body given as text: nesting too deep for JSON.stringify to write. */
class JsonText {
  constructor(readonly text: string) {}
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof JsonText);
}

function dropKey(value: unknown, pick: number): unknown {
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 0) return value;
  const copy = { ...value };
  delete copy[keys[pick % keys.length]!];
  return copy;
}

function replaceValue(value: unknown, pick: number, wrong: unknown): unknown {
  if (!isObject(value)) return wrong;
  const keys = Object.keys(value);
  if (keys.length === 0) return { ...value, x: wrong };
  const key = keys[pick % keys.length]!;
  const inner = value[key];
  return { ...value, [key]: isObject(inner) && pick % 2 === 0 ? replaceValue(inner, pick >> 1, wrong) : wrong };
}

type BodyEncoding = 'json' | 'broken' | 'empty' | 'huge' | 'utf16' | 'bom' | 'csv' | 'xml' | 'none';

function encodeBody(value: unknown, encoding: BodyEncoding, cut: number, hugeBytes: number): Buffer | null {
  const json = value instanceof JsonText ? value.text : (JSON.stringify(value) ?? 'null');
  switch (encoding) {
    case 'json':
      return Buffer.from(json);
    case 'broken':
      return Buffer.from(json.slice(0, cut % Math.max(json.length, 1)) + (cut % 3 === 0 ? '\u0000' : ''));
    case 'empty':
      return Buffer.alloc(0);
    case 'huge':
      return Buffer.from(JSON.stringify({ reference: 'x'.repeat(hugeBytes) }));
    case 'utf16':
      return Buffer.from(json, 'utf16le');
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    case 'csv':
      return Buffer.from(`reference,mandate_id,amount,description\nR-${cut},mdt_x,${cut % 5 === 0 ? 'abc' : cut},${cut % 7 === 0 ? CARD : 'note'}\n`);
    case 'xml':
      return Buffer.from(cut % 2 === 0 ? '<?xml version="1.0"?><Document><CstmrDrctDbtInitn></CstmrDrctDbtInitn></Document>' : '<Document><unclosed>');
    case 'none':
      return null;
  }
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'text/plain',
  'text/csv',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  'junk',
  ';;;',
] as const;

/** Path ids: the real ones, strangers, and encodings a router may choke on. */
const ODD_SEGMENTS = fc.oneof(
  printable(30).map((text) => encodeComponent(text)),
  fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%00', '..', '.', '%2e%2e', '%2F', 'mdt_%ZZ', '%C0%AF', encodeComponent('张三'), CARD, ID_NUMBER, 'null', '-1', '0'),
  fc.integer({ min: 90, max: 3000 }).map((length) => 'x'.repeat(length)),
);

const AUTH_MODES = ['operator', 'merchant', 'none', 'wrong', 'lowercase', 'basic', 'empty', 'junk'] as const;

function requestArbitrary(operations: Operation[], known: KnownIds): fc.Arbitrary<FuzzRequest> {
  const extraPaths: Operation[] = ['/docs', '/docs/', '/docs/static/index.html', '/docs/static/nope.js', '/docs/json', '/docs/yaml', '/openapi.json', '/', '/v1', '/v2/debits', '/favicon.ico', '/assets/index-Ab12Cd34.js', '/assets/nope-Ab12Cd34.js', '/debits/dbt_x', '/..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/%ZZ', '/%00', '/a%5c..%5c..%5cpackage.json'].map((template) => ({
    method: 'GET',
    template,
    parameters: [],
    body: null,
  }));
  const all = [...operations, ...extraPaths];
  const bodies = exemplars(known);
  const operationRequest = fc
    .constantFrom(...all)
    .chain((operation) => {
      const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
      const queryPair: fc.Arbitrary<string> =
        queryParameters.length === 0
          ? fc.tuple(printable(10), printable(10)).map(([name, value]) => `${encodeComponent(name)}=${encodeComponent(value)}`)
          : fc.constantFrom(...queryParameters).chain((parameter) =>
              fc.oneof(fromSchema(parameter.schema ?? { type: 'string' }), INTERESTING_STRINGS).map((value) => `${encodeComponent(parameter.name)}=${encodeComponent(String(value))}`),
            );
      return fc.record({
        operation: fc.constant(operation),
        // Mostly a real key, so that requests get past the guard to the schemas and the use cases.
        auth: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<(typeof AUTH_MODES)[number]>('operator', 'merchant', 'lowercase') }, { weight: 1, arbitrary: fc.constantFrom(...AUTH_MODES) }),
        methodSwap: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND') }),
        pathValues: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: ODD_SEGMENTS }), { minLength: 2, maxLength: 2 }),
        realPick: fc.nat(),
        query: fc.array(queryPair, { maxLength: 4 }),
        queryJunk: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&%ZZ=1', '&limit=1&limit=2', '&unknown=1', '&=', '&&&', '&limit=0x10', '&created_gte[]=1', `&q=${'y'.repeat(3000)}`) }),
        value: bodyArbitrary(operation.body, bodies[`${operation.method} ${operation.template}`]),
        encoding: fc.constantFrom<BodyEncoding>('json', 'json', 'json', 'json', 'json', 'broken', 'empty', 'utf16', 'bom', 'csv', 'xml', 'none', 'huge'),
        contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
        cut: fc.nat(),
        hugeBytes: fc.integer({ min: 10_000, max: HUGE_BYTES_MAX }),
        requestId: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(printable(80), fc.constantFrom(CARD, ID_NUMBER, 'ok-id-1')) }),
        idempotencyKey: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: printable(300) }),
        accept: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json', 'junk/;;', 'text/csv') }),
        junkHeader: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: printable(200) }),
      });
    })
    .map((draft): FuzzRequest => {
      const operation = draft.operation;
      let index = 0;
      const route = operation.template.replace(/\{([^}]+)\}/g, () => {
        const odd = draft.pathValues[index++ % 2] ?? null;
        if (odd !== null) return odd;
        const real = known.path[operation.template] ?? ['unknown'];
        return encodeComponent(real[draft.realPick % real.length] ?? 'unknown');
      });
      const query = draft.query.join('&');
      const queryText = query === '' && draft.queryJunk === '' ? '' : `?${query}${draft.queryJunk}`;
      const method = draft.methodSwap ?? operation.method;
      const hasBody = method !== 'GET' && method !== 'HEAD' && (operation.body !== null || operation.method === 'POST' || draft.methodSwap !== null);
      const body = hasBody ? encodeBody(draft.value, draft.encoding, draft.cut, draft.hugeBytes) : null;
      const headers: Record<string, string> = {};
      const authorization = authorizationFor(draft.auth, known.merchantKey);
      if (authorization !== null) headers.authorization = authorization;
      if (body !== null) {
        const type = draft.encoding === 'csv' ? 'text/csv' : draft.encoding === 'xml' ? 'application/xml' : draft.contentType;
        if (type !== null) headers['content-type'] = type;
      }
      if (draft.requestId !== null) headers['x-request-id'] = draft.requestId;
      if (draft.idempotencyKey !== null) headers['idempotency-key'] = draft.idempotencyKey;
      if (draft.accept !== null) headers.accept = draft.accept;
      if (draft.junkHeader !== null) headers['x-junk'] = draft.junkHeader;
      return { method, path: `${route}${queryText}`, headers, body, raw: null, operation: `${operation.method} ${operation.template}` };
    });
  return fc.oneof({ weight: 30, arbitrary: operationRequest }, { weight: 1, arbitrary: rawArbitrary(known) });
}

/** Bodies that succeed as they are (a unique part drawn each time), for the fuzzer to start from. */
function exemplars(known: KnownIds): Record<string, fc.Arbitrary<unknown>> {
  const n = fc.nat();
  const schedule = { fixed: 0, rate: '0.001', min: 0, max: 1000 };
  return {
    'POST /v1/merchants': n.map((i) => ({
      name: `商户 ${i}`,
      category: 'utility',
      settlement_account: { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳市水务集团有限公司' },
    })),
    'POST /v1/mandates': n.map((i) => ({
      payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card', holder_name: '张三', phone: '13800138000' },
      agreement_number: `AGR-FZ-${i}`,
      signed_at: '2026-01-01',
      limits: { per_debit_max: 100_000 },
    })),
    'POST /v1/debits': fc.tuple(n, fc.integer({ min: 1, max: 200_000 })).map(([i, amount]) => ({
      mandate_id: i % 5 === 0 ? 'mdt_unknown' : known.mandateId,
      amount,
      currency: 'CNY',
      reference: `FZ-${i}`,
      description: '水费',
      metadata: { month: '2026-01' },
    })),
    'POST /v1/channels': n.map((i) => ({ id: `fz-${i}`, type: 'clearing_org', name: `Channel ${i}`, capabilities: ['debit'], cost_schedule: schedule, priority: i % 100, endpoint: 'sandbox' })),
    'PATCH /v1/channels/{id}': fc.integer({ min: 0, max: 100 }).map((priority) => ({ priority })),
    'POST /v1/rules': n.map((i) => ({ id: `fz-rule-${i}`, title: 'A rule', source: 'fuzz', applies_to: { types: ['clearing_org'] }, deny: { amount: { min: 10_000_000 } } })),
    'PUT /v1/rules/{id}': fc.constant({ title: 'A rule', source: 'fuzz', applies_to: { types: ['clearing_org'] }, deny: { amount: { min: 10_000_000 } } }),
    'POST /v1/rules/simulate': fc.constant({ at: '2026-01-02', window: { from: '2026-01-01', to: '2026-01-31' } }),
    'POST /v1/fee-plans': n.map((i) => ({ id: `fz-plan-${i}`, side: 'merchant', title: 'A plan', schedule })),
    'PUT /v1/fee-plans/{id}': fc.constant({ title: 'A plan', schedule }),
    'PUT /v1/sandbox/accounts/{account_number}': fc.integer({ min: 0, max: 10_000_000 }).map((balance) => ({ balance, status: 'open' })),
    'POST /v1/sandbox/faults': fc.constantFrom({ channel: 'sandbox-clearing', mode: 'none' }, { channel: 'sandbox-clearing', mode: 'unavailable', count: 1 }),
    'POST /v1/sandbox/clock': fc.constantFrom({ advance: 'PT1H' }, { now: '2026-01-02T09:00:00+08:00' }),
  };
}

function authorizationFor(mode: (typeof AUTH_MODES)[number], merchantKey: string): string | null {
  switch (mode) {
    case 'operator':
      return `Bearer ${OPERATOR_KEY}`;
    case 'merchant':
      return `Bearer ${merchantKey}`;
    case 'none':
      return null;
    case 'wrong':
      return 'Bearer dk_mer_not-a-real-key';
    case 'lowercase':
      return `bearer ${merchantKey}`;
    case 'basic':
      return 'Basic dXNlcjpwYXNz';
    case 'empty':
      return '';
    case 'junk':
      return `Bearer ${'k'.repeat(5000)}`;
  }
}

/** Bytes Node's HTTP parser refuses, or that stretch it: each on a connection of its own. */
function rawArbitrary(known: KnownIds): fc.Arbitrary<FuzzRequest> {
  const auth = `Authorization: Bearer ${known.merchantKey}\r\n`;
  return fc
    .constantFrom(
      'GARBAGE\r\n\r\n',
      'GET /v1/debits HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n',
      `GET /v1/debits HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `POST /v1/debits HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
      `POST /v1/debits HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
      'GET /v1/debits\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/debits HTTP/9.9\r\nHost: x\r\n\r\n',
      `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET /v1/debits HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      `GET /v1/debits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${auth}\r\n`,
      'GET http://evil.example/v1/debits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    )
    .map((raw) => ({ method: raw.split(' ')[0] ?? '', path: raw.split(' ')[1]?.slice(0, 100) ?? '', headers: {}, body: null, raw, operation: 'raw' }));
}

import fs from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaikouClient, type DaikouClient } from '../../src/client/index.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, eventually, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';
import { statementCsv } from '../support/reconciliation-seed.js';

/**
 * The contract (issue 9, items 1–3): the committed OpenAPI document is the one the server serves,
 * and every operation in it is called at least once — through the typed client generated from it
 * (src/client) — with each answer's status, content type and body checked against what the
 * document says of that operation. So the document cannot drift from the server, nor the client
 * from the document.
 */

// ajv and ajv-formats come with Fastify (it validates with them); CommonJS default exports.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, any>;
const committed = JSON.parse(fs.readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as Json;

interface Operation {
  id: string;
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, Json>;
}

const operations: Operation[] = Object.entries(committed.paths as Record<string, Record<string, Json>>).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    id: operation.operationId as string,
    method: method.toUpperCase(),
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    responses: operation.responses as Record<string, Json>,
  })),
);

/** A template with no parameters is a better match than one with, for /v1/rules/simulate vs /v1/rules/{id}. */
function operationOf(method: string, pathname: string): Operation | undefined {
  const matches = operations.filter((operation) => operation.method === method && operation.pattern.test(pathname));
  return matches.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))[0];
}

const pointerPart = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1');

interface Exchange {
  operation: string;
  method: string;
  path: string;
  status: number;
  mediaType: string;
  body: string;
}

/** Checks one answer against the document; returns what is wrong, or nothing. */
function conformance(ajv: Ajv2020, exchange: Exchange): string[] {
  const operation = operationOf(exchange.method, exchange.path)!;
  const documented = operation.responses[String(exchange.status)];
  const where = `${exchange.method} ${exchange.path} → ${exchange.status}`;
  if (documented === undefined) return [`${where}: status not documented for ${operation.id} (${Object.keys(operation.responses).join(', ')})`];
  if (documented.content === undefined) return exchange.body === '' ? [] : [`${where}: documented without a body, answered ${exchange.body.slice(0, 80)}`];
  const media = documented.content[exchange.mediaType] as Json | undefined;
  if (media === undefined) return [`${where}: answered ${exchange.mediaType}, documented ${Object.keys(documented.content).join(', ')}`];
  const ref = `openapi#/paths/${pointerPart(operation.template)}/${exchange.method.toLowerCase()}/responses/${exchange.status}/content/${pointerPart(exchange.mediaType)}/schema`;
  const validate = ajv.getSchema(ref) as ValidateFunction | undefined;
  if (validate === undefined) return [`${where}: no schema at ${ref}`];
  const body: unknown = /json/.test(exchange.mediaType) ? JSON.parse(exchange.body) : exchange.body;
  if (validate(body)) return [];
  return [`${where}: ${ajv.errorsText(validate.errors)} in ${exchange.body.slice(0, 300)}`];
}

for (const engine of ENGINES) {
  describe(`the OpenAPI contract on ${engine}`, () => {
    let t: TestHub;
    let ajv: Ajv2020;
    const exchanges: Exchange[] = [];
    let operator: DaikouClient;
    let merchant: DaikouClient;
    let anonymous: DaikouClient;

    /** Every call through the client is recorded with what came back, for the checks below. */
    const recording: typeof fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const response = await fetch(request);
      const url = new URL(request.url);
      const operation = operationOf(request.method, url.pathname);
      exchanges.push({
        operation: operation?.id ?? `unknown ${request.method} ${url.pathname}`,
        method: request.method,
        path: url.pathname,
        status: response.status,
        mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(),
        body: await response.clone().text(),
      });
      return response;
    };

    beforeAll(async () => {
      t = await startTestHub(engine);
      ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema(committed, 'openapi');
      operator = createDaikouClient(t.hub.url, t.operatorKey, { fetch: recording });
      anonymous = createDaikouClient(t.hub.url, 'not-a-key', { fetch: recording });
    });
    afterAll(async () => t?.close());

    it('the committed openapi/openapi.json is the document the server serves (npm run client:generate)', async () => {
      const served = await (await fetch(`${t.hub.url}/openapi.json`)).json();
      expect(served).toEqual(committed);
    });

    it('walks every operation through the typed client', async () => {
      const card = cardNumber('622202', 8_800_001);
      const ok = <T>(answer: { data?: T; error?: unknown; response: Response }): T => {
        if (answer.data === undefined) throw new Error(`${answer.response.url}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
        return answer.data;
      };

      ok(await operator.GET('/healthz'));
      ok(await operator.GET('/metrics', { parseAs: 'text' }));

      // Merchants and their keys.
      const created = ok(await operator.POST('/v1/merchants', { body: { ...MERCHANT_BODY, category: 'utility' } }));
      merchant = createDaikouClient(t.hub.url, created.api_key, { fetch: recording });
      ok(await operator.GET('/v1/merchants', { params: { query: { limit: 5 } } }));
      ok(await merchant.GET('/v1/merchants/{id}', { params: { path: { id: created.id } } }));
      ok(await operator.PATCH('/v1/merchants/{id}', { params: { path: { id: created.id } }, body: { fee_plan: 'standard', auto_represent: { max: 1, after_business_days: 2 } } }));
      const issued = ok(await operator.POST('/v1/merchants/{id}/api-keys', { params: { path: { id: created.id } }, body: { label: 'second' } }));
      ok(await operator.GET('/v1/merchants/{id}/api-keys', { params: { path: { id: created.id } } }));
      expect(ok(await operator.DELETE('/v1/api-keys/{id}', { params: { path: { id: issued.id } } })).revoked_at).toMatch(/\+08:00$/);

      // The sandbox account, a mandate and a debit through to its end.
      ok(await operator.PUT('/v1/sandbox/accounts/{account_number}', { params: { path: { account_number: card } }, body: { balance: 1_000_000 } }));
      const mandate = ok(
        await merchant.POST('/v1/mandates', {
          body: { payer: { account_number: card, account_kind: 'personal', medium: 'bank_card', holder_name: '张三' }, agreement_number: 'AGR-CONTRACT-1', signed_at: '2026-01-01' },
        }),
      );
      ok(await merchant.GET('/v1/mandates', { params: { query: { agreement_number: 'AGR-CONTRACT-1' } } }));
      ok(await merchant.GET('/v1/mandates/{id}', { params: { path: { id: mandate.id } } }));
      const debitBody = { mandate_id: mandate.id, amount: 1_234, currency: 'CNY' as const, reference: 'CONTRACT-1' };
      const debit = ok(await merchant.POST('/v1/debits', { params: { header: { 'idempotency-key': 'contract-1' } }, body: debitBody }));
      const replay = await merchant.POST('/v1/debits', { params: { header: { 'idempotency-key': 'contract-1' } }, body: debitBody });
      expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
      expect(ok(replay).id).toBe(debit.id);
      const reused = await merchant.POST('/v1/debits', { params: { header: { 'idempotency-key': 'contract-1' } }, body: { ...debitBody, amount: 99 } });
      expect(reused.response.status).toBe(409);
      ok(await merchant.GET('/v1/debits', { params: { query: { mandate_id: mandate.id } } }));
      await eventually(async () => ok(await merchant.GET('/v1/debits/{id}', { params: { path: { id: debit.id } } })).status === 'succeeded', 15_000, 'the debit');
      // A succeeded debit may not be presented again (the full path is in test/api/representment.test.ts).
      const represented = await merchant.POST('/v1/debits/{id}/represent', { params: { path: { id: debit.id }, header: { 'idempotency-key': 'contract-represent' } } });
      expect(represented.response.status).toBe(409);
      expect(represented.error).toMatchObject({ code: 'debit_not_failed' });
      ok(await operator.GET('/v1/sandbox/accounts/{account_number}', { params: { path: { account_number: card } } }));
      ok(await merchant.GET('/v1/balances'));
      ok(await operator.GET('/v1/ledger/trial-balance'));
      ok(await operator.POST('/v1/settlements/run', { body: {} }));
      ok(await merchant.GET('/v1/settlements', { params: { query: { limit: 5 } } }));
      expect((await merchant.POST('/v1/settlements/run', { body: {} })).response.status).toBe(403);

      // A payout: nothing is available yet (collected money is pending until settled), so it is stored rejected.
      const payoutBody = { payee: { account_number: card, account_kind: 'personal' as const, holder_name: '张三' }, amount: 500, currency: 'CNY' as const, reference: 'CONTRACT-PO-1' };
      const payout = ok(await merchant.POST('/v1/payouts', { params: { header: { 'idempotency-key': 'contract-po-1' } }, body: payoutBody }));
      expect(payout).toMatchObject({ status: 'rejected', failure: { code: 'insufficient_balance' } });
      ok(await merchant.GET('/v1/payouts', { params: { query: { status: 'rejected' } } }));
      ok(await merchant.GET('/v1/payouts/{id}', { params: { path: { id: payout.id } } }));
      // A refund of part of the debit (not yet settled: it draws on pending); the full path is in test/api/refunds.test.ts.
      const refund = ok(await merchant.POST('/v1/debits/{id}/refunds', { params: { path: { id: debit.id }, header: { 'idempotency-key': 'contract-refund-1' } }, body: { amount: 200, reason: '退款' } }));
      expect(refund).toMatchObject({ kind: 'refund', debit_id: debit.id, amount: 200, amount_from_pending: 200 });
      const tooMuch = await merchant.POST('/v1/debits/{id}/refunds', { params: { path: { id: debit.id } }, body: { amount: 1_234 } });
      expect(tooMuch.response.status).toBe(409);
      expect(tooMuch.error).toMatchObject({ code: 'refund_exceeds_debit' });
      expect(ok(await merchant.GET('/v1/debits/{id}/refunds', { params: { path: { id: debit.id }, query: { limit: 5 } } })).data).toHaveLength(1);
      ok(await merchant.GET('/v1/payouts', { params: { query: { kind: 'refund' } } }));

      // A webhook endpoint: created (its secret shown once), read, listed, changed, rotated, deleted.
      const endpoint = ok(await merchant.POST('/v1/webhook-endpoints', { body: { url: 'https://hooks.example.com/contract', event_types: ['debit.succeeded'] } }));
      expect(endpoint.secret).toMatch(/^whsec_/);
      ok(await merchant.GET('/v1/webhook-endpoints/{id}', { params: { path: { id: endpoint.id } } }));
      ok(await merchant.GET('/v1/webhook-endpoints', { params: { query: { limit: 5 } } }));
      ok(await merchant.PATCH('/v1/webhook-endpoints/{id}', { params: { path: { id: endpoint.id } }, body: { event_types: ['*'] } }));
      ok(await merchant.POST('/v1/webhook-endpoints/{id}/rotate-secret', { params: { path: { id: endpoint.id } }, body: { previous_secret_hours: 1 } }));
      // Its deliveries, and an event sent to it again.
      const [event] = ok(await merchant.GET('/v1/events', { params: { query: { object_id: debit.id, limit: 1 } } })).data;
      expect(ok(await merchant.POST('/v1/events/{id}/redeliver', { params: { path: { id: event!.id } }, body: { endpoint_id: endpoint.id } })).data).toHaveLength(1);
      ok(await merchant.GET('/v1/webhook-endpoints/{id}/deliveries', { params: { path: { id: endpoint.id }, query: { status: 'pending', limit: 5 } } }));
      expect((await merchant.DELETE('/v1/webhook-endpoints/{id}', { params: { path: { id: endpoint.id } } })).response.status).toBe(204);

      // A batch, its report both ways.
      const csv = `reference,account_number,amount\nCONTRACT-B1,${card},100\n`;
      const batch = ok(await merchant.POST('/v1/batches', { body: csv, bodySerializer: (body: string) => body, headers: { 'content-type': 'text/csv' } }));
      await eventually(async () => ok(await merchant.GET('/v1/batches/{id}', { params: { path: { id: batch.id } } })).status === 'completed', 15_000, 'the batch');
      ok(await merchant.GET('/v1/batches', { params: { query: { status: 'completed' } } }));
      expect(ok(await merchant.GET('/v1/batches/{id}/report', { params: { path: { id: batch.id } }, parseAs: 'text' }))).toMatch(/^row,reference,debit_id,status,code,message,field\n/);
      expect(ok(await merchant.GET('/v1/batches/{id}/report', { params: { path: { id: batch.id } }, headers: { accept: 'application/xml' }, parseAs: 'text' }))).toContain('pain.002');
      // A payout batch (kind=payout): its rows are payouts, its report names them.
      const payoutCsv = `reference,account_number,holder_name,account_kind,amount\nCONTRACT-PB1,${card},张三,personal,100\n`;
      const payoutBatch = ok(await merchant.POST('/v1/batches', { params: { query: { kind: 'payout' } }, body: payoutCsv, bodySerializer: (body: string) => body, headers: { 'content-type': 'text/csv' } }));
      expect(payoutBatch).toMatchObject({ kind: 'payout', format: 'csv' });
      await eventually(async () => ok(await merchant.GET('/v1/batches/{id}', { params: { path: { id: payoutBatch.id } } })).status === 'completed', 15_000, 'the payout batch');
      expect(ok(await merchant.GET('/v1/batches/{id}/report', { params: { path: { id: payoutBatch.id } }, parseAs: 'text' }))).toMatch(/^row,reference,payout_id,status,code,message,field\n/);
      ok(await merchant.POST('/v1/mandates/{id}/revoke', { params: { path: { id: mandate.id } } }));

      // Events: the debit's, listed both ways and read one by one.
      const published = ok(await merchant.GET('/v1/events', { params: { query: { object_id: debit.id, type: 'debit.created,debit.succeeded', limit: 10 } } }));
      expect(published.data.map((event) => event.type)).toContain('debit.created');
      ok(await merchant.GET('/v1/events', { params: { query: { ending_before: published.data.at(-1)!.id } } }));
      ok(await operator.GET('/v1/events/{id}', { params: { path: { id: published.data[0]!.id } } }));

      // A reconciliation of the debit's channel: its statement uploaded, the line daikou never sent resolved.
      const collected = ok(await merchant.GET('/v1/debits/{id}', { params: { path: { id: debit.id } } }));
      const statementOf = { channel: collected.channel!, business_date: collected.business_date };
      const statement = statementCsv(statementOf.channel, statementOf.business_date, [
        { channel_reference: null, end_to_end_id: collected.attempts![0]!.end_to_end_id, direction: 'debit', amount: collected.amount + collected.fees.payer, status: 'succeeded', settled_at: null },
        { channel_reference: null, end_to_end_id: 'dbt_contract_unknown', direction: 'debit', amount: 10, status: 'succeeded', settled_at: null },
      ]);
      const reconciliation = ok(await operator.POST('/v1/reconciliations', { params: { query: statementOf }, body: statement as never, bodySerializer: (body: unknown) => body as string, headers: { 'content-type': 'text/csv' } }));
      ok(await operator.GET('/v1/reconciliations', { params: { query: { channel: statementOf.channel } } }));
      expect(ok(await operator.GET('/v1/reconciliations/{id}', { params: { path: { id: reconciliation.id } } })).counts).toMatchObject({ lines: 2, matched: 1, missing_in_daikou: 1 });
      const exceptions = ok(await operator.GET('/v1/reconciliations/{id}/exceptions', { params: { path: { id: reconciliation.id }, query: { status: 'open' } } }));
      ok(await operator.POST('/v1/reconciliation-exceptions/{id}/resolve', { params: { path: { id: exceptions.data[0]!.id } }, body: { action: 'accept', reason: 'contract test' } }));
      expect((await merchant.GET('/v1/reconciliations')).response.status).toBe(403);

      // Channels, rules and fees.
      ok(await operator.GET('/v1/channels'));
      const channel = { id: 'contract-channel', type: 'direct_bank' as const, name: 'Contract test', bank_code: 'ICBC', capabilities: ['debit' as const], cost_schedule: { fixed: 50 }, priority: 100, enabled: false };
      ok(await operator.POST('/v1/channels', { body: channel }));
      ok(await operator.GET('/v1/channels/{id}', { params: { path: { id: channel.id } } }));
      ok(await operator.PATCH('/v1/channels/{id}', { params: { path: { id: channel.id } }, body: { priority: 101 } }));
      ok(await operator.GET('/v1/rules'));
      const rule = { title: 'Contract test rule', source: 'issue 9', applies_to: { channels: [channel.id] }, deny: { 'payer.medium': ['bank_account'] } };
      ok(await operator.POST('/v1/rules', { body: { id: 'contract-rule', ...rule } }));
      ok(await operator.GET('/v1/rules/{id}', { params: { path: { id: 'contract-rule' } } }));
      ok(await operator.PUT('/v1/rules/{id}', { params: { path: { id: 'contract-rule' } }, body: { ...rule, title: 'Contract test rule, amended' } }));
      // A notice (公告): published by the operator, read by every key, named by a rule's new version.
      const notice = ok(await operator.POST('/v1/notices', { body: { title: '关于加强小额支付系统集中代收付业务管理有关事项的通知', source: '银办发[2017]110号', author: '中国人民银行办公厅', published_at: '2017-05-10T09:00:00+08:00', body: '集中代收付中心仅为公用事业类和公益类机构提供代收付服务。' } }));
      ok(await merchant.GET('/v1/notices', { params: { query: { limit: 5, q: '代收付' } } }));
      ok(await merchant.GET('/v1/notices/{id}', { params: { path: { id: notice.id } } }));
      expect(ok(await operator.PUT('/v1/rules/{id}', { params: { path: { id: 'contract-rule' } }, body: { ...rule, notice_id: notice.id } })).notice_id).toBe(notice.id);
      ok(await operator.DELETE('/v1/rules/{id}', { params: { path: { id: 'contract-rule' } } }));
      const today = ok(await operator.GET('/v1/reports/margin')).from;
      ok(await operator.POST('/v1/rules/simulate', { body: { at: today, window: { from: today, to: today } } }));
      ok(await operator.GET('/v1/fee-plans'));
      ok(await operator.POST('/v1/fee-plans', { body: { id: 'contract-plan', side: 'merchant', title: 'Contract test plan', schedule: { fixed: 5 } } }));
      ok(await operator.GET('/v1/fee-plans/{id}', { params: { path: { id: 'contract-plan' } } }));
      ok(await operator.PUT('/v1/fee-plans/{id}', { params: { path: { id: 'contract-plan' } }, body: { title: 'Contract test plan', schedule: { fixed: 6, payout: { fixed: 80 } } } }));
      ok(await merchant.GET('/v1/calendar/{year}', { params: { path: { year: '2024' } } }));
      expect((await merchant.GET('/v1/calendar/{year}', { params: { path: { year: '2028' } } })).response.status).toBe(404);

      // The sandbox's faults and clock.
      ok(await operator.POST('/v1/sandbox/faults', { body: { channel: 'sandbox', mode: 'unavailable', count: 1 } }));
      expect((await operator.DELETE('/v1/sandbox/faults')).response.status).toBe(204);
      const sandboxClock = ok(await operator.POST('/v1/sandbox/clock', { body: { advance: 'PT1M' } }));
      // The statement of the channel the debit above went through, both ways, and one not ready yet.
      const sandboxStatement = { params: { path: { channel: 'sandbox-clearing', date: sandboxClock.business_date } }, parseAs: 'text' as const };
      expect(ok(await operator.GET('/v1/sandbox/channels/{channel}/statements/{date}', sandboxStatement))).toMatch(/^record,channel,business_date,/);
      expect(ok(await operator.GET('/v1/sandbox/channels/{channel}/statements/{date}', { ...sandboxStatement, headers: { accept: 'application/xml' } }))).toContain('camt.053.001.02');
      expect((await operator.GET('/v1/sandbox/channels/{channel}/statements/{date}', { params: { path: { channel: 'sandbox-clearing', date: '2100-12-31' } } })).response.status).toBe(409);

      // Problems: each one documented, each one a Problem.
      expect((await anonymous.GET('/v1/debits')).response.status).toBe(401);
      expect((await merchant.GET('/v1/channels')).response.status).toBe(403);
      expect((await merchant.GET('/v1/debits/{id}', { params: { path: { id: 'dbt_none' } } })).response.status).toBe(404);
      expect((await merchant.GET('/v1/debits', { params: { query: { limit: 0 } } })).response.status).toBe(400);
      expect((await operator.POST('/v1/channels', { body: channel })).response.status).toBe(409);
      expect((await merchant.POST('/v1/batches', { body: '{}', bodySerializer: (body: string) => body, headers: { 'content-type': 'application/json' } })).response.status).toBe(415);
    });

    it('calls every operation of the document', () => {
      const called = new Set(exchanges.map((exchange) => exchange.operation));
      expect(operations.filter((operation) => !called.has(operation.id)).map((operation) => operation.id)).toEqual([]);
      expect([...called].filter((id) => id.startsWith('unknown'))).toEqual([]);
      expect(operations.length).toBeGreaterThanOrEqual(42);
    });

    it('every answer has a documented status, content type and body', () => {
      expect(exchanges.length).toBeGreaterThan(operations.length);
      expect(exchanges.flatMap((exchange) => conformance(ajv, exchange))).toEqual([]);
      const statuses = new Set(exchanges.map((exchange) => exchange.status));
      for (const status of [200, 201, 202, 204, 400, 401, 403, 404, 409, 415]) expect(statuses).toContain(status);
    });
  });
}

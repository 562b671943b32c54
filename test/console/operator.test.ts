import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatYuan, type Fen } from '../../src/core/kernel/money.js';
import { cardNumber, createMandate, createMerchant, eventually } from '../support/hub.js';
import { logIn, newPage, screenshot, shown, startConsoleHub, type ConsoleHub } from '../support/console.js';

// One engine is enough here: the browser test checks the console, and every call it makes is
// covered on both engines by the API suites (test/api/).
const ENGINE = 'sqlite' as const;
const DATE = '2024-09-30';
const CHANNEL = 'sandbox-clearing';

/** What the what-if page sends when the form below is filled in: the same body, for the API's own answer. */
const DENY_CARDS = { id: 'what-if-no-cards', title: 'No bank cards on the sandbox', source: 'what-if', applies_to: { channels: [CHANNEL] }, deny: { 'payer.medium': ['bank_card'] } };

describe('the console, as the operator, in a real browser (chromium)', () => {
  let c: ConsoleHub;
  let merchantId: string;

  beforeAll(async () => {
    c = await startConsoleHub(ENGINE);
    const { t } = c;
    expect((await t.call('POST', '/v1/sandbox/clock', { body: { now: `${DATE}T10:00:00+08:00` } })).status).toBe(200);
    // The sandbox channel costs 0.30 yuan a debit, so that a what-if has a cost to read.
    expect((await t.call('PATCH', `/v1/channels/${CHANNEL}`, { body: { cost_schedule: { fixed: 30 } } })).status).toBe(200);
    const merchant = await createMerchant(t);
    merchantId = merchant.id;
    // Two debits collected on DATE through the sandbox channel.
    for (const serial of [8101, 8102]) {
      const mandateId = await createMandate(t, merchant.key, cardNumber('622202', serial), { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 12_300, currency: 'CNY', reference: `OP-${serial}` } });
      expect(created.status).toBe(201);
      await eventually(async () => (await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body.status === 'succeeded', 15_000, `debit ${serial} to succeed`);
    }
    // A reconciliation with exceptions: the channel's statement lists a line daikou never sent.
    expect((await t.call('POST', '/v1/sandbox/faults', { body: { channel: CHANNEL, mode: 'statement', discrepancy: 'unknown', rate: 1 } })).status).toBe(200);
    const posted = await t.call('POST', '/v1/reconciliations', { body: { channel: CHANNEL, business_date: DATE } });
    expect(posted.status).toBe(202);
    await eventually(async () => (await t.call('GET', `/v1/reconciliations/${posted.body.id}`)).body.status === 'completed', 15_000, 'the reconciliation to complete');
    expect((await t.call('DELETE', '/v1/sandbox/faults')).status).toBe(204);
    // A rule to link to a notice.
    const rule = await t.call('POST', '/v1/rules', { body: { id: 'pboc-110', title: 'Collection centers: utilities and public welfare only', source: '银办发[2017]110号', effective_from: '2018-01-01', applies_to: { types: ['collection_center'] }, allow_only: { 'merchant.category': ['utility', 'public_welfare'] } } });
    expect(rule.status).toBe(201);
  }, 180_000);
  afterAll(async () => c?.close());

  it('runs a what-if and reads the chart, publishes a notice and links a rule to it, resolves a reconciliation exception', { timeout: 180_000 }, async () => {
    const { t } = c;
    const page = await newPage(c.browser);
    await logIn(page, t.hub.url, t.operatorKey);
    const nav = page.getByRole('navigation', { name: 'Sections' });

    // What-if: the same day, with a rule that denies bank cards on the sandbox channel.
    const expected = (await t.call('POST', '/v1/rules/simulate', { body: { at: DATE, window: { from: DATE, to: DATE }, add_rules: [DENY_CARDS] } })).body;
    expect(expected.totals).toMatchObject({ count: 2, unroutable: 2, cost_after: 0 });
    expect(expected.totals.cost_before).toBe(60);
    await nav.getByRole('link', { name: 'What-if' }).click();
    await page.getByRole('heading', { name: 'What-if', level: 1 }).waitFor();
    await page.getByLabel('Route as if on').fill(DATE);
    await page.getByLabel('Debits created from').fill(DATE);
    await page.getByLabel('to', { exact: true }).fill(DATE);
    await page.getByLabel('Rules to add').fill(JSON.stringify(DENY_CARDS));
    await page.getByRole('button', { name: 'Run the what-if' }).click();
    await page.getByRole('heading', { name: `Routed on ${DATE}, debits of ${DATE} to ${DATE}` }).waitFor();
    await expect(page.getByTestId('unroutable').textContent()).resolves.toBe('2');
    const costChart = page.getByRole('figure', { name: 'Channel cost per merchant, before and after (yuan)' });
    await costChart.locator('.recharts-label-list').first().waitFor();
    const costLabels = await costChart.locator('.recharts-label-list text').allTextContents();
    // The bar is labelled as a person reads it: the cost as routed (after the change, none is left to cost anything).
    expect(costLabels).toEqual([`¥${formatYuan(expected.totals.cost_before as Fen)}`]);
    await expect(page.getByTestId('cost-after').textContent()).resolves.toBe('¥0.00');
    const unroutableChart = page.getByRole('figure', { name: 'Debits no channel could carry after the change, per merchant' });
    await expect(unroutableChart.locator('.recharts-label-list text').allTextContents()).resolves.toEqual(['2']);
    await expect(shown(costChart.getByText(expected.merchants[0].merchant_id).first())).resolves.toBe(true);
    await screenshot(page, 'what-if');

    // The operator's debit list says whose each debit is, and is searched by merchant.
    await nav.getByRole('link', { name: 'Debits' }).click();
    const debits = page.getByRole('table', { name: 'Debits' });
    await debits.getByRole('row', { name: /OP-8101/ }).waitFor();
    await expect(shown(debits.getByRole('columnheader', { name: 'Merchant' }))).resolves.toBe(true);
    await expect(shown(debits.getByRole('row', { name: /OP-8101/ }).getByRole('cell', { name: merchantId, exact: true }))).resolves.toBe(true);
    const search = page.getByRole('search', { name: 'Search debits' });
    await search.getByLabel('Merchant').fill('mer_nobody');
    await search.getByRole('button', { name: 'Search' }).click();
    await debits.getByText('Nothing here yet.').waitFor();
    await expect(debits.getByRole('row', { name: /OP-8101/ }).count()).resolves.toBe(0);
    await search.getByLabel('Merchant').fill(merchantId);
    await search.getByRole('button', { name: 'Search' }).click();
    await debits.getByRole('row', { name: /OP-8102/ }).waitFor();

    // Publish a notice through the form.
    await nav.getByRole('link', { name: 'Notices' }).click();
    await page.getByRole('heading', { name: 'Notices', level: 1 }).waitFor();
    const title = '关于加强小额支付系统集中代收付业务管理有关事项的通知';
    const publish = page.getByRole('form', { name: 'Publish a notice' });
    await publish.getByLabel('Title', { exact: true }).fill(title);
    await publish.getByLabel('Source').fill('未知');
    await publish.getByLabel('Issued by').fill('中国人民银行办公厅');
    await publish.getByLabel('Published at (Beijing time)').fill('2017-05-10T09:00');
    await publish.getByLabel('Text', { exact: true }).fill('集中代收付中心严禁向公用事业类和公益类以外的其他机构提供代收付服务,2017年12月31日前断开。');
    await publish.getByRole('button', { name: 'Publish' }).click();
    // "未知" is no source: the API's field error is shown, naming the field.
    await publish.getByRole('alert').waitFor();
    await expect(shown(publish.getByText('/source', { exact: true }))).resolves.toBe(true);
    await screenshot(page, 'notices');
    await publish.getByLabel('Source').fill('银办发[2017]110号');
    await publish.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    await expect(shown(page.getByText('2017-05-10 09:00:00'))).resolves.toBe(true);
    const noticeId = page.url().split('/').at(-1)!;
    expect(noticeId).toMatch(/^ntc_/);
    await screenshot(page, 'notice');

    // Link the rule to it from the rule's page, reached from the channels page's timeline.
    await nav.getByRole('link', { name: 'Channels and rules' }).click();
    await page.getByRole('heading', { name: 'Channels and their health' }).or(page.getByRole('table', { name: 'Channels and their health' })).first().waitFor();
    await expect(shown(page.getByRole('row', { name: new RegExp(CHANNEL) }).getByText('closed'))).resolves.toBe(true);
    await screenshot(page, 'channels');
    await page.getByRole('link', { name: 'Collection centers: utilities and public welfare only' }).click();
    await page.getByRole('heading', { name: 'Rule: Collection centers: utilities and public welfare only' }).waitFor();
    await page.getByLabel('The notice this rule comes from').selectOption(noticeId);
    await page.getByRole('button', { name: 'Save (writes a new version)' }).click();
    // The rule names its notice by the notice's title, on the rule and on the version that links it.
    await page.getByRole('definition').getByRole('link', { name: title }).waitFor();
    await expect(shown(page.getByRole('row', { name: /^2 / }).getByRole('link', { name: title }))).resolves.toBe(true);
    const stored = (await t.call('GET', '/v1/rules/pboc-110')).body;
    expect(stored).toMatchObject({ version: 2, notice_id: noticeId });
    await screenshot(page, 'rule');
    await page.getByRole('definition').getByRole('link', { name: title }).click();
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Rules that come from this notice' }).waitFor();
    await expect(shown(page.getByRole('link', { name: 'Collection centers: utilities and public welfare only' }))).resolves.toBe(true);

    // Resolve a reconciliation exception.
    await nav.getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('heading', { name: 'Reconciliation', level: 1 }).waitFor();
    const run = (await t.call('GET', '/v1/reconciliations?status=completed')).body.data[0];
    await page.getByRole('button', { name: `Exceptions of ${run.id}` }).click();
    const open = (await t.call('GET', `/v1/reconciliations/${run.id}/exceptions?status=open`)).body.data;
    expect(open.length).toBeGreaterThan(0);
    const form = page.getByRole('form', { name: `Resolve exception ${open[0].id}` });
    await form.getByLabel('Action').selectOption('write_off');
    await form.getByLabel('Reason').fill('channel test line');
    await screenshot(page, 'reconciliation');
    await form.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('Resolved: write_off — channel test line').waitFor();
    const resolved = (await t.call('GET', `/v1/reconciliations/${run.id}/exceptions`)).body.data.find((e: { id: string }) => e.id === open[0].id);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: { action: 'write_off', reason: 'channel test line' } });
  });
});

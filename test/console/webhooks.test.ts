import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { cardNumber, createMandate, createMerchant, eventually } from '../support/hub.js';
import { logIn, newPage, screenshot, shown, startConsoleHub, type ConsoleHub } from '../support/console.js';
import { Receiver, verifyAt } from '../webhooks/receiver.js';

// One engine is enough here: the browser test checks the console, and every call it makes is
// covered on both engines by the API suites (test/api/webhook-*.test.ts).
const ENGINE = 'sqlite' as const;

/** The cells of each row of an attempts table, as a person reads them (the header row left out). */
async function attemptRows(delivery: Locator): Promise<string[][]> {
  const rows = delivery.getByRole('table').getByRole('row');
  const count = await rows.count();
  const cells: string[][] = [];
  for (let i = 1; i < count; i += 1) cells.push((await rows.nth(i).getByRole('cell').allTextContents()).map((text) => text.trim()));
  return cells;
}

/** The delivery sections on the endpoint's page, newest first, by their headings ("Delivery msg_…"). */
async function deliveryIds(page: Page): Promise<string[]> {
  const headings = await page.getByRole('heading', { level: 3, name: /^Delivery msg_/ }).allTextContents();
  return headings.map((heading) => heading.replace(/^Delivery /, ''));
}

describe('the console\'s webhooks and events pages, as a merchant, in a real browser (chromium)', () => {
  let c: ConsoleHub;
  let hook: Receiver;
  let merchant: { id: string; key: string };
  let mandateId: string;

  beforeAll(async () => {
    c = await startConsoleHub(ENGINE, { webhookAllowPrivate: true });
    hook = await Receiver.start();
    merchant = await createMerchant(c.t);
    mandateId = await createMandate(c.t, merchant.key, cardNumber('622202', 9_101), { limits: { per_debit_max: 500_000 } });
  }, 120_000);
  afterAll(async () => {
    await hook?.close();
    await c?.close();
  });

  /** A debit through the API, until it has succeeded: its `debit.succeeded` event is what the endpoint receives. */
  async function succeededDebit(reference: string): Promise<string> {
    const created = await c.t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 1_230, currency: 'CNY', reference } });
    expect(created.status).toBe(201);
    await eventually(async () => (await c.t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body.status === 'succeeded', 30_000, `debit ${reference} to succeed`);
    return created.body.id as string;
  }

  it('creates an endpoint and reads its secret once, sees a delivery succeed, a failed attempt, and a redelivery succeed; reads an event\'s JSON', { timeout: 180_000 }, async () => {
    const page = await newPage(c.browser);
    await logIn(page, c.t.hub.url, merchant.key);
    const nav = page.getByRole('navigation', { name: 'Sections' });

    // Create an endpoint for debit.succeeded, pointing at the receiver on 127.0.0.1.
    await nav.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Add an endpoint' });
    await form.getByLabel('URL').fill(hook.url);
    await form.getByRole('group', { name: 'Event types' }).getByLabel('debit.succeeded').check();
    await form.getByLabel('Description').fill('water bills');
    await form.getByRole('button', { name: 'Add the endpoint' }).click();

    // The secret is shown once, with a copy button and the warning.
    const secretBox = page.getByRole('region', { name: /^Signing secret of we_/ });
    await secretBox.waitFor();
    await expect(shown(secretBox.getByText('you will not see it again', { exact: false }))).resolves.toBe(true);
    await expect(shown(secretBox.getByRole('button', { name: 'Copy the secret' }))).resolves.toBe(true);
    // By keyboard: the focus is on the secret's heading, and Tab reaches the secret itself.
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toMatch(/^Signing secret of we_/);
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement.getAttribute("name")')).resolves.toBe('secret');
    const secret = await secretBox.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    const endpointId = ((await secretBox.getByRole('heading').textContent()) ?? '').replace('Signing secret of ', '');
    await secretBox.getByRole('button', { name: 'I have kept it' }).click();
    await secretBox.waitFor({ state: 'detached' });
    const row = page.getByRole('table', { name: 'Endpoints' }).getByRole('row').filter({ hasText: hook.url });
    await expect(row.getByRole('cell').allTextContents()).resolves.toEqual([`${hook.url}water bills`, 'debit.succeeded', 'enabled', 'no', expect.stringMatching(/^\d{4}-\d{2}-\d{2} /)]);
    // Not in the list, nor anywhere the page keeps things: the secret is gone once put away.
    await expect(page.content()).resolves.not.toContain(secret);
    expect(await page.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })')).not.toContain(secret);
    await screenshot(page, 'webhooks');

    // A debit succeeds: the endpoint's page shows its delivery, succeeded, answered 200.
    const first = await succeededDebit('HOOK-1');
    await row.getByRole('link', { name: hook.url }).click();
    await page.getByRole('heading', { name: `Webhook endpoint ${endpointId}`, level: 1 }).waitFor();
    await page.getByRole('heading', { level: 3, name: /^Delivery msg_/ }).first().waitFor({ timeout: 30_000 });
    const [firstDelivery] = await deliveryIds(page);
    const delivered = page.getByRole('region', { name: `Delivery ${firstDelivery}` });
    await delivered.getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 });
    const [attempt] = await attemptRows(delivered);
    expect(attempt).toEqual(['1', expect.stringMatching(/^\d{4}-\d{2}-\d{2} /), '200', expect.stringMatching(/^\d+ ms$/), 'status 200', '—']);
    // What the receiver got is signed with the secret the page showed.
    const got = hook.received.find((r) => r.event.data.object.id === first);
    expect(got?.event.type).toBe('debit.succeeded');
    expect(() => verifyAt(secret, got!, Number(got!.timestamp) * 1000)).not.toThrow();

    // The receiver answers 500: the next debit's delivery has a failed attempt and waits to be retried.
    hook.behaviour = () => 500;
    await succeededDebit('HOOK-2');
    await page.getByLabel('Status').selectOption({ label: 'pending' });
    const pending = page.getByRole('region', { name: /^Delivery msg_/ });
    await pending.getByRole('cell', { name: '500', exact: true }).waitFor({ timeout: 30_000 });
    const [failedDelivery] = await deliveryIds(page);
    expect(failedDelivery).not.toBe(firstDelivery);
    const failing = page.getByRole('region', { name: `Delivery ${failedDelivery}` });
    await expect(shown(failing.getByText('pending', { exact: true }))).resolves.toBe(true);
    const [failedAttempt] = await attemptRows(failing);
    expect(failedAttempt).toEqual(['1', expect.stringMatching(/^\d{4}-\d{2}-\d{2} /), '500', expect.stringMatching(/^\d+ ms$/), 'status 500', '—']);
    await screenshot(page, 'webhook-failed');

    // The receiver is fixed; "redeliver" sends the event again now, and it succeeds.
    hook.behaviour = () => 200;
    await page.getByLabel('Status').selectOption({ label: 'Any' });
    const eventId = (await failing.getByRole('link', { name: /^evt_/ }).textContent()) ?? '';
    await failing.getByRole('button', { name: `Redeliver ${eventId}` }).click();
    await page.getByRole('status').filter({ hasText: `${eventId} will be delivered again now.` }).waitFor();
    await failing.getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 });
    const attempts = await attemptRows(failing);
    expect(attempts.map((cells) => [cells[0], cells[2], cells[4]])).toEqual([
      ['1', '500', 'status 500'],
      ['2', '200', 'status 200'],
    ]);
    // The same webhook-id at both attempts, as the receiver saw them.
    const sent = hook.received.filter((r) => r.event.id === eventId);
    expect(sent.map((r) => [r.id, r.answer])).toEqual([
      [failedDelivery, 500],
      [failedDelivery, 200],
    ]);
    await screenshot(page, 'webhook');

    // The events page: filtered by type, each event's JSON on demand.
    await nav.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    await page.getByLabel('Event type').selectOption('debit.succeeded');
    const events = page.getByRole('table', { name: 'Events' });
    const eventRow = events.getByRole('row').filter({ hasText: eventId });
    await eventRow.waitFor();
    await expect(events.getByRole('cell', { name: /^debit\./ }).allTextContents()).resolves.toEqual(['debit.succeeded', 'debit.succeeded']);
    await eventRow.getByRole('button', { name: 'Show JSON' }).click();
    await expect(eventRow.getByRole('button', { name: 'Hide JSON' }).getAttribute('aria-expanded')).resolves.toBe('true');
    const json = JSON.parse((await events.locator('pre').textContent()) ?? '{}') as { id: string; type: string; data: { object: { status: string; reference: string } } };
    expect(json).toMatchObject({ id: eventId, type: 'debit.succeeded', data: { object: { status: 'succeeded', reference: 'HOOK-2' } } });
    await screenshot(page, 'events');

    // The operator sees every merchant's endpoints, with whose they are.
    const operator = await newPage(c.browser);
    await logIn(operator, c.t.hub.url, c.t.operatorKey);
    await operator.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Webhooks' }).click();
    const operatorRow = operator.getByRole('table', { name: 'Endpoints' }).getByRole('row').filter({ hasText: hook.url });
    await operatorRow.waitFor();
    await expect(operatorRow.getByRole('cell').nth(1).textContent()).resolves.toBe(merchant.id);
    await operator.context().close();

    // Disable, rotate (the new secret shown once), then delete with a confirmation.
    await page.goto(`${c.t.hub.url}/webhooks/${endpointId}`);
    await page.getByRole('heading', { name: `Webhook endpoint ${endpointId}`, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await expect(shown(page.getByText('(by hand)'))).resolves.toBe(true);
    await page.getByRole('button', { name: 'Rotate the secret' }).click();
    const rotated = await page.getByRole('region', { name: `Signing secret of ${endpointId}` }).getByLabel('Signing secret').inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByText(/^still signs until /).waitFor();
    await page.getByRole('button', { name: 'Delete this endpoint' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm.textContent()).resolves.toContain(`Delete the endpoint ${hook.url}?`);
    await confirm.getByRole('button', { name: 'Delete this endpoint' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Endpoints' }).getByText('Nothing here yet.').waitFor();
    expect((await c.t.call('GET', `/v1/webhook-endpoints/${endpointId}`, { key: merchant.key })).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardNumber, createMandate, createMerchant } from '../support/hub.js';
import { logIn, newPage, screenshot, shown, startConsoleHub, type ConsoleHub } from '../support/console.js';

// One engine is enough here: the browser test checks the console, and every call it makes is
// covered on both engines by the API suites (test/api/).
const ENGINE = 'sqlite' as const;

describe('the console, as a merchant, in a real browser (chromium)', () => {
  let c: ConsoleHub;
  let merchant: { id: string; key: string };
  const cards = [cardNumber('622202', 7_001), cardNumber('622202', 7_002), cardNumber('621700', 7_003)];

  beforeAll(async () => {
    c = await startConsoleHub(ENGINE);
    merchant = await createMerchant(c.t);
    for (const card of cards) await createMandate(c.t, merchant.key, card, { limits: { per_debit_max: 500_000 } });
    // The third payer holds ¥1.00: a debit of ¥50.00 fails with the bank's reason.
    await c.t.call('PUT', `/v1/sandbox/accounts/${cards[2]}`, { body: { balance: 100 } });
  }, 120_000);
  afterAll(async () => c?.close());

  it('logs in, uploads a batch and watches it complete, reads why a debit failed, refunds one, revokes a mandate, logs out', { timeout: 120_000 }, async () => {
    const page = await newPage(c.browser);
    const url = c.t.hub.url;

    await page.goto(url);
    await expect(shown(page.getByRole('heading', { name: 'Log in to daikou' }))).resolves.toBe(true);
    await screenshot(page, 'login');
    // By keyboard: the key field has the focus, Enter logs in.
    await page.keyboard.type('not-a-key-at-all-0123456789abcdef');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'This key is not valid.' }).waitFor();

    await logIn(page, url, merchant.key);
    await expect(shown(page.getByText('Merchant', { exact: true }))).resolves.toBe(true);
    // The key lives in this tab's session storage only: no cookie, nothing in local storage.
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate("JSON.stringify({ ...localStorage })")).not.toContain(merchant.key);
    expect(await page.evaluate("JSON.stringify({ ...sessionStorage })")).toContain(merchant.key);

    // Upload a batch and watch it run to the end.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Batches' }).click();
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    const csv = ['reference,account_number,amount_yuan,holder_name,description', `WATER-1,${cards[0]},12.30,张三,water`, `WATER-2,${cards[1]},8.00,,water`, `WATER-3,${cards[2]},50.00,,water`, ''].join('\r\n');
    await page.getByLabel('CSV or pain.008/pain.001 XML file').setInputFiles({ name: 'water.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('heading', { name: /^Batch bat_/ }).waitFor();
    await page.getByText('3 of 3 rows ended').waitFor({ timeout: 30_000 });
    await expect(shown(page.getByText('All rows have ended.'))).resolves.toBe(true);
    await expect(page.getByRole('progressbar').getAttribute('value')).resolves.toBe('3');
    await screenshot(page, 'batch');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the report (CSV)' }).click();
    expect((await download).suggestedFilename()).toMatch(/^bat_.+-report\.csv$/);

    // The failed debit, found by its reference, says why.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Debits' }).click();
    await page.getByRole('table').getByRole('link', { name: 'WATER-3' }).waitFor();
    await screenshot(page, 'debits');
    await page.getByLabel('Reference').fill('WATER-3');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('table').getByRole('link', { name: 'WATER-1' }).waitFor({ state: 'detached' });
    await page.getByRole('table').getByRole('link', { name: 'WATER-3' }).click();
    const failure = page.getByRole('region', { name: 'Failure' });
    await failure.waitFor();
    await expect(shown(failure.getByText('insufficient_funds'))).resolves.toBe(true);
    const why = (await failure.locator('dd').nth(1).textContent()) ?? '';
    expect(why.length).toBeGreaterThan(3);
    await expect(shown(page.getByRole('heading', { name: 'Routing explanation' }))).resolves.toBe(true);
    await expect(shown(page.getByRole('rowheader', { name: 'sandbox-clearing' }))).resolves.toBe(true);
    await screenshot(page, 'debit-failed');

    // Refund a succeeded debit from its page.
    await page.getByRole('link', { name: 'Back to the list' }).click();
    await page.getByRole('table').getByRole('link', { name: 'WATER-1' }).click();
    await page.getByRole('heading', { name: 'Refund this debit' }).waitFor();
    await page.getByLabel('Amount to refund').fill('2.30');
    await page.getByLabel('Reason').fill('overcharged');
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /^Refund pyt_\S+ created/ }).waitFor();
    await expect(shown(page.getByRole('table', { name: 'Refunds' }).getByText('¥2.30'))).resolves.toBe(true);
    await screenshot(page, 'debit-refunded');

    // Revoke a mandate from its page.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Mandates' }).click();
    await page.getByRole('table').getByRole('link').first().click();
    await page.getByRole('button', { name: 'Revoke this mandate' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke this mandate' }).click();
    await page.getByRole('status').filter({ hasText: 'The mandate is revoked.' }).waitFor();
    await expect(shown(page.getByText('revoked', { exact: true }))).resolves.toBe(true);
    await screenshot(page, 'mandate-revoked');

    // Every other page draws for the merchant.
    for (const [link, heading, shot] of [
      ['Overview', 'Overview', 'overview'],
      ['Mandates', 'Mandates', 'mandates'],
      ['Payouts', 'Payouts', 'payouts'],
      ['Refunds', 'Refunds', 'refunds'],
      ['Settlement', 'Settlement and balances', 'settlement'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.getByText('Loading…').first().waitFor({ state: 'detached' });
      await expect(page.getByRole('alert').count()).resolves.toBe(0);
      if (shot === 'overview') await expect(shown(page.getByText('66.7%', { exact: true }))).resolves.toBe(true);
      await screenshot(page, shot);
    }

    // Chinese and English: the toggle changes every label.
    await page.getByRole('button', { name: /Language/ }).click();
    await expect(shown(page.getByRole('navigation', { name: '栏目' }).getByRole('link', { name: '代收' }))).resolves.toBe(true);
    await screenshot(page, 'settlement-zh');
    await page.getByRole('button', { name: /语言/ }).click();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to daikou' }).waitFor();
    expect(await page.evaluate("JSON.stringify({ ...sessionStorage })")).not.toContain(merchant.key);
  });

  // The operator's own pages are test/console/operator.test.ts; the overview and settlement are shared.
  it('shows an operator the margin charts and any merchant\'s balances', { timeout: 60_000 }, async () => {
    const page = await newPage(c.browser);
    await logIn(page, c.t.hub.url, c.t.operatorKey);
    await expect(shown(page.getByText('Operator', { exact: true }))).resolves.toBe(true);
    const byChannel = page.getByRole('figure', { name: 'Channel cost and margin by channel (yuan)' });
    await byChannel.locator('.recharts-bar-rectangle').first().waitFor();
    await expect(shown(byChannel.getByText('sandbox-clearing'))).resolves.toBe(true);
    await expect(page.getByRole('figure', { name: 'Revenue, cost and margin by day (yuan)' }).locator('.recharts-bar-rectangle').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'overview-operator');

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settlement' }).click();
    await page.getByText('Pick a merchant to see its balances.').waitFor();
    await page.getByLabel('Merchant').selectOption(merchant.id);
    // ¥12.30 + ¥8.00 collected, less the ¥0.10 merchant fee of each, less the ¥2.30 refund taken from pending.
    await page.getByText('¥17.80', { exact: true }).waitFor();
    await screenshot(page, 'settlement-operator');
  });
});

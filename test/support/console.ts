import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { Engine } from '../../src/storage/database.js';
import { startTestHub, type TestHub } from './hub.js';

/**
 * What the console's browser tests share (the merchant's here, the operator's too): a console
 * built from the sources under test, a hub serving it, Debian's chromium driven by playwright-core,
 * and screenshots.
 */
export const CHROMIUM_PATH = process.env.DAIKOU_CHROMIUM ?? '/usr/bin/chromium';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS_DIR = path.join(ROOT, 'test-artifacts', 'screenshots');
/** The set the README shows: written only with UPDATE_SCREENSHOTS=1. */
export const DOCS_SCREENSHOTS_DIR = path.join(ROOT, 'docs', 'screenshots');

/**
 * Debian's chromium, headless. Missing, it fails the test with what to install: a browser test
 * that skips itself would pass in silence on a machine that never ran it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`The console's browser test needs chromium at ${CHROMIUM_PATH}: apt-get install chromium fonts-wqy-microhei (as .ci/run does), or set DAIKOU_CHROMIUM to another chromium.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

export interface ConsoleHub {
  t: TestHub;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A hub with the sandbox and its workers, serving a console built now, and a browser.
 * `webhookAllowPrivate` lets webhooks go to a receiver on 127.0.0.1 (DAIKOU_WEBHOOK_ALLOW_PRIVATE=1).
 */
export async function startConsoleHub(engine: Engine, options: { webhookAllowPrivate?: boolean } = {}): Promise<ConsoleHub> {
  // Built once per run by test/support/console-build.global.ts.
  const consoleDir = inject('consoleDir');
  const browser = await launchBrowser();
  let t: TestHub;
  try {
    t = await startTestHub(engine, { consoleDir, ...options });
  } catch (error) {
    await browser.close();
    throw error;
  }
  return {
    t,
    browser,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/** A new page in English (the assertions read English text), 1280×800. */
export async function newPage(browser: Browser, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  return context.newPage();
}

/** Keeps a screenshot of the page as a test artifact, and in docs/screenshots/ with UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_SCREENSHOTS_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS_DIR, `${name}.png`));
  }
}

/** Logs in through the form, as a person would. */
export async function logIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/**
 * Whether `locator` becomes visible within `timeout`: what the page shows after an action comes
 * when React has re-rendered, so a one-off `isVisible()` right after a click races the page.
 */
export async function shown(locator: Locator, timeout = 15_000): Promise<boolean> {
  return locator.waitFor({ state: 'visible', timeout }).then(
    () => true,
    () => false,
  );
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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
 * Builds the console into a fresh folder, as `npm run build` does (`vite build console`), so that
 * the test sees the sources it runs with. In a child process: inside vitest NODE_ENV is `test`,
 * and vite would build React's development bundle.
 */
const BUILD_WAIT_MS = 120_000;

export async function buildConsole(): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-console-build-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST')));
  // Vite refuses to build a project another Vite is building ("Found another Vite build process"):
  // the browser test files run in parallel, so each waits its turn, for at most BUILD_WAIT_MS.
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    try {
      await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', 'console', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, env });
      return outDir;
    } catch (error) {
      if (!/another Vite build process/i.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

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
  const consoleDir = await buildConsole();
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
      fs.rmSync(consoleDir, { recursive: true, force: true });
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

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleFilePath, isReservedPath } from '../../src/http/console-files.js';
import { startTestHub, type TestHub } from '../support/hub.js';

// Serving files touches no storage: one engine is enough.
const ENGINE = 'sqlite' as const;

/** A built console in miniature, next to a file that must never be served. */
function fakeConsole(): { root: string; secret: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-console-'));
  const root = path.join(base, 'console');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>daikou</title><div id="root"></div>');
  fs.writeFileSync(path.join(root, 'assets', 'index-Ab12Cd34.js'), 'console.log("app")');
  fs.writeFileSync(path.join(root, 'assets', 'index-Zz98Yy76.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'robots.txt'), 'User-agent: *');
  const secret = 'SECRET-OUTSIDE-THE-CONSOLE';
  fs.writeFileSync(path.join(base, 'secret.txt'), secret);
  return { root, secret };
}

describe('consoleFilePath: a URL path never leaves the console folder', () => {
  const root = '/srv/console';
  it.each([
    ['/', '/srv/console'],
    ['/index.html', '/srv/console/index.html'],
    ['/assets/index-Ab12Cd34.js', '/srv/console/assets/index-Ab12Cd34.js'],
    ['/a%20b.txt', '/srv/console/a b.txt'],
  ])('%s → %s', (urlPath, file) => expect(consoleFilePath(root, urlPath)).toBe(file));

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/%00.js', '/%E0%A4%A', '/assets/../../secret.txt'])('%s is refused', (urlPath) => {
    expect(consoleFilePath(root, urlPath)).toBeNull();
  });

  it('names the API paths it must not shadow', () => {
    expect(['/v1', '/v1/debits', '/docs', '/docs/static/index.html', '/openapi.json', '/healthz', '/metrics'].every(isReservedPath)).toBe(true);
    expect(['/', '/debits', '/v1x', '/documents', '/healthzone'].some(isReservedPath)).toBe(false);
  });
});

describe('the console served at / by the hub', () => {
  let t: TestHub;
  let secret: string;

  beforeAll(async () => {
    const built = fakeConsole();
    secret = built.secret;
    t = await startTestHub(ENGINE, { runWorkers: false, consoleDir: built.root });
  });
  afterAll(async () => t?.close());

  const get = (urlPath: string, method = 'GET') => fetch(`${t.hub.url}${urlPath}`, { method });

  it('answers / with index.html, not cached, with a content security policy', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain('<div id="root">');
  });

  it('serves hashed assets with their content type, cached for a year', async () => {
    const script = await get('/assets/index-Ab12Cd34.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    const style = await get('/assets/index-Zz98Yy76.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const robots = await get('/robots.txt');
    expect([robots.headers.get('content-type'), robots.headers.get('cache-control')]).toEqual(['text/plain; charset=utf-8', 'no-cache']);
  });

  it('answers a client-side route with index.html, and a missing file with a 404 problem', async () => {
    for (const route of ['/debits', '/debits/dbt_0123', '/batches/bat_1?x=1']) {
      const response = await get(route);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<div id="root">');
    }
    const missing = await get('/assets/gone-Qq11Ww22.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('never shadows the API, its document, its docs, health or metrics', async () => {
    const unknown = await t.call('GET', '/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('route_not_found');
    expect((await t.call('GET', '/v1')).body.code).toBe('route_not_found');
    expect((await t.call('GET', '/healthz')).body.status).toBe('ok');
    expect((await t.call('GET', '/openapi.json')).body.openapi).toMatch(/^3\./);
    expect((await t.call('GET', '/metrics')).status).toBe(200);
    expect((await get('/docs/')).headers.get('content-type')).toContain('text/html');
    expect((await t.call('GET', '/openapi.json')).body.paths['/']).toBeUndefined();
    // The router's own answers stay: an overlong path id is a 414, not a page.
    expect((await t.call('GET', `/v1/debits/${'x'.repeat(500)}`)).body.code).toBe('uri_too_long');
    expect((await get('/', 'HEAD')).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await get('/debits', 'HEAD')).status).toBe(200);
    // Only GET and HEAD are served: a POST to / is still the API's 404.
    expect((await t.call('POST', '/', { body: {} })).status).toBe(404);
  });

  it('refuses every path that climbs out of the console folder', async () => {
    for (const urlPath of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
      const response = await get(urlPath);
      const text = await response.text();
      expect(text).not.toContain(secret);
      expect(response.status, urlPath).toBe(404);
    }
  });
});

describe('a hub whose console is not built', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(ENGINE, { runWorkers: false, consoleDir: path.join(os.tmpdir(), 'daikou-no-console-here') });
  });
  afterAll(async () => t?.close());

  it('answers / with a 503 problem that says to run npm run build, and the API still works', async () => {
    const response = await t.call('GET', '/');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('console_not_built');
    expect(response.body.detail).toContain('npm run build');
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });
});

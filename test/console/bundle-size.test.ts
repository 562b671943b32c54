import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';

/** SPEC §17 / issue 14: the console's first load stays under 300 KB gzipped (a size, not a time). */
const FIRST_LOAD_GZIP_BYTES_MAX = 300 * 1024;

/** What index.html makes the browser fetch before the first page draws: its scripts, module preloads and stylesheets. */
function initialAssets(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) found.add(match[1]!);
  for (const match of html.matchAll(/<link\b[^>]*\brel="(?:modulepreload|stylesheet)"[^>]*\bhref="([^"]+)"/g)) found.add(match[1]!);
  for (const match of html.matchAll(/<link\b[^>]*\bhref="([^"]+)"[^>]*\brel="(?:modulepreload|stylesheet)"/g)) found.add(match[1]!);
  return [...found].filter((href) => href.startsWith('/'));
}

describe('the console bundle', () => {
  // Built once per run by test/support/console-build.global.ts, from the sources under test.
  const dir = inject('consoleDir');

  it('loads under 300 KB gzipped at first, the charts (recharts) in a chunk of their own', () => {
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const assets = initialAssets(html);
    expect(assets.some((href) => href.endsWith('.js'))).toBe(true);
    const sizes = assets.map((href) => ({ href, gzip: zlib.gzipSync(fs.readFileSync(path.join(dir, href))).length }));
    const total = sizes.reduce((sum, { gzip }) => sum + gzip, 0) + zlib.gzipSync(html).length;
    console.log(`console first load: ${(total / 1024).toFixed(1)} KB gzipped (${sizes.map(({ href, gzip }) => `${href} ${gzip}`).join(', ')})`);
    expect(total).toBeLessThan(FIRST_LOAD_GZIP_BYTES_MAX);
    // The overview's charts are lazy: its chunk exists and index.html does not load it.
    const chunks = fs.readdirSync(path.join(dir, 'assets'));
    const overview = chunks.find((name) => name.startsWith('overview-'));
    expect(overview).toBeDefined();
    expect(assets.some((href) => href.includes('overview-'))).toBe(false);
  });
});

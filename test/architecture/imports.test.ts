import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles, type ImportEdge } from './import-graph.js';

// The layers of docs/architecture.md and today's exceptions are declared once, in
// eslint.config.js (LAYERS, LAYER_ALLOWLIST), whose no-restricted-imports rule flags them as you
// type. This test is the exact check: it resolves every path of the import graph, type-only
// imports, `export … from` and dynamic imports included.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const { LAYERS: ALLOWED, LAYER_ALLOWLIST: ALLOWLIST } = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as {
  LAYERS: Record<string, readonly string[]>;
  LAYER_ALLOWLIST: readonly string[];
};

/** The layer of a file: its folder under `src/` (`channels/<name>` for each channel), or the root file's name. */
function layerOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return parts[0]!; // data/ tables
  if (parts.length === 2) return parts[1]!.replace(/\.ts$/, '');
  if (parts[1] === 'channels') return `channels/${parts[2]}`;
  return parts[1]!;
}

function violations(edges: readonly ImportEdge[]): string[] {
  const found = new Set<string>();
  for (const { from, to } of edges) {
    const layer = layerOf(from);
    const allowed = ALLOWED[layer];
    if (allowed === undefined || layerOf(to) === layer) continue;
    if (!allowed.some((prefix) => to.startsWith(prefix))) found.add(`${from} -> ${to}`);
  }
  return [...found].sort();
}

describe('the import graph of src/', () => {
  const edges = buildImportGraph(ROOT);

  it('is read whole: value, type-only and re-export edges are all there', () => {
    const has = (from: string, to: string, typeOnly: boolean) => edges.some((e) => e.from === from && e.to === to && e.typeOnly === typeOnly);
    expect(has('src/main.ts', 'src/http/server.ts', false)).toBe(true);
    expect(has('src/app/context.ts', 'src/app/ports.ts', true)).toBe(true);
    expect(has('src/core/index.ts', 'src/core/kernel/index.ts', false)).toBe(true);
    expect(edges.length).toBeGreaterThan(300);
  });

  it('has no import cycle, type-only imports included', () => {
    const cycles = findCycles(edges).map((cycle) => cycle.join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('keeps every layer to what it may import (the allowlist only shrinks)', () => {
    const found = violations(edges);
    expect({ new: found.filter((v) => !ALLOWLIST.includes(v)), gone: ALLOWLIST.filter((v) => !found.includes(v)) }).toEqual({ new: [], gone: [] });
  });

  it('names every folder of src/ in the layer table', () => {
    const layers = new Set(edges.flatMap((e) => [layerOf(e.from), layerOf(e.to)]).filter((layer) => layer !== 'data'));
    expect([...layers].filter((layer) => ALLOWED[layer] === undefined)).toEqual(['main']);
  });
});

describe('findCycles', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });

  it.each([
    { name: 'a chain', edges: [edge('a', 'b'), edge('b', 'c')], cycles: [] },
    { name: 'a self-import', edges: [edge('a', 'a')], cycles: [['a', 'a']] },
    { name: 'two files', edges: [edge('a', 'b'), edge('b', 'a')], cycles: [['a', 'b', 'a']] },
    { name: 'two cycles through one file', edges: [edge('a', 'b'), edge('b', 'a'), edge('a', 'c'), edge('c', 'a')], cycles: [['a', 'b', 'a'], ['a', 'c', 'a']] },
    { name: 'a triangle with a chord', edges: [edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('a', 'c')], cycles: [['a', 'b', 'c', 'a'], ['a', 'c', 'a']] },
  ])('$name', ({ edges, cycles }) => {
    expect(findCycles(edges)).toEqual(cycles);
  });
});

describe('the no-restricted-imports rule of eslint.config.js', async () => {
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: ROOT });

  it.each([
    { file: 'src/core/debits/probe.ts', from: '../../app/ports.js', refused: true },
    { file: 'src/core/debits/probe.ts', from: '../kernel/index.js', refused: false },
    { file: 'src/app/probe.ts', from: '../storage/database.js', refused: true },
    { file: 'src/app/probe.ts', from: '../http/problem.js', refused: true },
    { file: 'src/app/probe.ts', from: '../formats/iso20022/index.js', refused: false },
    { file: 'src/storage/probe.ts', from: '../app/ports.js', refused: false },
    { file: 'src/storage/probe.ts', from: '../app/debits.js', refused: true },
    { file: 'src/http/routes/probe.ts', from: '../../storage/database.js', refused: true },
    { file: 'src/http/routes/probe.ts', from: '../../app/debits.js', refused: false },
    { file: 'src/channels/sandbox-connector/probe.ts', from: '../sandbox/index.js', refused: true },
    { file: 'src/logger.ts', from: './http/server.js', refused: true },
    { file: 'src/main.ts', from: './storage/kysely-store.js', refused: false },
  ])('$file importing $from: refused $refused', async ({ file, from, refused }) => {
    const [result] = await eslint.lintText(`import type { X } from '${from}';\nexport type Y = X;\n`, { filePath: join(ROOT, file) });
    expect(result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length > 0).toBe(refused);
  });
});

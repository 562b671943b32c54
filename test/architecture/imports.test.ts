import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles, type ImportEdge } from './import-graph.js';

// The layers of docs/architecture.md, read from the import graph of `src/` (type-only imports,
// `export … from` and dynamic imports included). eslint.config.js enforces the same rules as you
// type; this test is the exact check (it resolves every path) and holds the allowlist.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The layer of a file: its folder under `src/` (`channels/<name>` for each channel), or the root file's name. */
function layerOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return parts[0]!; // data/ tables
  if (parts.length === 2) return parts[1]!.replace(/\.ts$/, '');
  if (parts[1] === 'channels') return `channels/${parts[2]}`;
  return parts[1]!;
}

/**
 * What each layer may import besides itself. A path prefix allows one file (`app/ports.ts`) or one
 * folder. Layers not named here (main) may import anything.
 */
const ALLOWED: Record<string, readonly string[]> = {
  // The pure domain: nothing but itself and our own bank tables.
  core: ['data/'],
  // File formats (pain.008 reader, pain.002 writer, encodings) are a library, not an adapter: they
  // implement no port and do no I/O of their own (they read and write the streams they are given),
  // so the batch use case may use them like core.
  formats: ['src/core/'],
  app: ['src/core/', 'src/formats/'],
  // Adapters see the domain and the ports they implement, never each other.
  storage: ['src/core/', 'src/app/ports.ts'],
  security: ['src/core/'],
  'channels/sandbox-connector': ['src/core/'],
  'channels/sandbox': ['src/core/'],
  // The driving adapter: HTTP calls the use cases.
  http: ['src/app/', 'src/core/'],
  client: [],
  ids: ['src/core/'],
  logger: ['src/core/'],
  'startup-error': [],
  // Commands start what main.ts wires and call use cases.
  cli: ['src/main.ts', 'src/app/', 'src/core/', 'src/bench/', 'src/startup-error.ts'],
  // The benchmark drives a hub started by main.ts; its storage ceiling measures the database itself.
  bench: ['src/main.ts', 'src/app/', 'src/core/', 'src/formats/', 'src/storage/database.ts', 'src/cli/options.ts', 'src/logger.ts'],
};

/**
 * Today's violations, each with the change that removes it. The list may only shrink: a new
 * violation fails, and so does an entry that no longer happens (delete it).
 */
const ALLOWLIST: readonly string[] = [
  // Row types are kysely `Selectable<…>` of the schema; they become core records with closed
  // status unions (issue 10, item 2).
  'src/app/ports.ts -> src/storage/schema.ts',
  // Presenters build the views typed by the HTTP representations (a type-only import); they move
  // to http/ when the use cases return records instead of views.
  'src/app/presenters.ts -> src/http/representations/index.ts',
  // Uploaded files are written to this node's disk; they go behind a BatchFileStore port (item 5).
  'src/app/batches.ts -> src/security/data-dir-modes.ts',
  'src/app/batches.ts -> src/security/file-encryption.ts',
  // The hub's sandbox control routes check the sandbox protocol's limits; one wire schema shared
  // by the sandbox and its connector (item 3) is where they will live.
  'src/http/routes/sandbox.ts -> src/channels/sandbox/index.ts',
  // The sandbox's own store keeps its data directory private like the hub's.
  'src/channels/sandbox/sandbox-store.ts -> src/security/data-dir-modes.ts',
  // Commands that open a store or start the sandbox themselves instead of asking main.ts.
  'src/cli/migrate.ts -> src/storage/database.ts',
  'src/cli/operator-key.ts -> src/ids.ts',
  'src/cli/operator-key.ts -> src/storage/database.ts',
  'src/cli/operator-key.ts -> src/storage/kysely-store.ts',
  'src/cli/rules.ts -> src/http/schemas.ts',
  'src/cli/rules.ts -> src/storage/database.ts',
  'src/cli/rules.ts -> src/storage/kysely-store.ts',
  'src/cli/bench.ts -> src/storage/database.ts',
  'src/cli/sandbox.ts -> src/channels/sandbox/index.ts',
  'src/cli/sandbox.ts -> src/logger.ts',
  'src/cli/sandbox.ts -> src/security/vault.ts',
];

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

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers of docs/architecture.md. `test/architecture/imports.test.ts` checks them exactly on
// the import graph of src/ (type-only imports, `export … from` and dynamic imports included) and
// reads both tables from here; the rule below flags the same imports as you type.

/**
 * What each layer may import besides itself: a path prefix allows a folder (`src/core/`) or one
 * file (`src/app/ports.ts`). A layer is a folder under src/ (`channels/<name>` for each channel)
 * or a file at its root; main.ts, the composition root, is not listed: it wires everything.
 */
export const LAYERS = {
  // The pure domain: nothing but itself and our own bank tables.
  core: ['data/'],
  // File formats (pain.008 reader, pain.002 writer, text encodings) are a library, not an adapter:
  // they implement no port and do no I/O of their own (they read and write the streams they are
  // given), so the batch use case may use them as it uses core.
  formats: ['src/core/'],
  app: ['src/core/', 'src/formats/'],
  // Adapters see the domain and the port they implement, never each other.
  storage: ['src/core/', 'src/app/ports.ts', 'src/app/batch-file-store.ts'],
  // Encryption at rest wraps a BatchFileStore (src/security/encrypted-batch-files.ts).
  security: ['src/core/', 'src/app/batch-file-store.ts'],
  // The daikou channel protocol's schemas and limits, shared by both ends of the wire.
  'channels/sandbox-protocol': [],
  'channels/sandbox-connector': ['src/core/', 'src/channels/sandbox-protocol/'],
  'channels/sandbox': ['src/core/', 'src/channels/sandbox-protocol/'],
  // The driving adapter: HTTP calls the use cases; its sandbox routes check the protocol's limits.
  http: ['src/app/', 'src/core/', 'src/channels/sandbox-protocol/'],
  client: [],
  // Webhook delivery: signing and the SSRF-safe HTTP client (issue 13).
  webhooks: ['src/core/'],
  ids: ['src/core/'],
  logger: ['src/core/'],
  'startup-error': [],
  // Commands start what main.ts wires and call use cases.
  cli: ['src/main.ts', 'src/app/', 'src/core/', 'src/bench/', 'src/client/', 'src/startup-error.ts'],
  // The benchmark drives a hub started by main.ts; its storage ceiling measures the database itself.
  bench: ['src/main.ts', 'src/app/', 'src/core/', 'src/formats/', 'src/storage/database.ts', 'src/cli/options.ts', 'src/logger.ts'],
};

/**
 * Today's exceptions, each with the change that removes it. The list may only shrink: the test
 * fails on a violation not listed here and on an entry that no longer happens (delete it).
 */
export const LAYER_ALLOWLIST = [
  // The sandbox's own store keeps its data directory private like the hub's.
  'src/channels/sandbox/sandbox-store.ts -> src/security/data-dir-modes.ts',
  // Commands that open a store or start the sandbox themselves instead of asking main.ts.
  'src/cli/bench.ts -> src/storage/database.ts',
  'src/cli/migrate.ts -> src/storage/database.ts',
  'src/cli/operator-key.ts -> src/ids.ts',
  'src/cli/operator-key.ts -> src/storage/database.ts',
  'src/cli/operator-key.ts -> src/storage/kysely-store.ts',
  'src/cli/rules.ts -> src/http/schemas.ts',
  'src/cli/rules.ts -> src/storage/database.ts',
  'src/cli/rules.ts -> src/storage/kysely-store.ts',
  'src/cli/sandbox.ts -> src/logger.ts',
];

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A prefix of LAYERS as a specifier written from src/ (`src/app/ports.ts` → `app/ports.js`, end anchored). */
function specifierPattern(prefix) {
  if (!prefix.startsWith('src/')) return `\\.\\./${escapeRegex(prefix)}`;
  const path = prefix.slice('src/'.length);
  return path.endsWith('.ts') ? `${escapeRegex(path.replace(/\.ts$/, '.js'))}$` : escapeRegex(path);
}

/**
 * One `no-restricted-imports` block per layer and depth: a relative import may stay inside the
 * layer (`./…`, or up no further than the layer's own folder) or climb exactly to src/ and name
 * an allowed prefix; anything else is refused. Allowlisted files get their exception added.
 */
function layerRules() {
  const blocks = [];
  const block = (files, layer, depth, allowed) => {
    const own = depth === 0 ? [] : [`src/${layer}/`];
    const targets = [...own, ...allowed].map(specifierPattern).join('|');
    let forms;
    if (depth === 0) {
      // A file at the root of src/ is a layer of its own: everything it imports is elsewhere.
      forms = targets === '' ? [] : [`\\./(${targets})`];
    } else {
      const inside = depth - layer.split('/').length;
      forms = ['\\./'];
      if (inside >= 1) forms.push(`(\\.\\./){1,${inside}}(?!\\.\\./)`);
      if (targets !== '') forms.push(`(\\.\\./){${depth}}(${targets})`);
    }
    const regex = forms.length === 0 ? '^\\.' : `^(?!${forms.join('|')})\\.`;
    blocks.push({
      files,
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message: `The ${layer} layer may import only ${allowed.join(', ') || 'itself'} (LAYERS in eslint.config.js).` }] }] },
    });
  };
  for (const [layer, allowed] of Object.entries(LAYERS)) {
    const isFolder = !['ids', 'logger', 'startup-error'].includes(layer);
    if (!isFolder) {
      block([`src/${layer}.ts`], layer, 0, allowed);
      continue;
    }
    const layerDepth = layer.split('/').length;
    for (let depth = layerDepth; depth <= layerDepth + 3; depth += 1) {
      block([`src/${layer}/${'*/'.repeat(depth - layerDepth)}*.ts`], layer, depth, allowed);
    }
  }
  const exceptions = new Map();
  for (const entry of LAYER_ALLOWLIST) {
    const [from, to] = entry.split(' -> ');
    exceptions.set(from, [...(exceptions.get(from) ?? []), to]);
  }
  for (const [from, targets] of exceptions) {
    const parts = from.split('/');
    const layer = parts[1] === 'channels' ? `channels/${parts[2]}` : parts.length === 2 ? parts[1].replace(/\.ts$/, '') : parts[1];
    block([from], layer, parts.length - 2, [...LAYERS[layer], ...targets]);
  }
  return blocks;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'daikou-data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', Response: 'readonly', Headers: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': 'error',
    },
  },
  {
    // Tests read loosely typed JSON answers; `any` there keeps assertions readable.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The core is deterministic: time and randomness come in through ports.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Use an injected IdSource or seed.' },
      ],
    },
  },
  ...layerRules(),
  {
    // The web console talks to the public API only: the typed client, and core's pure kernel (formatYuan, parseYuan).
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+src/(?!client/|core/kernel/)', message: 'The console may import only src/client/ and src/core/kernel/ from the server (it talks to the public API).' }] }],
    },
  },
);

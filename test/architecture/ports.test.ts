import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Ports are declared by their callers (issue 10, item 2): a use case takes the narrow store ports
// it uses (`CatalogStore`, `SubmissionStore & LedgerStore`, …), so that a reader sees what it
// needs. `StoreTx`, the intersection the adapter implements, is named only where ports are
// declared and where the context is wired.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = join(ROOT, 'src/app');
const DECLARING = new Set(['src/app/ports.ts', 'src/app/context.ts']);

function appFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'ports' ? [] : appFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line` of every type reference to `name` (comments and strings do not count). */
function typeReferences(path: string, name: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node) && node.typeName.getText(source) === name) {
      found.push(`${relative(ROOT, path)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the store ports', () => {
  it('are narrow where they are used: no use case takes the whole StoreTx', () => {
    const uses = appFiles(APP)
      .filter((path) => !DECLARING.has(relative(ROOT, path)))
      .flatMap((path) => typeReferences(path, 'StoreTx'));
    expect(uses).toEqual([]);
  });
});

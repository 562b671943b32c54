import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One edge of the graph: `from` imports `to` (paths relative to the repository, `src/…`). */
export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function listTsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listTsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/**
 * Every relative module specifier in `src/`: `import`, `import type`, `export … from`,
 * `import x = require()` and dynamic `import('…')` (a cycle through a lazy import is still a
 * cycle of the design). Bare specifiers (packages, `node:`) are not edges.
 */
export function buildImportGraph(root: string): ImportEdge[] {
  const srcDir = join(root, 'src');
  const edges: ImportEdge[] = [];
  for (const file of listTsFiles(srcDir).sort()) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const from = relative(root, file);
    const add = (specifier: string, typeOnly: boolean) => {
      if (!specifier.startsWith('.')) return;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      const to = relative(root, target.endsWith('.ts') || target.endsWith('.json') ? target : `${target}.ts`);
      edges.push({ from, to, typeOnly });
    };
    const visit = (node: ts.Node) => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const clause = node.importClause;
        const typeOnly = clause !== undefined && (clause.isTypeOnly || (
          clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings)
          && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
        add(node.moduleSpecifier.text, typeOnly);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, node.isTypeOnly);
      } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
        && ts.isStringLiteral(node.moduleReference.expression)) {
        add(node.moduleReference.expression.text, node.isTypeOnly);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
        && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        add(node.arguments[0].text, false);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        add(node.argument.literal.text, true);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return edges;
}

/**
 * Every elementary cycle, each as a path `a -> b -> ... -> a` starting at its smallest file, in
 * order. A cycle is found once, from its smallest file, walking only files greater than that one.
 * At most `limit` cycles are listed: a listing that long has made its point.
 */
export function findCycles(edges: readonly ImportEdge[], limit = 1000): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    if (!next.get(from)!.includes(to)) next.get(from)!.push(to);
  }
  for (const targets of next.values()) targets.sort();
  const cycles: string[][] = [];
  for (const start of [...next.keys()].sort()) {
    const path = [start];
    const onPath = new Set(path);
    const walk = (node: string) => {
      for (const target of next.get(node) ?? []) {
        if (cycles.length >= limit) return;
        if (target === start) cycles.push([...path, start]);
        else if (target > start && !onPath.has(target)) {
          path.push(target);
          onPath.add(target);
          walk(target);
          onPath.delete(target);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return cycles;
}

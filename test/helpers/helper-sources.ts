// Generates src/runtime/helper-sources.ts, the names of the module helpers and the text of each
// as generated code defines it, from their one source, src/runtime/helpers.ts (every exported
// function there is a helper). test/one-lowering.test.ts checks it is current;
// LOSSC_UPDATE=1 rewrites it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const HELPERS_PATH = 'src/runtime/helpers.ts';
export const HELPER_SOURCES_PATH = 'src/runtime/helper-sources.ts';

export function helperSourcesText(root: string): string {
  const text = readFileSync(join(root, HELPERS_PATH), 'utf8');
  const file = ts.createSourceFile(HELPERS_PATH, text, ts.ScriptTarget.ES2022, true);
  const found = new Map<string, string>();
  for (const st of file.statements) {
    if (!ts.isFunctionDeclaration(st) || !st.name) continue;
    // From the doc comment (if any) to the end, without `export`.
    const source = text.slice(st.getStart(file, true), st.end).replace(/^((?:\/\*\*[\s\S]*?\*\/\s*)?)export /, '$1');
    found.set(st.name.text, source);
  }
  const names = [...found.keys()];
  // The helpers each one calls, so that a module defining it defines those too.
  const uses = (name: string): string[] => {
    const called = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && node.text !== name && found.has(node.text)) called.add(node.text);
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile('h.ts', found.get(name)!, ts.ScriptTarget.ES2022, true));
    return names.filter((n) => called.has(n));
  };
  return [
    `// GENERATED from ${HELPERS_PATH} by test/helpers/helper-sources.ts: do not edit.`,
    '// The names of the module helpers, in the order a generated module defines them, and their text.',
    '',
    `export const HELPER_NAMES = [${names.map((n) => `'${n}'`).join(', ')}] as const;`,
    '',
    'export type HelperName = (typeof HELPER_NAMES)[number];',
    '',
    'export const HELPER_SOURCES: Readonly<Record<HelperName, string>> = {',
    ...names.map((n) => `  ${n}: ${JSON.stringify(found.get(n))},`),
    '};',
    '',
    '/** The helpers each helper calls. */',
    'export const HELPER_USES: Readonly<Record<HelperName, readonly HelperName[]>> = {',
    ...names.map((n) => `  ${n}: [${uses(n).map((u) => `'${u}'`).join(', ')}],`),
    '};',
    '',
  ].join('\n');
}

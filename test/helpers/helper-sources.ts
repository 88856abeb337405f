// Generates src/runtime/helper-sources.ts, the text of each module helper as generated code
// defines it, from the helpers' one source, src/runtime/helpers.ts (test/runtime.test.ts
// checks it is current; LOSSC_UPDATE=1 rewrites it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { HELPER_NAMES } from '../../src/runtime/names.js';

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
  const missing = HELPER_NAMES.filter((n) => !found.has(n));
  if (missing.length > 0) throw new Error(`${HELPERS_PATH} defines no ${missing.join(', ')}`);
  const extra = [...found.keys()].filter((n) => !(HELPER_NAMES as readonly string[]).includes(n));
  if (extra.length > 0) throw new Error(`${HELPERS_PATH} defines ${extra.join(', ')}, which src/runtime/names.ts does not list`);
  return [
    `// GENERATED from ${HELPERS_PATH} by test/helpers/helper-sources.ts: do not edit.`,
    "import type { HelperName } from './names.js';",
    '',
    'export const HELPER_SOURCES: Readonly<Record<HelperName, string>> = {',
    ...HELPER_NAMES.map((n) => `  ${n}: ${JSON.stringify(found.get(n))},`),
    '};',
    '',
  ].join('\n');
}

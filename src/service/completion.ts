// Completion from the compiler's own data: the names in scope at the cursor (from the name
// table), the module's definitions and dims, the BUILTINS table, the grammar's keywords, and
// the stdlib's losses and defs, offered with the import they need.

import type { Definition } from '../../grammar/ast.js';
import { TOKEN_INFO, Keyword } from '../../grammar/tokens.js';
import { BUILTINS } from '../check/builtins.js';
import { resolveImport } from '../check/program.js';
import { parsed, type Parsed } from './analysis.js';
import { header } from './hover.js';
import type { LossSymbol } from './symbols.js';
import type { ServiceHost, TextEdit } from './types.js';

export type ItemKind = 'function' | 'keyword' | 'variable' | 'dimension' | 'loss' | 'def';

export interface CompletionItem {
  readonly label: string;
  readonly kind: ItemKind;
  readonly detail: string;
  readonly doc?: string;
  /** Completing this name also adds its import (`import { label } from "spec"`). */
  readonly importFrom?: string;
  readonly additionalEdit?: TextEdit;
}

/** The language's keywords, from the token table. */
export const KEYWORDS: readonly string[] = TOKEN_INFO.filter((t) => t.token.CATEGORIES?.includes(Keyword)).map((t) => t.text!);

interface StdlibDef { readonly spec: string; readonly def: Definition; readonly signature: string }

let stdlibMemo: { files: readonly unknown[]; defs: StdlibDef[] } | undefined;
function stdlibDefs(host: ServiceHost): StdlibDef[] {
  const files = host.stdlib();
  if (stdlibMemo?.files === files) return stdlibMemo.defs;
  const defs = files.flatMap((f) => parsed(f.text, f.path).module.definitions.map((def) => ({ spec: f.spec, def, signature: header(f.text, def) })));
  stdlibMemo = { files, defs };
  return defs;
}

const LOCAL_DETAIL: Partial<Record<LossSymbol['kind'], string>> = { index: 'index variable or axis', let: 'let binding', dim: 'dimension' };

/** The locals visible at `offset`: those of the enclosing definition declared before it, roughly. */
function localsAt(doc: Parsed, offset: number): LossSymbol[] {
  const def = doc.module.definitions.find((d) => d.span.start.offset <= offset && offset <= d.span.end.offset + 1);
  if (!def) return [];
  return doc.table.symbols.filter((s) => {
    if (s.container !== def.name.name || s.file !== doc.file) return false;
    if (s.span.start.offset < def.span.start.offset || s.span.start.offset > def.span.end.offset) return false;
    // Index variables, axes and lets are seen only inside what declares them.
    if (s.kind === 'index' || s.kind === 'let') return s.full.start.offset <= offset && offset <= s.full.end.offset;
    return true;
  });
}

/** Where the word being typed at `offset` starts. */
function wordStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && /[\p{L}\p{N}_]/u.test(text[i - 1]!)) i--;
  return i;
}

export function completions(doc: Parsed, offset: number, host: ServiceHost): CompletionItem[] {
  // After `b.`: the components of the module's dims (`b.x1`), nothing else.
  if (doc.text[wordStart(doc.text, offset) - 1] === '.' && doc.text[wordStart(doc.text, offset) - 2] !== '.') {
    return doc.module.dims.flatMap((d) => d.components.map((c): CompletionItem => ({ label: c.name, kind: 'variable', detail: `component of ${d.name.name} = {${d.components.map((x) => x.name).join(', ')}}` })));
  }
  const imported = importListAt(doc, offset, host);
  if (imported) return imported;
  const strings = stringsAt(doc, offset);
  if (strings) return strings;
  const items = new Map<string, CompletionItem>();
  const add = (item: CompletionItem): void => void (items.has(item.label) || items.set(item.label, item));
  const text = doc.text;
  for (const s of localsAt(doc, offset)) {
    const kind: ItemKind = s.kind === 'dim' ? 'dimension' : 'variable';
    const detail = s.kind === 'param' ? text.slice(s.full.start.offset, s.full.end.offset)
      : s.kind === 'binding' ? `where ${text.slice(s.full.start.offset, s.full.end.offset).split('\n')[0]}`
      : LOCAL_DETAIL[s.kind] ?? s.kind;
    add({ label: s.name, kind, detail });
  }
  for (const d of doc.module.dims) add({ label: d.name.name, kind: 'dimension', detail: `dim ${d.name.name} = {${d.components.map((c) => c.name).join(', ')}}` });
  for (const d of doc.module.definitions) add({ label: d.name.name, kind: d.defKind === 'loss' ? 'loss' : 'def', detail: header(text, d), ...(d.doc ? { doc: d.doc } : {}) });
  for (const [name, b] of Object.entries(BUILTINS)) add({ label: name, kind: 'function', detail: b.signature, doc: b.doc });
  const importedNames = new Set(doc.module.imports.flatMap((i) => i.names.map((n) => n.name)));
  for (const s of stdlibDefs(host)) {
    const name = s.def.name.name;
    add({
      label: name, kind: s.def.defKind === 'loss' ? 'loss' : 'def', detail: `${s.signature}  (${s.spec})`,
      ...(s.def.doc ? { doc: s.def.doc } : {}),
      ...(importedNames.has(name) ? {} : { importFrom: s.spec, additionalEdit: importEdit(doc, name, s.spec) }),
    });
  }
  for (const k of KEYWORDS) add({ label: k, kind: 'keyword', detail: 'keyword' });
  return [...items.values()];
}

/**
 * Inside a string compared with a hyperparameter of strings (`act == 'so|`): its strings,
 * or undefined when the cursor is elsewhere.
 */
function stringsAt(doc: Parsed, offset: number): CompletionItem[] | undefined {
  const before = doc.text.slice(doc.text.lastIndexOf('\n', offset - 1) + 1, offset);
  const m = /([\p{L}_][\p{L}\p{N}_]*)\s*[!=]=\s*['"][^'"]*$/u.exec(before);
  if (!m) return undefined;
  const def = doc.module.definitions.find((d) => d.span.start.offset <= offset && offset <= d.span.end.offset + 1);
  const type = def?.params.find((p) => p.name.name === m[1])?.type;
  if (type?.kind !== 'EnumType') return [];
  const all = type.values.map((v) => v.value);
  return all.map((v) => ({ label: v, kind: 'variable', detail: `one of the strings of ${m[1]}: ${all.join(' | ')}` }));
}

/**
 * Inside `import { … } from "spec"` (read from the line, which need not parse yet): the
 * definitions of the module imported, or undefined when the cursor is elsewhere.
 */
function importListAt(doc: Parsed, offset: number, host: ServiceHost): CompletionItem[] | undefined {
  const lineStart = doc.text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = doc.text.indexOf('\n', offset);
  const before = doc.text.slice(lineStart, offset);
  const after = doc.text.slice(offset, lineEnd < 0 ? undefined : lineEnd);
  if (!/^\s*import\s*\{[^}]*$/.test(before)) return undefined;
  const spec = /^[^}]*\}\s*from\s*"([^"]+)"/.exec(after)?.[1];
  if (spec === undefined) return [];
  const path = resolveImport(doc.file, spec);
  const text = host.readFile(path);
  if (text === undefined) return [];
  const target = parsed(text, path);
  return target.module.definitions.map((d) => ({ label: d.name.name, kind: d.defKind === 'loss' ? 'loss' : 'def', detail: header(text, d), ...(d.doc ? { doc: d.doc } : {}) }));
}

/** Where `import { name } from "spec"` goes, and the text to insert. */
export function importEdit(doc: Parsed, name: string, spec: string): TextEdit {
  const existing = doc.module.imports.find((i) => i.from === spec);
  if (existing && existing.names.length > 0) {
    const last = existing.names[existing.names.length - 1]!;
    return { file: doc.file, range: { start: last.span.end.offset, end: last.span.end.offset }, text: `, ${name}` };
  }
  const after = doc.module.imports.at(-1);
  if (after) return { file: doc.file, range: { start: after.span.end.offset, end: after.span.end.offset }, text: `\nimport { ${name} } from "${spec}"` };
  return { file: doc.file, range: { start: 0, end: 0 }, text: `import { ${name} } from "${spec}"\n\n` };
}

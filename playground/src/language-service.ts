// Completion and hover for the editor, from the library's own data: `parse` for the names in
// scope, the BUILTINS table for signatures and docs, the grammar's keyword lists, and the
// stdlib's losses (offered with the import they need).
import { monarchLanguage } from '../../grammar/monarch.js';
import { BUILTINS, parse } from '../../src/index.js';
import type { Definition, Expr, Module } from '../../grammar/ast.js';
import { EDITOR_FILE, STDLIB } from './stdlib.js';

export type ItemKind = 'function' | 'keyword' | 'variable' | 'dimension' | 'loss' | 'def';

export interface Item {
  readonly label: string;
  readonly kind: ItemKind;
  readonly detail: string;
  readonly doc?: string;
  /** Completing this name also adds `import { label } from "./module"` at the top. */
  readonly importFrom?: string;
}

export interface HoverInfo {
  readonly signature: string;
  readonly doc?: string;
}

/** `loss huber(pred: [...], target: [...], delta: real in (0, inf) = 1.0)`: the header as written. */
export function header(text: string, def: Definition): string {
  return text.slice(def.span.start.offset, def.body.span.start.offset).replace(/\s*=\s*$/, '').replace(/\s+/g, ' ').trim();
}

interface StdlibDef { readonly module: string; readonly def: Definition; readonly signature: string }

let stdlibDefs: StdlibDef[] | undefined;
function stdlib(): StdlibDef[] {
  stdlibDefs ??= [...STDLIB].flatMap(([file, text]) =>
    parse(text, file).module.definitions.map((def) => ({ module: `./${file.replace(/\.loss$/, '')}`, def, signature: header(text, def) })),
  );
  return stdlibDefs;
}

const KEYWORDS: string[] = Object.entries(monarchLanguage)
  .filter(([k, v]) => /[kK]eywords$/.test(k) && Array.isArray(v))
  .flatMap(([, v]) => v as string[]);

/** Let-bindings anywhere inside an expression. */
function letBindings(e: Expr | undefined, out: string[]): void {
  if (!e || typeof e !== 'object') return;
  if (e.kind === 'Let') out.push(...e.bindings.map((b) => b.name.name));
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) v.forEach((x) => letBindings((x as { value?: Expr }).value ?? (x as Expr), out));
    else if (v && typeof v === 'object' && 'kind' in v) letBindings(v as Expr, out);
  }
}

function enclosing(module: Module, offset: number): Definition | undefined {
  return module.definitions.find((d) => d.span.start.offset <= offset && offset <= d.span.end.offset + 1);
}

export function completions(text: string, offset: number): Item[] {
  const { module } = parse(text, EDITOR_FILE);
  const items = new Map<string, Item>();
  const add = (item: Item): void => void (items.has(item.label) || items.set(item.label, item));
  const def = enclosing(module, offset);
  if (def) {
    for (const p of def.params) add({ label: p.name.name, kind: 'variable', detail: text.slice(p.span.start.offset, p.span.end.offset) });
    for (const b of def.bindings) {
      add({ label: b.name.name, kind: 'variable', detail: `where ${text.slice(b.span.start.offset, b.span.end.offset).split('\n')[0]}` });
      for (const iv of b.indexVars) add({ label: iv.name, kind: 'variable', detail: 'index variable' });
    }
    const lets: string[] = [];
    letBindings(def.body, lets);
    lets.forEach((name) => add({ label: name, kind: 'variable', detail: 'let binding' }));
    for (const p of def.params) {
      const t = p.type;
      const shape = t && t.kind !== 'FunctionType' ? t.shape ?? [] : [];
      for (const d of shape) if (d.kind === 'NamedDim') add({ label: d.name, kind: 'dimension', detail: `dimension (axis of ${p.name.name})` });
      if (t?.kind === 'IndexType') add({ label: t.of.name, kind: 'dimension', detail: `dimension (classes of ${p.name.name})` });
    }
  }
  for (const d of module.dims) add({ label: d.name.name, kind: 'dimension', detail: `dim ${d.name.name} = {${d.components.map((c) => c.name).join(', ')}}` });
  for (const d of module.definitions) add({ label: d.name.name, kind: d.defKind === 'loss' ? 'loss' : 'def', detail: header(text, d), ...(d.doc ? { doc: d.doc } : {}) });
  for (const [name, b] of Object.entries(BUILTINS)) add({ label: name, kind: 'function', detail: b.signature, doc: b.doc });
  const imported = new Set(module.imports.flatMap((i) => i.names.map((n) => n.name)));
  for (const s of stdlib()) {
    add({
      label: s.def.name.name, kind: s.def.defKind === 'loss' ? 'loss' : 'def', detail: `${s.signature}  (stdlib ${s.module})`,
      ...(s.def.doc ? { doc: s.def.doc } : {}),
      ...(imported.has(s.def.name.name) ? {} : { importFrom: s.module }),
    });
  }
  for (const k of KEYWORDS) add({ label: k, kind: 'keyword', detail: 'keyword' });
  return [...items.values()];
}

export function hover(text: string, offset: number, word: string): HoverInfo | undefined {
  const builtin = Object.prototype.hasOwnProperty.call(BUILTINS, word) ? BUILTINS[word] : undefined;
  if (builtin) return { signature: builtin.signature, doc: builtin.doc };
  const { module } = parse(text, EDITOR_FILE);
  const def = enclosing(module, offset);
  const param = def?.params.find((p) => p.name.name === word);
  if (param) return { signature: `(parameter of ${def!.name.name}) ${text.slice(param.span.start.offset, param.span.end.offset)}` };
  const binding = def?.bindings.find((b) => b.name.name === word);
  if (binding) return { signature: `(where) ${text.slice(binding.span.start.offset, binding.span.end.offset).replace(/\s+/g, ' ')}` };
  const own = module.definitions.find((d) => d.name.name === word);
  if (own) return { signature: header(text, own), ...(own.doc ? { doc: own.doc } : {}) };
  const dim = module.dims.find((d) => d.name.name === word);
  if (dim) return { signature: `dim ${word} = {${dim.components.map((c) => c.name).join(', ')}}`, ...(dim.doc ? { doc: dim.doc } : {}) };
  const s = stdlib().find((x) => x.def.name.name === word);
  if (s) return { signature: `${s.signature}`, doc: `${s.def.doc ? `${s.def.doc}\n\n` : ''}From the stdlib: \`import { ${word} } from "${s.module}"\`` };
  return undefined;
}

/** Where `import { name } from "module"` goes, and the text to insert. */
export function importEdit(text: string, name: string, from: string): { offset: number; insert: string } {
  const { module } = parse(text, EDITOR_FILE);
  const existing = module.imports.find((i) => i.from === from);
  if (existing && existing.names.length > 0) {
    const last = existing.names[existing.names.length - 1]!;
    return { offset: last.span.end.offset, insert: `, ${name}` };
  }
  const after = module.imports.at(-1);
  return after ? { offset: after.span.end.offset, insert: `\nimport { ${name} } from "${from}"` } : { offset: 0, insert: `import { ${name} } from "${from}"\n\n` };
}

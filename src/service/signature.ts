// Signature help: inside the parentheses of a call, the callee's signature and which argument
// the cursor is on. Builtins from the BUILTINS table; defs and losses (own, imported, stdlib)
// from their headers as written.

import type { Call, Expr } from '../../grammar/ast.js';
import { BUILTINS } from '../check/builtins.js';
import { parsed, type Parsed } from './analysis.js';
import { header } from './hover.js';
import { symbolAt, type Workspace } from './navigation.js';

export interface SignatureHelp {
  readonly label: string;
  readonly doc?: string;
  /** Each parameter's text, as it appears in `label`. */
  readonly parameters: readonly string[];
  readonly active: number;
}

/** The innermost call whose parentheses hold `offset`. */
function callAt(e: unknown, offset: number, best: { call?: Call }): void {
  if (!e || typeof e !== 'object') return;
  const node = e as Expr;
  if (node.kind === 'Call' && node.callee.span.end.offset < offset && offset < node.span.end.offset) best.call = node;
  for (const v of Object.values(e)) if (v && typeof v === 'object') callAt(v, offset, best);
}

/** `sum(x, axes?, where: mask)` → `x`, `axes?`, `where: mask` (top-level commas only). */
function splitParameters(label: string): string[] {
  const open = label.indexOf('(');
  if (open < 0) return [];
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of label.slice(open + 1)) {
    if ((ch === ')' || ch === ']') && depth === 0) break;
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function signatureHelp(ws: Workspace, doc: Parsed, offset: number): SignatureHelp | undefined {
  const best: { call?: Call } = {};
  for (const def of doc.module.definitions) callAt(def, offset, best);
  const call = best.call;
  if (!call) return undefined;
  const active = call.args.filter((a) => a.span.end.offset < offset).length;
  const builtin = Object.hasOwn(BUILTINS, call.callee.name) ? BUILTINS[call.callee.name] : undefined;
  if (builtin) {
    const label = builtin.signature.split(' | ').at(-1)!;
    return { label: builtin.signature, doc: builtin.doc, parameters: splitParameters(label), active };
  }
  const found = symbolAt(ws, doc, call.callee.span.start.offset);
  if (!found || (found.symbol.kind !== 'def' && found.symbol.kind !== 'loss')) return undefined;
  const home = found.symbol.file === doc.file ? doc : parsed(ws.host.readFile(found.symbol.file) ?? '', found.symbol.file);
  const def = home.module.definitions.find((d) => d.name.span.start.offset === found.symbol.span.start.offset);
  if (!def) return undefined;
  const label = header(home.text, def);
  return { label, ...(def.doc ? { doc: def.doc } : {}), parameters: def.params.map((p) => home.text.slice(p.span.start.offset, p.span.end.offset).replace(/\s+/g, ' ')), active };
}

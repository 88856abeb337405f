// List inputs (`preds: list[K] of [N, C]`): the parser gives the stacked tensor's type, `[K, N,
// C]`, marked as a list; the body reads it as that tensor. Here: what a list may not be, and
// how a list type is written back in messages.

import type { IndexTypeExpr, Param, TypeExpr } from '../../grammar/ast.js';
import type { DiagnosticSink } from './context.js';
import { splitRagged } from '../ir/ragged.js';
import type { IrFunction } from '../ir/types.js';

type ListType = Extract<TypeExpr, { kind: 'TensorType' }> | IndexTypeExpr;

const dimText = (d: NonNullable<ListType['shape']>[number]): string => (d.kind === 'RestDim' ? '...' : d.kind === 'SizeDim' ? String(d.size) : d.name);

/** `list[K] of [N, C]`, `list[K] of index[N] of C`, as written. */
export function listText(t: ListType): string {
  const [length, ...element] = t.shape ?? [];
  const shape = `[${element.map(dimText).join(', ')}]`;
  const inner = t.kind === 'IndexType' ? `index${shape} of ${t.of.name}` : `${t.element === 'real' ? '' : t.element}${shape}`;
  return `list[${length ? dimText(length) : ''}] of ${t.list?.ragged ? 'ragged ' : ''}${inner}`;
}

/**
 * Why a loss's parameter cannot be a list, or undefined when it can: a list is a required
 * input, given whole by the caller (not learned, broadcast or filled with a default).
 */
export function listRefusal(param: Param): string | undefined {
  if (param.learnable) return "a learnable parameter ('param') is one tensor the loss owns; declare it [K, ...] instead";
  if (param.broadcasts) return "a 'broadcast' input is one tensor; give every element of a list its full shape";
  if (param.default) return 'a list is a required input (it has no default); give it, or write two losses over one def';
  const t = param.type;
  const shape = t && (t.kind === 'TensorType' || t.kind === 'IndexType') ? t.shape : undefined;
  if (t && 'list' in t && t.list?.ragged && !shape?.some((d) => d.kind === 'RestDim')) return "the elements of a ragged list differ only in their '...' dims, and these have none: declare them (list[K] of ragged [B, C, ...]), or drop 'ragged'";
  return undefined;
}

/**
 * Whether `fn` reads its ragged list (if any) one element at a time, as src/ir/ragged.ts can
 * split it, and uses resize only on such elements; each problem is reported where it is.
 */
export function checkRaggedUse(sink: DiagnosticSink, fn: IrFunction): boolean {
  const split = splitRagged(fn);
  if (!split || !('problems' in split)) return true;
  for (const p of split.problems) {
    const node = fn.nodes[p.node]!;
    const span = node.span ?? fn.span;
    if (node.op === 'resize') sink.report('ResizeUse', span, { mode: node.attrs.mode === 'nearest-exact' ? '' : `, mode: '${node.attrs.mode}'`, why: p.why });
    else sink.report('RaggedListUse', span, { why: p.why });
  }
  return false;
}

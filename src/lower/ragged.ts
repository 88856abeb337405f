// A loss over a ragged list (`preds: list[K] of ragged [B, C, ...]`, split by src/ir/ragged.ts):
// the per-element part lowered once, run for each element in a loop with that element's '...'
// dims, its values the rest of the loss reads ("cuts") stacked along the list axis; a value
// along the list axis not computed from the list is read per element as its slice. Every op
// is on tfjs's tape, so tf.grads gives each element its own gradient.

import type { DType } from '../ir/ops.js';
import type { RaggedSplit } from '../ir/ragged.js';
import type { Axis, NodeId } from '../ir/types.js';
import { lowerNodes, TF_DTYPE, type BodyContext } from './body.js';
import type { Interp } from './interp.js';
import { Layout } from './layout.js';

/** A float32 tensor back in `dtype` (the inverse of reading it as real). */
function fromReal<V>(I: Interp<V>, v: V, dtype: DType): V {
  if (dtype === 'real') return v;
  return dtype === 'bool' ? I.tf('notEqual', v, I.tf('scalar', I.num(0))) : I.tf('cast', v, I.str(TF_DTYPE[dtype]));
}

/** The cuts of the split, each its per-element values stacked along the list axis (`elements`: the list's tensors). */
export function raggedCuts<V>(ctx: BodyContext<V>, split: RaggedSplit, elements: V): Map<NodeId, V> {
  const { I, fn, layout } = ctx;
  const element = split.element;
  const name = split.input.name;
  // What resizes read, once, at the loss's own '...' dims (laid out inside: those dims first).
  const sources = [...new Set(split.resizes.map((r) => fn.nodes[r]!.args[0]!))];
  const outside = lowerNodes(ctx, [...sources, ...split.sliced]);
  const source = new Map(sources.map((id) => [id, I.let('resizeSource', outside.expand(id, fn.nodes[id]!.type.axes))] as const));
  // Values along the list axis read per element (a [K] input of weights): the list axis first,
  // element k reads its slice at k.
  const listFirst = (id: NodeId): Axis[] => {
    const axes = fn.nodes[id]!.type.axes;
    return [...axes.filter((a) => a.dim === split.listDim), ...axes.filter((a) => a.dim !== split.listDim)];
  };
  const along = new Map(split.sliced.map((id) => [id, I.let(`${name}Along${id}`, outside.expand(id, listFirst(id)))] as const));
  const declared = split.input.axes.slice(1);
  const restAt = declared.findIndex((a) => a.name === '...');
  const namedCount = declared.length - (restAt >= 0 ? 1 : 0);
  const parts = split.cuts.map((c) => I.let(`${name}Part${c}`, I.list([]), { type: 'tf.Tensor[]' }));
  I.comment(`Per element of the ragged list '${name}', with its own '...' dims.`);
  I.forRange(I.get(elements, 'length'), 'k', (k) => {
    const e = I.let(`${name}K`, I.at(elements, k));
    const rest = I.let(`${name}Rest`, restAt < 0 ? I.list([]) : I.js('slice', I.get(e, 'shape'), I.num(restAt), I.js('sub', I.get(e, 'rank'), I.num(namedCount - restAt))));
    const own = new Layout(I, { dim: (d) => layout.dim(d), rest: () => rest });
    const given = new Map<NodeId, V>([[split.input.node, own.restFirst(e, declared)]]);
    for (const r of split.resizes) {
      const node = element.nodes[r]!;
      const src = node.args[0]!;
      const resized = I.helper('resizeNearest', source.get(src)!, layout.rest(), rest, I.str(node.attrs.mode ?? 'nearest-exact'));
      given.set(r, fromReal(I, resized, node.type.dtype));
    }
    for (const id of split.sliced) {
      const n = fn.nodes[id]!.type.axes.length;
      const at = I.tf('slice', along.get(id)!, I.list([k, ...Array.from({ length: n - 1 }, () => I.num(0))]), I.list([I.num(1), ...Array.from({ length: n - 1 }, () => I.num(-1))]));
      given.set(id, fromReal(I, I.tf('squeeze', at, I.list([I.num(0)])), fn.nodes[id]!.type.dtype));
    }
    const per = lowerNodes({ ...ctx, fn: element, layout: own, given }, split.cuts);
    split.cuts.forEach((c, j) => I.stmt(I.js('push', parts[j]!, per.expand(c, element.nodes[c]!.type.axes))));
  });
  return new Map(
    split.cuts.map((c, j) => {
      const node = fn.nodes[c]!;
      const at = node.type.axes.findIndex((a: Axis) => a.dim === split.listDim);
      return [c, I.let(`${name}Stacked${c}`, fromReal(I, I.tf('stack', parts[j]!, I.num(at)), node.type.dtype))] as const;
    }),
  );
}

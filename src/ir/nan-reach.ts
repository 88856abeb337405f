// Which real inputs a NaN in any element of makes a node's value hold NaN: then the input scan's
// NaN test (`checkValues`) can read the loss's own value instead of reducing the input again
// (src/lower/signature.ts folds it there; on NaN the full scan names the input and position).
//
// Only through the ops of NAN_STRICT: IEEE arithmetic gives NaN whenever an operand is NaN
// (NaN · 0 and NaN + ∞ too), and an unmasked sum or mean carries every element of its operand
// into its result. Nothing that chooses or compares (select, max, min, maximum, relu, masked
// reductions: a NaN fails every comparison and may be passed over), gathers or picks (some
// elements are never read), pow (NaN⁰ = 1), contractions or softmax (kernels that block or
// shift). A node is followed only when its whole subgraph is made of these ops, real inputs,
// constants and sizes, so the lowering has no mask or one-hot to turn a product into a gather.
// test/nan-fold.test.ts puts NaN through each op of the table as the lowering computes it.
//
// Each element reaches the value only when no tensor on the way is empty (a broadcast against a
// zero-size axis drops the other operand's elements): every dim of the subgraph is a dim of one
// of its inputs, so the fold holds when each of them has elements, which the runtime checks.

import type { OpName } from './ops.js';
import type { IrFunction, NodeId } from './types.js';

/** Ops whose result holds NaN at every position an operand's NaN element reaches. */
export const NAN_STRICT: ReadonlySet<OpName> = new Set<OpName>([
  'neg',
  'abs',
  'square',
  'sqrt',
  'exp',
  'log',
  'softplus',
  'add',
  'sub',
  'mul',
  'div',
  'sum',
  'mean',
  'rename',
  'flatten',
  'unflatten',
  'detach',
]);

/**
 * The names of the real tensor inputs of `fn` whose NaN always reaches the value of `root`, or
 * an empty set when `root` is not computed by NAN_STRICT ops alone.
 */
export function nanReachingInputs(fn: IrFunction, root: NodeId): ReadonlySet<string> {
  const plain = new Map<NodeId, boolean>();
  const isPlain = (id: NodeId): boolean => {
    const known = plain.get(id);
    if (known !== undefined) return known;
    const node = fn.nodes[id]!;
    let ok: boolean;
    if (node.op === 'input') {
      const input = fn.inputs.find((i) => i.node === id);
      // A hyperparameter is a checked number; a tensor input must be real and given as itself.
      ok = input === undefined ? fn.hypers.some((h) => h.node === id) : input.elem === 'real' && !input.orIndices;
    } else if (node.op === 'const' || node.op === 'size') {
      ok = true;
    } else {
      const unmasked = (node.op !== 'sum' && node.op !== 'mean') || node.args.length === 1;
      ok = NAN_STRICT.has(node.op) && unmasked && node.type.dtype === 'real' && node.args.every(isPlain);
    }
    plain.set(id, ok);
    return ok;
  };
  if (!isPlain(root)) return new Set();
  const names = new Set<string>();
  const seen = new Set<NodeId>();
  const visit = (id: NodeId): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const node = fn.nodes[id]!;
    const input = node.op === 'input' ? fn.inputs.find((i) => i.node === id) : undefined;
    if (input) names.add(input.name);
    node.args.forEach(visit);
  };
  visit(root);
  return names;
}

// `checkFinite: true` in generated code: after the loss (or the per-sample losses) is computed,
// a NaN or infinity in it throws an Error naming where it first appears and what led there:
// an input holding ±Infinity, an infinite option, or the first operation that made a
// non-finite value from finite operands, with the input values at that position. The helper
// mirrors `finite.ts` (the evaluator's), so both say the same thing.

import type { DType } from '../ir/ops.js';
import { REST, type IrFunction, type NodeId } from '../ir/types.js';
import { topoOrder, type LoweredBody } from './emit-body.js';

const LEAVES = new Set(['input', 'const', 'size', 'iota']);

/** Inputs each node depends on, as indices into `fn.inputs`. */
export function inputDependencies(fn: IrFunction, order: readonly { id: NodeId; op: string; args: readonly NodeId[] }[]): Map<NodeId, number[]> {
  const deps = new Map<NodeId, number[]>();
  for (const node of order) {
    const own = fn.inputs.findIndex((i) => i.node === node.id);
    const all = new Set(own >= 0 ? [own] : []);
    for (const a of node.args) for (const d of deps.get(a) ?? []) all.add(d);
    deps.set(node.id, [...all].sort((x, y) => x - y));
  }
  return deps;
}

/** `file:line:col` of a node's source, or its op alone. */
export function nodeLabel(node: { op: string; span?: { file: string; start: { line: number; col: number } } }): string {
  return node.span ? `${node.op} (${node.span.file}:${node.span.start.line}:${node.span.start.col})` : node.op;
}

/** The statement, after the body, that checks `root` when `check` is true. */
export function finiteCheck(
  fn: IrFunction,
  body: LoweredBody,
  root: NodeId,
  inputVars: ReadonlyMap<NodeId, string>,
  hyperVars: ReadonlyMap<NodeId, { readonly local: string; readonly elem: DType }>,
  check: string,
): string {
  const order = topoOrder(fn, [root]);
  const deps = inputDependencies(fn, order);
  const str = (s: string): string => JSON.stringify(s);
  const inputs = fn.inputs.map((i) => `[${str(i.name)}, ${inputVars.get(i.node)!}, [${i.axes.map((a) => str(a.name === REST ? REST : a.dim)).join(', ')}]]`);
  const hypers = fn.hypers.filter((h) => h.elem === 'real').map((h) => `[${str(h.name)}, ${hyperVars.get(h.node)!.local}]`);
  const traced = order
    .filter((n) => n.type.dtype === 'real' && !LEAVES.has(n.op))
    .map((n) => {
      const axes = n.type.axes.filter((a) => a.name !== REST).map((a) => `[${str(a.name)}, ${str(a.dim)}]`);
      return `[${str(nodeLabel(n))}, ${body.value(n.id).expr}, [${axes.join(', ')}], [${(deps.get(n.id) ?? []).join(', ')}]]`;
    });
  return `if (${check}) nonFinite(${str(fn.name)}, ${body.value(root).expr}, [${inputs.join(', ')}], [${hypers.join(', ')}], [${traced.join(', ')}]);`;
}

/**
 * The end of a generated loss: `inner` (the body and its returns) in `tf.tidy`. With a check,
 * the body becomes `compute(check)`, and `checkFinite` first runs it off the gradient tape:
 * an error thrown inside `tf.grads` leaves the tape's saved tensors behind, one thrown there
 * leaves nothing.
 */
export function checkedReturn(inner: readonly string[], names: { compute: string; check: string; options: string } | undefined, scalar: boolean): string[] {
  if (!names) return [`return tf.tidy(() => {\n${inner.join('\n')}\n});`];
  const { compute, check, options } = names;
  return [
    `const ${compute} = (${check}: boolean): tf.Tensor => {\n${inner.join('\n')}\n};`,
    `if (${options}.checkFinite === true) tf.dispose(noGrad(() => tf.tidy(() => ${compute}(true))));`,
    `return tf.tidy(() => {\nreturn ${compute}(false)${scalar ? ' as tf.Scalar' : ''};\n});`,
  ];
}

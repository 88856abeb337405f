// `checkFinite: true`: after the loss (or the per-sample losses) is computed, a NaN or an
// infinity in it throws an Error naming where it first appears and what led there (the
// `nonFinite` helper, src/runtime/helpers.ts): an input holding ±Infinity, an infinite option,
// or the first operation that made a non-finite value from finite operands, with the input
// values at that position.

import { boundaryAxes } from '../ir/axes.js';
import type { DType } from '../ir/ops.js';
import { REST, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { postorder } from '../ir/walk.js';
import { lowerNodes, type BodyContext, type LoweredNodes } from './body.js';
import type { Interp } from './interp.js';
import type { Layout } from './layout.js';

const LEAVES = new Set(['input', 'const', 'size', 'iota']);

/** Inputs each node depends on, as indices into `fn.inputs`. */
export function inputDependencies(fn: IrFunction, order: readonly IrNode[]): Map<NodeId, number[]> {
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

/** When `flag` holds (always without one), checks the value of `root` (lowered in `nodes`). */
export function checkFinite<V>(
  I: Interp<V>,
  fn: IrFunction,
  nodes: LoweredNodes<V>,
  root: NodeId,
  inputs: ReadonlyMap<NodeId, V>,
  hypers: ReadonlyMap<NodeId, { readonly value: V; readonly elem: DType }>,
  layout: Layout<V>,
  flag?: V,
  given: ReadonlyMap<NodeId, V> = new Map(),
): void {
  // Values given (a ragged list's per-element results) are where the diagnosis starts.
  const order = postorder(fn.nodes, [root], new Set(given.keys()));
  const deps = inputDependencies(fn, order);
  const check = (): void => {
    const strs = (xs: readonly string[]): V => I.list(xs.map((x) => I.str(x)));
    // The inputs as callers laid them out (the rest dims where `...` stands), so that a position
    // in one is the caller's: inside, the rest dims come first (layout.ts).
    const inputList = fn.inputs.filter((i) => !i.ragged).map((i) => I.list([I.str(i.name), layout.restInPlace(inputs.get(i.node)!, i.axes), strs(i.axes.map((a) => (a.name === REST ? REST : a.dim)))]));
    const hyperList = fn.hypers.filter((h) => h.elem === 'real').map((h) => I.list([I.str(h.name), hypers.get(h.node)!.value]));
    const steps = order
      .filter((n) => n.type.dtype === 'real' && !LEAVES.has(n.op))
      .map((n) => {
        const axes = n.type.axes.filter((a) => a.name !== REST).map((a) => strs([a.name, a.dim]));
        return I.list([I.str(nodeLabel(n)), nodes.val(n.id).read(), I.list(axes), I.list((deps.get(n.id) ?? []).map((d) => I.num(d)))]);
      });
    // The loss (or the per-sample losses) as callers get it, so that its position is theirs too.
    const axes = boundaryAxes(fn, root);
    const value = layout.restInPlace(layout.align(nodes.val(root).read(), fn.nodes[root]!.type.axes, axes).v, axes);
    I.stmt(I.helper('nonFinite', I.str(fn.name), value, I.list(inputList), I.list(hyperList), I.list(steps)));
  };
  if (flag === undefined) check();
  else I.when(flag, check);
}

/** The forward pass to `root` alone, off the tape, checked: the value of `root` (a copy when it is an input). */
export function checkedForward<V>(ctx: BodyContext<V>, root: NodeId): V {
  const nodes = lowerNodes({ ...ctx, untaped: true }, [root]);
  checkFinite(ctx.I, ctx.fn, nodes, root, ctx.inputs, ctx.hypers, ctx.layout);
  const v = nodes.val(root);
  return v.isInput ? ctx.I.tf('clone', v.read()) : v.read();
}

/**
 * The `checkFinite: true` run, before the loss is computed for the caller: off the gradient
 * tape, nothing kept. `diagnose` computes the loss untiled with each step's tensor at hand and
 * throws naming where a non-finite value first appears (checkFinite above). A tiled loss
 * (`tiled`, when its condition holds at run time) is computed tiled first, one block of rows
 * at a time: only a non-finite value runs the diagnosis, so a finite loss never holds its
 * whole pairwise values.
 */
export function finiteRun<V>(I: Interp<V>, diagnose: () => V, tiled?: { readonly when: V; readonly value: () => V }): void {
  const offTape = (body: () => V): V => I.helper('noGrad', I.arrow([], () => I.tf('tidy', I.arrow([], body))));
  if (!tiled) {
    I.stmt(I.tf('dispose', offTape(diagnose)));
    return;
  }
  // An arrow called at once: branches return from the function they are in.
  const check = I.arrow(
    [],
    () =>
      I.branches(
        [
          [
            () => tiled.when,
            () => {
              const flag = I.let('finiteFlag', offTape(() => I.tf('isFinite', tiled.value())));
              const ok = I.let('tiledFinite', I.js('eq', I.at(I.js('dataSync', flag), 0), I.num(1)));
              I.stmt(I.tf('dispose', flag));
              return ok;
            },
          ],
        ],
        () => I.bool(false),
      ),
    { returnType: 'boolean', block: true },
  );
  const finite = I.let('finite', I.call(check));
  I.when(I.js('not', finite), () => I.stmt(I.tf('dispose', offTape(diagnose))));
}

// `checkFinite: true`: after the loss (or the per-sample losses) is computed, a NaN or an
// infinity in it throws an Error naming where it first appears and what led there (the
// `nonFinite` helper, src/runtime/helpers.ts): an input holding ±Infinity, an infinite option,
// or the first operation that made a non-finite value from finite operands, with the input
// values at that position.

import { boundaryAxes } from '../ir/axes.js';
import { guardedForDiagnosis } from '../ir/autodiff-guards.js';
import type { DType } from '../ir/ops.js';
import { REST, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { postorder } from '../ir/walk.js';
import type { TilePlan } from '../ir/tile.js';
import { lowerNodes, type BodyContext, type LoweredNodes, type Val } from './body.js';
import type { Interp } from './interp.js';
import type { Layout } from './layout.js';
import { rowAxisIn, tileScope } from './tile.js';

const LEAVES = new Set(['input', 'const', 'size', 'iota']);

/** Inputs each node depends on, as indices into `fn.inputs`. */
export function inputDependencies(fn: IrFunction, order: readonly IrNode[]): Map<NodeId, number[]> {
  const deps = new Map<NodeId, number[]>();
  for (const node of order) {
    const own = fn.inputs.findIndex((i) => i.node === node.id);
    const all = new Set(own >= 0 ? [own] : []);
    // A guard's condition (autodiff-guards.ts) only keeps a discarded position finite.
    for (const a of node.attrs.guard ? node.args.slice(1) : node.args) for (const d of deps.get(a) ?? []) all.add(d);
    deps.set(node.id, [...all].sort((x, y) => x - y));
  }
  return deps;
}

/** `file:line:col` of a node's source, or its op alone. */
export function nodeLabel(node: { op: string; span?: { file: string; start: { line: number; col: number } } }): string {
  return node.span ? `${node.op} (${node.span.file}:${node.span.start.line}:${node.span.start.col})` : node.op;
}

/** Whether node `n` is a step of the diagnosis: a real value an operation computed. */
const isStep = (n: IrNode): boolean => n.type.dtype === 'real' && !LEAVES.has(n.op) && !n.attrs.guard;

/**
 * What the `nonFinite` helper is given besides the values: the inputs as callers laid them out
 * (the rest dims where `...` stands), so that a position in one is the caller's (inside, the
 * rest dims come first: layout.ts), the real hyperparameters, and each step of `order` as
 * [label, its value (from `value`), named axes, inputs it depends on].
 */
function diagnosisParts<V>(
  I: Interp<V>,
  fn: IrFunction,
  order: readonly IrNode[],
  inputs: ReadonlyMap<NodeId, V>,
  hypers: ReadonlyMap<NodeId, { readonly value: V; readonly elem: DType }>,
  layout: Layout<V>,
  value: (n: IrNode, k: number) => V,
): { inputList: V; hyperList: V; steps: V } {
  const deps = inputDependencies(fn, order);
  const strs = (xs: readonly string[]): V => I.list(xs.map((x) => I.str(x)));
  // The inputs as callers laid them out (the rest dims where `...` stands), so that a position
  // in one is the caller's: inside, the rest dims come first (layout.ts).
  // A list input is marked: its positions read as the element, then the position inside it.
  // A ragged list is no one tensor: left out (its elements were scanned at the boundary), and
  // the steps' input numbers count the inputs listed.
  const listed = fn.inputs.filter((i) => !i.ragged);
  const listedAt = new Map(listed.map((i, k) => [fn.inputs.indexOf(i), k]));
  const inputList = I.list(listed.map((i) => I.list([I.str(i.name), layout.restInPlace(inputs.get(i.node)!, i.axes), strs(i.axes.map((a) => (a.name === REST ? REST : a.dim))), ...(i.list ? [I.bool(true)] : [])])));
  const hyperList = I.list(fn.hypers.filter((h) => h.elem === 'real').map((h) => I.list([I.str(h.name), hypers.get(h.node)!.value])));
  const steps = order.filter(isStep).map((n, k) => {
    const axes = n.type.axes.filter((a) => a.name !== REST).map((a) => strs([a.name, a.dim]));
    const used = (deps.get(n.id) ?? []).flatMap((d) => (listedAt.has(d) ? [listedAt.get(d)!] : []));
    return I.list([I.str(nodeLabel(n)), value(n, k), I.list(axes), I.list(used.map((d) => I.num(d)))]);
  });
  return { inputList, hyperList, steps: I.list(steps) };
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
  const check = (): void => {
    const { inputList, hyperList, steps } = diagnosisParts(I, fn, order, inputs, hypers, layout, (n) => nodes.val(n.id).read());
    // The loss (or the per-sample losses) as callers get it, so that its position is theirs too.
    const axes = boundaryAxes(fn, root);
    const value = layout.restInPlace(layout.align(nodes.val(root).read(), fn.nodes[root]!.type.axes, axes).v, axes);
    I.stmt(I.helper('nonFinite', I.str(fn.name), value, inputList, hyperList, steps));
  };
  if (flag === undefined) check();
  else I.when(flag, check);
}

/**
 * checkFinite's diagnosis of a tiled loss (src/lower/tile.ts), walking its blocks of rows so
 * that it never holds a whole pairwise value: the same message as the untiled diagnosis
 * (checkFinite above). Each step of the untiled function (and `root` as callers lay it out) is
 * read as soon as it is made, by `firstNonFinite`, which keeps its first non-finite element in
 * the whole value's positions: a step carrying the row axis block by block (in the block form,
 * each value freed after its last use), the others whole (no larger than an input, or than a
 * block), and the loss itself (`loss`, computed tiled) when `root` is the output. `nonFinite`
 * then reports the first of them in the untiled order. Returns a scalar to dispose.
 */
export function tiledDiagnosis<V>(ctx: BodyContext<V>, plan: TilePlan, blockRows: V, root: NodeId, loss: () => V): V {
  const { I, fn, layout } = ctx;
  const order = postorder(fn.nodes, [root]);
  const steps = order.filter(isStep);
  // Slot 0: the root as callers get it (the message's head); slot 1 + k: step k.
  const slotOf = new Map(steps.map((n, k) => [n.id, 1 + k] as const));
  const found = I.let('found', I.as(I.list([I.undef(), ...steps.map(() => I.undef())]), '({ value: number; at: number[] } | undefined)[]'));
  const note = (slot: number, t: V, axis: number, start: V): void => I.stmt(I.helper('firstNonFinite', found, I.num(slot), t, I.num(axis), start));
  const boundary = boundaryAxes(fn, root);
  /** Reads node `id` (`v`, the value of its block or whole) into its slot, and the root's. */
  const noteNode = (id: NodeId, v: Val<V>, start: V | undefined): void => {
    const own = fn.nodes[id]!.type.axes;
    const slot = slotOf.get(id);
    if (slot !== undefined) note(slot, v.read(), start === undefined ? -1 : rowAxisIn(plan, own), start ?? I.num(0));
    if (id !== root) return;
    // v's axes by name, in the boundary order (a block's row axis has the block's dim).
    const to = boundary.map((a) => v.axes.find((b) => b.name === a.name)!);
    note(0, layout.align(v.read(), v.axes, to).v, start === undefined ? -1 : rowAxisIn(plan, boundary), start ?? I.num(0));
  };

  const scope = tileScope(ctx, plan, blockRows);
  I.comment('The steps that do not carry the row axis, whole.');
  const whole = steps.filter((n) => !plan.blockNodes.has(n.id) && n.id !== fn.output).map((n) => n.id);
  const onWhole = (id: NodeId, v: Val<V>): void => {
    if (whole.includes(id)) noteNode(id, v, undefined);
  };
  if (whole.length > 0) lowerNodes({ ...ctx, untaped: true, names: new Map(), disposeDead: true, onValue: onWhole }, whole);
  if (root === fn.output) {
    // The outer reduction itself: the tiled loss (a scalar).
    const value = I.let('lossValue', loss());
    if (slotOf.has(root)) note(slotOf.get(root)!, value, -1, I.num(0));
    note(0, value, -1, I.num(0));
  }
  const perBlock = steps.filter((n) => plan.blockNodes.has(n.id));
  if (perBlock.length > 0) {
    const fnOf = new Map(perBlock.map((n) => [plan.blockNodes.get(n.id)!, n.id] as const));
    // Only the values nothing else reads are roots: the lowering frees the others after their last use.
    const ids = [...fnOf.keys()];
    const lowered = postorder(plan.block.nodes, ids);
    const read = new Set(lowered.flatMap((n) => n.args));
    const roots = ids.filter((id) => !read.has(id));
    I.comment('The steps that carry the row axis, one block of rows at a time.');
    const once = scope.computeOnce(ctx.inputs);
    I.forRange(scope.blocks, 'k', (k) => {
      const body = I.arrow(
        [],
        () => {
          const { start, layout: blockLayout, given } = scope.blockScope(once, k);
          const onValue = (id: NodeId, v: Val<V>): void => {
            const own = fnOf.get(id);
            if (own !== undefined) noteNode(own, v, start);
          };
          lowerNodes({ ...ctx, fn: plan.block, layout: blockLayout, untaped: true, names: new Map(), given, disposeDead: true, onValue }, roots);
          return I.undef();
        },
        { block: true },
      );
      I.stmt(I.tf('tidy', body));
    });
  }
  const { inputList, hyperList, steps: stepList } = diagnosisParts(I, fn, order, ctx.inputs, ctx.hypers, layout, (_, k) => I.at(found, 1 + k));
  I.stmt(I.helper('nonFinite', I.str(fn.name), I.at(found, 0), inputList, hyperList, stepList));
  return I.tf('scalar', I.num(0));
}

/**
 * The forward pass to `root` alone, off the tape, checked: the value of `root` (a copy when it
 * is an input). Computed as autodiff computes it (src/ir/autodiff-guards.ts): the same values
 * where they are used, but a log(0) that a mask or a select discards is not named as the step
 * where the loss's NaN first appears when another step made it.
 */
export function checkedForward<V>(ctx: BodyContext<V>, root: NodeId): V {
  const guarded = guardedForDiagnosis(ctx.fn);
  const at = guarded.at(root);
  const nodes = lowerNodes({ ...ctx, fn: guarded.fn, untaped: true }, [at]);
  checkFinite(ctx.I, guarded.fn, nodes, at, ctx.inputs, ctx.hypers, ctx.layout, undefined, ctx.given);
  const v = nodes.val(at);
  return v.isInput ? ctx.I.tf('clone', v.read()) : v.read();
}

/**
 * The `checkFinite: true` run, before the loss is computed for the caller: off the gradient
 * tape, nothing kept. `diagnose` computes the loss untiled with each step's tensor at hand and
 * throws naming where a non-finite value first appears (checkFinite above). A tiled loss
 * (`tiled`, when its condition holds at run time) is computed tiled first, one block of rows
 * at a time: only a non-finite value runs its diagnosis, which walks the blocks too
 * (tiledDiagnosis), so that neither ever holds the whole pairwise values.
 */
export function finiteRun<V>(I: Interp<V>, diagnose: () => V, tiled?: { readonly when: V; readonly value: () => V; readonly diagnose: () => V }): void {
  const offTape = (body: () => V): V => I.helper('noGrad', I.arrow([], () => I.tf('tidy', I.arrow([], body))));
  if (!tiled) {
    I.stmt(I.tf('dispose', offTape(diagnose)));
    return;
  }
  I.when(tiled.when, () => {
    const flag = I.let('finiteFlag', offTape(() => I.tf('isFinite', tiled.value())));
    const finite = I.let('tiledFinite', I.js('eq', I.at(I.js('dataSync', flag), 0), I.num(1)));
    I.stmt(I.tf('dispose', flag));
    I.when(I.js('not', finite), () => I.stmt(I.tf('dispose', offTape(tiled.diagnose))));
  });
  I.when(I.js('not', tiled.when), () => I.stmt(I.tf('dispose', offTape(diagnose))));
}

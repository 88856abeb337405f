// The float64 reference evaluator: runs an IrFunction in plain TypeScript, as the test oracle
// for the lowering (what generated modules and the tfjs evaluator both run). It favours
// obviously-correct loops over speed: every operand is first materialised in its result's
// layout (by axis name), then combined index by index. ints and bools are stored as numbers
// (bools as 0/1).
import { noReductionReason } from '../ir/reduction.js';
import { applyArgumentAxes, boundaryAxes, unionAxes } from '../ir/axes.js';
import { OPS, type BinaryOp, type DType, type UnaryOp } from '../ir/ops.js';
import { REST, type Axis, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { raggedSplitOf, type RaggedSplit } from '../ir/ragged.js';
import { liveNodes } from '../ir/live.js';
import { givenPosition, trailingOne, unionClassAt, unionShapeIsIndices } from '../ir/class-indices.js';
import { evaluateInOrder } from '../ir/walk.js';
import { declaredShape, layerDims, resolveDims, ShapeError, type ResolvedDims } from './dims.js';
import { digammaRef, lgammaRef, trigammaRef } from './gamma.js';
import { unknownNameMessage } from '../check/declared-names.js';

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

export interface RefOptions {
  /** Reduce the per-sample loss this way instead of returning the output (needs fn.reduction). */
  reduction?: 'mean' | 'sum' | 'none' | 'sum_by_nonzero_weights' | 'sum_over_batch_size';
  /**
   * Weights: the per-sample shape or a prefix of it (left-aligned, broadcast over the trailing
   * dims; a dim may also be 1). 'none' then returns w·l, 'sum' Σ w·l, 'mean' Σ w·l / Σ w.
   */
  weights?: RefTensor;
  /**
   * Evaluate this node instead of the output (for tests). A node a ragged list's loss computes
   * per element: its values in every element, one element's after another, as one flat tensor.
   */
  node?: NodeId;
  /** The elements of a ragged list input (`list[K] of ragged [B, C, ...]`), by name: shapes of their own. */
  lists?: Record<string, readonly RefTensor[]>;
  /** The loss's function parameters (e.g. a feature extractor), by name. */
  functions?: Record<string, (x: RefTensor) => RefTensor | readonly RefTensor[]>;
}

/** A value that cannot be evaluated: missing hyperparameter, bad index, bad reduction option. */
export class EvalError extends Error {
  override name = 'EvalError';
}

/** A node's value: data laid out row-major in the order of `axes` (rest dims expanded). */
interface Val {
  readonly axes: readonly Axis[];
  readonly shape: number[];
  readonly data: Float64Array;
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

export function evaluateReference(
  fn: IrFunction,
  inputs: Record<string, RefTensor>,
  hypers: Record<string, number>,
  options: RefOptions = {},
): RefTensor {
  // A misspelt optional input or hyperparameter would silently run at its default.
  const unknown = unknownNameMessage(fn, [...Object.keys(inputs), ...Object.keys(options.lists ?? {})], 'input') ?? unknownNameMessage(fn, Object.keys(hypers), 'hyperparameter');
  if (unknown !== undefined) throw new EvalError(unknown);
  inputs = withDefaultInputs(fn, classIndicesFlat(fn, inputs));
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(inputs)) shapes[k] = v.shape;
  const split = raggedSplitOf(fn);
  // A ragged list given stacked (elements of one shape, as for a list) is its slices.
  if (split && options.lists?.[split.input.name] === undefined && inputs[split.input.name]) {
    const { [split.input.name]: stacked, ...rest } = inputs;
    options = { ...options, lists: { ...options.lists, [split.input.name]: slices(stacked!) } };
    inputs = rest;
    delete shapes[split.input.name];
  }
  const dims = split ? raggedDims(fn, split, shapes, options) : resolveDims(fn, shapes);
  if (fn.functions && fn.functions.length > 0) return evaluateLayers(fn, inputs, hypers, dims, options);
  const ev = new RefEvaluator(fn, inputs, hypers, dims);
  if (split) {
    const perElement = evaluateElements(fn, split, ev, inputs, hypers, dims, options.lists![split.input.name]!, options.node);
    if (perElement) return perElement;
  }
  if (options.node !== undefined) return out(ev.value(options.node));
  if (options.reduction === undefined && options.weights === undefined) return out(ev.atBoundary(ev.value(fn.output), fn.output));
  if (!fn.reduction) {
    throw new EvalError(`${fn.name}: takes no 'reduction' or 'weights' option: ${noReductionReason(fn.nodes, fn.output)}`);
  }
  const perSample = ev.atBoundary(ev.value(fn.reduction.perSample), fn.reduction.perSample);
  const kind = options.reduction ?? fn.reduction.kind;
  const m = maskOf(fn, ev);
  const w = maskedWeights(options.weights ? expandWeights(fn.name, options.weights, perSample.shape) : undefined, m);
  const l = perSample.data;
  if (kind === 'none') return { shape: [...perSample.shape], data: w ? l.map((v, i) => w[i]! * v) : l };
  // A divided mean (`mean(l, by: d)`): each loss adds w·d, not w, to what 'mean' divides by.
  const d = denominatorsOf(fn, ev);
  let num = 0;
  let den = 0;
  let nonzero = 0;
  l.forEach((v, i) => {
    const wi = w ? w[i]! : 1;
    num += wi * v;
    den += d ? wi * d[i]! : wi;
    nonzero += (d ? wi * d[i]! : wi) !== 0 ? 1 : 0;
  });
  if (d && den === 0) den = NaN;
  // 'sum' = Σ w·l; 'mean' = Σ w·l / Σ w over the weights broadcast to the per-sample shape;
  // 'sum_by_nonzero_weights' over how many of those are not 0; 'sum_over_batch_size' over l's size.
  // Under a mask (w·m, Keras 3's apply_mask) the batch is the selected losses.
  const batch = m ? m.reduce((a, v) => a + v, 0) : l.length;
  const by: Record<string, number> = { sum: num, mean: num / den, sum_by_nonzero_weights: num / nonzero, sum_over_batch_size: num / batch };
  return { shape: [], data: Float64Array.of(l.length === 0 ? 0 : by[kind]!) };
}

export interface RefGradients {
  /** The loss as `evaluateReference` returns it with the same options. */
  readonly value: RefTensor;
  /** d (sum of the loss) / d input, for every real input, in the input's shape. */
  readonly grads: Record<string, RefTensor>;
}

/**
 * The loss and its gradients in float64, from the backward pass the compiler derived
 * (`fn.gradients`, see src/grad): with no reduction option, that of the output seeded with 1s
 * (a non-scalar loss is summed, as tf.grad does); with `reduction` or `weights`, that of the
 * per-sample losses seeded with what the reduction makes of each.
 */
export function gradientsReference(
  fn: IrFunction,
  inputs: Record<string, RefTensor>,
  hypers: Record<string, number>,
  options: RefOptions = {},
): RefGradients {
  const g = fn.gradients;
  if (!g) throw new Error(`internal: ${fn.name} has no derived gradients (differentiate first: src/grad)`);
  const unknown = unknownNameMessage(fn, Object.keys(inputs), 'input') ?? unknownNameMessage(fn, Object.keys(hypers), 'hyperparameter');
  if (unknown !== undefined) throw new EvalError(unknown);
  // Left out, `y: [N] = x` is x itself: its gradient is added into x's below, and it has none.
  const aliases = fn.inputs.filter((i) => typeof i.default === 'object' && inputs[i.name] === undefined);
  inputs = withDefaultInputs(fn, classIndicesFlat(fn, inputs));
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(inputs)) shapes[k] = v.shape;
  const dims = resolveDims(fn, shapes);
  const value = evaluateReference(fn, inputs, hypers, options);
  const plain = options.reduction === undefined && options.weights === undefined;
  if (!plain && !g.perSample) {
    throw new EvalError(`${fn.name}: takes no 'reduction' or 'weights' option: ${noReductionReason(fn.nodes, fn.output)}`);
  }
  const pass = plain ? g.output : g.perSample!;
  const ev = new RefEvaluator(fn, inputs, hypers, dims);
  const root = ev.value(pass.root);
  // Worked out in the layout callers see (where the weights are given), then laid out as the root.
  const seen = ev.atBoundary(root, pass.root);
  let seed = new Float64Array(root.data.length).fill(1);
  if (!plain) {
    const m = maskOf(fn, ev);
    const w = maskedWeights(options.weights ? expandWeights(fn.name, options.weights, seen.shape) : undefined, m);
    const kind = options.reduction ?? fn.reduction!.kind;
    const n = m ? m.reduce((a, v) => a + v, 0) : root.data.length;
    const weightOf = (i: number): number => (w ? w[i]! : 1);
    const d = denominatorsOf(fn, ev);
    if (d) return dividedGradients();
    // d/dl_i of each reduction: w_i over what it divides by (unweighted, all but 'sum' are the mean).
    const by: Record<string, number> = {
      sum: 1,
      none: 1,
      mean: w ? w.reduce((a, v) => a + v, 0) : n,
      sum_by_nonzero_weights: w ? w.filter((v) => v !== 0).length : n,
      sum_over_batch_size: n,
    };
    // Nothing to divide by (no weight, nothing selected): NaN, with gradient 0.
    if (kind !== 'sum' && kind !== 'none' && by[kind] === 0) by[kind] = Infinity;
    seed = seed.map((_, i) => weightOf(i) / by[kind]!);
  }
  return finish([{ pass, seed }]);

  /**
   * A divided mean's: 'mean' is S_l / S_d with S_l = Σ w·l and S_d = Σ w·d, so l_i is seeded
   * w_i / S_d and d_i -w_i·S_l / S_d² (nothing where S_d is 0: NaN with gradient 0); the other
   * modes do not differentiate the denominators ('sum_by_nonzero_weights' only counts them).
   */
  function dividedGradients(): RefGradients {
    const m = maskOf(fn, ev);
    const w = maskedWeights(options.weights ? expandWeights(fn.name, options.weights, seen.shape) : undefined, m);
    const kind = options.reduction ?? fn.reduction!.kind;
    const d = denominatorsOf(fn, ev)!;
    const l = ev.atBoundary(root, pass.root).data;
    const wOf = (i: number): number => (w ? w[i]! : 1);
    let sl = 0;
    let sd = 0;
    let nonzero = 0;
    l.forEach((v, i) => {
      sl += wOf(i) * v;
      sd += wOf(i) * d[i]!;
      nonzero += wOf(i) * d[i]! !== 0 ? 1 : 0;
    });
    const batch = m ? m.reduce((a, v) => a + v, 0) : l.length;
    const by: Record<string, number> = { sum: 1, none: 1, mean: sd, sum_by_nonzero_weights: nonzero, sum_over_batch_size: batch };
    const over = by[kind] === 0 ? Infinity : by[kind]!;
    const seedL = l.map((_, i) => wOf(i) / over);
    const seedD = l.map((_, i) => (kind === 'mean' && sd !== 0 ? (-wOf(i) * sl) / (sd * sd) : 0));
    const dPass = g!.denominator!;
    return finish([
      { pass, seed: seedL },
      { pass: dPass, seed: seedD },
    ]);
  }

  /** Each pass seeded (in the callers' layout of its root), their gradients added. */
  function finish(passes: readonly { readonly pass: typeof pass; readonly seed: Float64Array }[]): RefGradients {
    for (const p of passes) {
      const r = ev.value(p.pass.root);
      const at = ev.atBoundary(r, p.pass.root);
      ev.preset(p.pass.seed, { shape: r.shape, data: ev.expandTo({ axes: at.axes, shape: at.shape, data: p.seed }, r.axes) });
    }
    const grads: Record<string, RefTensor> = {};
    for (const input of fn.inputs.filter((i) => i.elem === 'real')) {
      // A union input given as class indices has no gradient.
      if (inputs[input.name] && unionShapeIsIndices(fn, input, shapes)) continue;
      const shape = inputs[input.name]?.shape ?? declaredShape(fn, input, dims);
      const data = new Float64Array(prod(shape));
      for (const p of passes) {
        const share = p.pass.grads.find((x) => x.input === input.name);
        // The gradient node may lack axes of the input (it is the same along them): broadcast.
        if (share) ev.expandTo(ev.value(share.node), input.axes).forEach((v, k) => (data[k] = data[k]! + v));
      }
      grads[input.name] = { shape, data };
    }
    return withAliases(grads);
  }

  function withAliases(grads: Record<string, RefTensor>): RefGradients {
    // Last first, so that a chain (z = y = x, both left out) adds z's into y's before y's into x's.
    for (const alias of [...aliases].reverse()) {
      const into = (alias.default as { input: string }).input;
      const g = grads[alias.name];
      if (g && grads[into]) grads[into] = { shape: grads[into].shape, data: grads[into].data.map((v, k) => v + g.data[k]!) };
      delete grads[alias.name];
    }
    return { value, grads };
  }
}

/** A divided mean's per-sample denominators (select(m, d, 0)) in the per-sample losses' boundary layout. */
function denominatorsOf(fn: IrFunction, ev: RefEvaluator): Float64Array | undefined {
  const r = fn.reduction;
  return r?.denominator === undefined ? undefined : ev.expandTo(ev.value(r.denominator), boundaryAxes(fn, r.perSample));
}

/**
 * The inputs with each one left out that defaults to another input (`y: [N] = x`) given as that
 * input's tensor, in declaration order (so a chain z = y = x ends at x). One whose input is
 * left out too, and filled with a constant, stays out: fillInput follows the chain.
 */
function withDefaultInputs(fn: IrFunction, inputs: Record<string, RefTensor>): Record<string, RefTensor> {
  const out = { ...inputs };
  for (const i of fn.inputs) {
    if (out[i.name] === undefined && typeof i.default === 'object' && out[i.default.input] !== undefined) out[i.name] = out[i.default.input]!;
  }
  return out;
}

/** Class indices of written-out dims given with a trailing size-1 axis ([N, 1], Keras), without it. */
function classIndicesFlat(fn: IrFunction, inputs: Record<string, RefTensor>): Record<string, RefTensor> {
  const out = { ...inputs };
  for (const i of fn.inputs) {
    const t = inputs[i.name];
    if (t && trailingOne(i) && t.shape.length === i.axes.length + 1 && t.shape.at(-1) === 1) out[i.name] = { shape: t.shape.slice(0, -1), data: t.data };
  }
  return out;
}

/**
 * Class indices `t` given for a union input (`y: index[N] of C | [N, C]`): its one-hot
 * probabilities, row-major in the input's declared axes (the class axis anywhere among them,
 * `...` standing for the rest dims `rest`).
 */
function unionOneHot(fn: IrFunction, decl: IrFunction['inputs'][number], t: RefTensor, sizes: ReadonlyMap<string, number>, rest: readonly number[]): Float64Array {
  const { axes, of } = decl.orIndices!;
  const depth = sizes.get(of);
  if (depth === undefined) throw new Error(`internal: ${fn.name}: no size for ${of}`);
  const expand = (list: readonly { readonly name: string; readonly dim: string }[]): number[] => list.flatMap((a) => (a.name === REST ? rest : [sizes.get(a.dim)!]));
  const want = expand(axes);
  const at = givenPosition(decl.axes, unionClassAt(decl), rest.length);
  // [B, 1, P] as [B, P]: the same data.
  const shape = t.shape.length === want.length ? t.shape : t.shape.filter((_, k) => k !== at);
  if (shape.length !== want.length || shape.some((s, k) => s !== want[k])) {
    throw new EvalError(`${fn.name}: input '${decl.name}' (class indices) has shape [${t.shape.join(', ')}], but [${axes.map((a) => a.dim).join(', ')}] is [${want.join(', ')}]`);
  }
  if (depth === 1) throw new EvalError(`${fn.name}: input '${decl.name}' is given as class indices of ${of}, which has size 1: with a single class every index is 0 and its one-hot row all 1, so the labels would be lost; give '${decl.name}' as probabilities`);
  const bad = t.data.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= depth);
  if (bad >= 0) throw new EvalError(`${fn.name}: input '${decl.name}' holds class index ${t.data[bad]}, outside [0, ${depth}) of ${of}`);
  const outer = prod(shape.slice(0, at));
  const inner = prod(shape.slice(at));
  const out = new Float64Array(outer * depth * inner);
  // Index element (o, i) of t sits at (o, t[o, i], i) of the result.
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out[(o * depth + t.data[o * inner + i]!) * inner + i] = 1;
  return out;
}

/** A left-out optional input: its default everywhere, in the shape the dims give it. */
function fillInput(fn: IrFunction, decl: IrFunction['inputs'][number], dims: ResolvedDims): RefTensor {
  if (decl.default === undefined) throw new EvalError(`${fn.name}: input '${decl.name}' is missing`);
  if (typeof decl.default === 'object') {
    // Its input is left out too: what fills that one (the same shape).
    const name = decl.default.input;
    const other = fn.inputs.find((i) => i.name === name);
    if (!other) throw new Error(`internal: ${fn.name}: '${decl.name}' defaults to '${name}', which is not an input`);
    return fillInput(fn, other, dims);
  }
  const shape = declaredShape(fn, decl, dims);
  return { shape, data: new Float64Array(prod(shape)).fill(decl.default) };
}

/**
 * A loss with function parameters: each function is called once per call site; when the
 * functions return several tensors (layers), the loss is evaluated with the k-th tensor of
 * each, its result dims read from that tensor, and the values are averaged over k.
 */
function evaluateLayers(fn: IrFunction, inputs: Record<string, RefTensor>, hypers: Record<string, number>, dims: ResolvedDims, options: RefOptions): RefTensor {
  if (options.reduction !== undefined || options.weights !== undefined) {
    throw new EvalError(`${fn.name}: a loss with function parameters takes no 'reduction' or 'weights' option`);
  }
  const live = liveNodes(fn);
  const calls = fn.nodes.filter((n) => n.op === 'apply' && live.has(n.id));
  const base = new RefEvaluator(fn, inputs, hypers, dims);
  const results = calls.map((node) => {
    const f = options.functions?.[node.attrs.name!];
    if (!f) throw new EvalError(`${fn.name}: no function given for parameter '${node.attrs.name}'`);
    const arg = base.value(node.args[0]!);
    const axes = applyArgumentAxes(fn, node.id);
    const r = f({ shape: base.shapeOfAxes(axes), data: base.expandTo(arg, axes) });
    return isTensorList(r) ? r : [r];
  });
  const layers = results[0]?.length ?? 0;
  if (layers === 0 || results.some((r) => r.length !== layers)) {
    throw new EvalError(`${fn.name}: the function parameters returned ${results.map((r) => r.length).join(' and ')} tensors; they must return the same number, at least one`);
  }
  let total: Float64Array | undefined;
  let shape: number[] = [];
  for (let k = 0; k < layers; k++) {
    const layer = layerDims(fn, calls, results.map((r) => r[k]!.shape), dims);
    const ev = new RefEvaluator(fn, inputs, hypers, layer);
    calls.forEach((node, j) => ev.preset(node.id, results[j]![k]!));
    const v = options.node !== undefined ? ev.value(options.node) : ev.atBoundary(ev.value(fn.output), fn.output);
    shape = v.shape;
    total = total ? total.map((x, i) => x + v.data[i]!) : Float64Array.from(v.data);
  }
  return { shape, data: total!.map((x) => x / layers) };
}

/** The slices of `t` along its first axis. */
function slices(t: RefTensor): RefTensor[] {
  const inner = t.shape.slice(1);
  const n = prod(inner);
  return Array.from({ length: t.shape[0]! }, (_, k) => ({ shape: inner, data: t.data.slice(k * n, (k + 1) * n) }));
}

/**
 * The dims of a loss with a ragged list: those of its other inputs, K the number of elements,
 * and the element's named dims, the same in every element (their '...' dims are their own).
 */
function raggedDims(fn: IrFunction, split: RaggedSplit, shapes: Record<string, number[]>, options: RefOptions): ResolvedDims {
  const input = split.input;
  const elements = options.lists?.[input.name];
  if (!elements) throw new EvalError(`${fn.name}: no elements given for the ragged list '${input.name}' (options.lists)`);
  if (elements.length === 0) throw new EvalError(`${fn.name}: the ragged list '${input.name}' is empty`);
  const base = resolveDims({ ...fn, inputs: fn.inputs.filter((i) => i !== input) }, shapes);
  const sizes = new Map(base.sizes);
  const known = (dim: string, size: number, where: string): void => {
    const was = sizes.get(dim);
    if (was === undefined) sizes.set(dim, size);
    else if (was !== size) throw new ShapeError(`${fn.name}: dimension ${dim} of ${where} is ${size}, but it is ${was} elsewhere`);
  };
  known(split.listDim, elements.length, `the ragged list '${input.name}'`);
  const axes = input.axes.slice(1);
  const restAt = axes.findIndex((a) => a.name === REST);
  const named = axes.filter((a) => a.name !== REST);
  elements.forEach((e, k) => {
    if (e.shape.length < named.length) throw new ShapeError(`${fn.name}: element ${input.name}[${k}] should have at least ${named.length} dimensions, but has shape [${e.shape.join(', ')}]`);
    const restCount = e.shape.length - named.length;
    named.forEach((a, i) => known(a.dim, e.shape[restAt < 0 || i < restAt ? i : restCount + i]!, `element ${input.name}[${k}]`));
  });
  return { sizes, rest: base.rest };
}

/** `v` at position k of its axis `at`, without that axis. */
function sliceAt(v: Val, at: number, k: number): Val {
  const inner = prod(v.shape.slice(at + 1));
  const outerN = prod(v.shape.slice(0, at));
  const n = v.shape[at]!;
  const data = new Float64Array(outerN * inner);
  for (let o = 0; o < outerN; o++) for (let i = 0; i < inner; i++) data[o * inner + i] = v.data[(o * n + k) * inner + i]!;
  return { axes: v.axes.filter((_, j) => j !== at), shape: v.shape.filter((_, j) => j !== at), data };
}

/**
 * Computes, for each element of the ragged list, the per-element part of the loss with that
 * element's '...' dims, and presets the cuts in `outer` to those values stacked along the list
 * axis. With `node` one of the per-element nodes (not a cut): its values in every element,
 * flat, one element's after another (elements' shapes differ, so they stack no other way).
 */
function evaluateElements(fn: IrFunction, split: RaggedSplit, outer: RefEvaluator, inputs: Record<string, RefTensor>, hypers: Record<string, number>, dims: ResolvedDims, elements: readonly RefTensor[], node?: NodeId): RefTensor | undefined {
  const axes = split.input.axes.slice(1);
  const restAt = axes.findIndex((a) => a.name === REST);
  const namedCount = axes.filter((a) => a.name !== REST).length;
  const perCut = new Map<NodeId, Val[]>(split.cuts.map((c) => [c, []]));
  const wanted = node !== undefined && split.perElement.has(node) && !split.cuts.includes(node) ? node : undefined;
  const values: number[] = [];
  // Values along the list axis not computed from the list: element k reads their slice at k.
  const along = split.sliced.map((id) => ({ id, v: outer.value(id) }));
  elements.forEach((e, k) => {
    const restCount = e.shape.length - namedCount;
    const rest = restAt < 0 ? [] : e.shape.slice(restAt, restAt + restCount);
    const ev = new RefEvaluator(split.element, { ...inputs, [split.input.name]: e }, hypers, { sizes: dims.sizes, rest });
    for (const r of split.resizes) {
      const node = split.element.nodes[r]!;
      ev.presetVal(r, resizeNearest(outer.value(node.args[0]!), dims, node.type.axes, rest, node.attrs.mode!));
    }
    for (const { id, v } of along) ev.presetVal(id, sliceAt(v, v.axes.findIndex((a) => a.dim === split.listDim), k));
    for (const c of split.cuts) perCut.get(c)!.push(ev.value(c));
    if (wanted !== undefined) values.push(...ev.value(wanted).data);
  });
  if (wanted !== undefined) return { shape: [values.length], data: Float64Array.from(values) };
  for (const c of split.cuts) {
    const node = fn.nodes[c]!;
    const at = node.type.axes.findIndex((a) => a.dim === split.listDim);
    const vals = perCut.get(c)!;
    // Row-major: the elements' values side by side along the list axis at position `at`.
    const shape = node.type.axes.map((a) => (a.dim === split.listDim ? vals.length : dims.sizes.get(a.dim)!));
    const inner = prod(shape.slice(at + 1));
    const outerN = prod(shape.slice(0, at));
    const data = new Float64Array(prod(shape));
    vals.forEach((v, k) => {
      for (let o = 0; o < outerN; o++) for (let i = 0; i < inner; i++) data[(o * vals.length + k) * inner + i] = v.data[o * inner + i]!;
    });
    outer.preset(c, { shape, data });
  }
}

/**
 * torch's nearest-neighbour source position (ATen UpSample.h, the output size given): scale =
 * float32(in / out); 'nearest' floor(float32(d · scale)) (the same position when the sizes
 * agree, d / 2 when the output is twice the input), 'nearest-exact' floor(float32((d + 0.5) ·
 * scale)); at most in - 1.
 */
function nearestFrom(mode: string, d: number, inSize: number, outSize: number): number {
  const scale = Math.fround(inSize / outSize);
  if (mode === 'nearest') {
    if (inSize === outSize) return d;
    if (outSize === 2 * inSize) return Math.floor(d / 2);
    return Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
  }
  return Math.min(Math.floor(Math.fround((d + 0.5) * scale)), inSize - 1);
}

/** `x` (the loss's '...' dims `dims.rest`) resampled to '...' dims `rest`, laid out as `axes` (with `rest`). */
function resizeNearest(x: Val, dims: ResolvedDims, axes: readonly Axis[], rest: readonly number[], mode: string): Val {
  if (rest.length !== dims.rest.length) throw new ShapeError(`resize: the '...' dims [${rest.join(', ')}] of the element and [${dims.rest.join(', ')}] of the resized tensor differ in number`);
  const sizeOf = (a: Axis, own: readonly number[]): number[] => (a.name === REST ? [...own] : [dims.sizes.get(a.dim)!]);
  const outShape = axes.flatMap((a) => sizeOf(a, rest));
  // Strides of x by axis name (the rest dims one by one), 0 where x lacks the axis (broadcast).
  const stride = new Map<string, number[]>();
  let s = 1;
  for (let i = x.axes.length - 1; i >= 0; i--) {
    const a = x.axes[i]!;
    const ds = sizeOf(a, dims.rest);
    const list: number[] = [];
    for (let j = ds.length - 1; j >= 0; j--) {
      list.unshift(s);
      s *= ds[j]!;
    }
    stride.set(a.name, list);
  }
  const maps = rest.map((out, j) => Array.from({ length: out }, (_, d) => nearestFrom(mode, d, dims.rest[j]!, out)));
  const data = new Float64Array(prod(outShape));
  const index = outShape.map(() => 0);
  for (let flat = 0; flat < data.length; flat++) {
    let at = 0;
    let pos = 0;
    for (const a of axes) {
      const own = stride.get(a.name);
      if (a.name === REST) {
        rest.forEach((_, j) => {
          at += own![j]! * maps[j]![index[pos + j]!]!;
        });
        pos += rest.length;
      } else {
        at += (own?.[0] ?? 0) * index[pos]!;
        pos += 1;
      }
    }
    data[flat] = x.data[at]!;
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return { axes, shape: outShape, data };
}

function isTensorList(r: RefTensor | readonly RefTensor[]): r is readonly RefTensor[] {
  return Array.isArray(r);
}

function out(v: Val): RefTensor {
  return { shape: [...v.shape], data: v.data };
}

/** Weights broadcast to `shape`: aligned from the left (a per-sample prefix), dims may be 1. */
/** The mask of a masked outer reduction as 0/1, in the per-sample losses' boundary layout. */
function maskOf(fn: IrFunction, ev: RefEvaluator): Float64Array | undefined {
  const r = fn.reduction;
  return r?.mask === undefined ? undefined : ev.expandTo(ev.value(r.mask), boundaryAxes(fn, r.perSample)).map((v) => (v !== 0 ? 1 : 0));
}

/** Weights under a mask: w·m (the mask alone when unweighted). */
function maskedWeights(w: Float64Array | undefined, m: Float64Array | undefined): Float64Array | undefined {
  if (!m) return w;
  return w ? w.map((v, i) => v * m[i]!) : m;
}

function expandWeights(loss: string, w: RefTensor, shape: readonly number[]): Float64Array {
  const ok = w.shape.length <= shape.length && w.shape.every((s, i) => s === shape[i] || s === 1);
  if (!ok || w.data.length !== prod(w.shape)) {
    throw new ShapeError(
      `${loss}: 'weights' has shape [${w.shape.join(', ')}], but must be the per-sample shape [${shape.join(', ')}] or a prefix of it`,
    );
  }
  const strides = shape.map(() => 0);
  let stride = 1;
  for (let d = w.shape.length - 1; d >= 0; d--) {
    if (w.shape[d] !== 1) strides[d] = stride;
    stride *= w.shape[d]!;
  }
  return Float64Array.from(offsets(shape, strides), (o) => w.data[o]!);
}

/** Offsets into a tensor with the given per-dimension strides, for every index of `shape`. */
function offsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const size = prod(shape);
  const res = new Int32Array(size);
  const idx = new Array<number>(shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < size; i++) {
    res[i] = off;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return res;
}

function fromDType(d: DType, x: number): number {
  return d === 'bool' ? (x !== 0 && !Number.isNaN(x) ? 1 : 0) : x;
}

// Typed by the IR's op names: a new unary or binary op is a type error here until it has a meaning.
const UNARY: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  softplus: (x) => softplus(x),
  log_sigmoid: (x) => -softplus(-x),
  tanh: Math.tanh,
  cosh: Math.cosh,
  erf: (x) => erf(x),
  atan: Math.atan,
  sin: Math.sin,
  cos: Math.cos,
  asinh: Math.asinh,
  lgamma: lgammaRef,
  digamma: digammaRef,
  trigamma: trigammaRef,
  relu: (x) => (x > 0 || Number.isNaN(x) ? x : 0), // NaN stays NaN, as in tfjs
  floor: Math.floor,
  not: (x) => (x === 0 ? 1 : 0),
  to_real: (x) => x,
  detach: (x) => x,
};

/**
 * erf below |x| = 3 by the series without cancellation, (2/√π) e^(-x²) Σ 2^n x^(2n+1) / (1·3·…·(2n+1))
 * (every term positive); above, 1 - erfc with erfc x = (2/√π) ∫ₓ^∞ e^(-t²) dt by Simpson's rule
 * (the integrand is below e^-81 past x + 6); 1 in float64 beyond |x| = 6.
 */
function erf(x: number): number {
  if (Number.isNaN(x) || Math.abs(x) >= 6) return Number.isNaN(x) ? NaN : Math.sign(x);
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 500 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  const steps = 20000;
  const h = 6 / steps;
  let integral = 0;
  for (let k = 0; k <= steps; k++) {
    const t = a + k * h;
    integral += (k === 0 || k === steps ? 1 : k % 2 === 1 ? 4 : 2) * Math.exp(-t * t);
  }
  return Math.sign(x) * (1 - ((2 / Math.sqrt(Math.PI)) * integral * h) / 3);
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

const b = (c: boolean): number => (c ? 1 : 0);
const BINARY: Readonly<Record<BinaryOp, (x: number, y: number) => number>> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => Math.pow(x, y),
  atan2: Math.atan2,
  maximum: (x, y) => Math.max(x, y),
  minimum: (x, y) => Math.min(x, y),
  eq: (x, y) => b(x === y),
  ne: (x, y) => b(x !== y),
  lt: (x, y) => b(x < y),
  le: (x, y) => b(x <= y),
  gt: (x, y) => b(x > y),
  ge: (x, y) => b(x >= y),
  and: (x, y) => b(x !== 0 && y !== 0),
  or: (x, y) => b(x !== 0 || y !== 0),
};

class RefEvaluator {
  private readonly memo = new Map<NodeId, Val>();

  constructor(
    private readonly fn: IrFunction,
    private readonly inputs: Record<string, RefTensor>,
    private readonly hypers: Record<string, number>,
    private readonly dims: ResolvedDims,
  ) {}

  /** The value of node `id`, computing its live operands first (iteratively: deep graphs are fine). */
  value(id: NodeId): Val {
    return evaluateInOrder(this.fn.nodes, id, this.memo, (node, args) => this.compute(node, args));
  }

  /** Fixes a node's value, laid out as `v.axes` says. */
  presetVal(id: NodeId, v: Val): void {
    this.memo.set(id, v);
  }

  /** Fixes a node's value (a function parameter's result, a backward pass's seed). */
  preset(id: NodeId, t: RefTensor): void {
    const node = this.fn.nodes[id]!;
    this.memo.set(id, { axes: node.type.axes, shape: [...t.shape], data: t.data });
  }

  private dimsOf(axis: Axis): readonly number[] {
    if (axis.name === REST) return this.dims.rest;
    const size = this.dims.sizes.get(axis.dim);
    if (size === undefined) throw new Error(`internal: ${this.fn.name}: no size for dimension ${axis.dim}`);
    return [size];
  }

  private shapeOf(axes: readonly Axis[]): number[] {
    return axes.flatMap((a) => this.dimsOf(a));
  }

  /** Strides of a tensor laid out as `axes`, for every dim of the layout `to` (0 where `v` lacks the axis: broadcast). */
  private stridesIn(axes: readonly Axis[], to: readonly Axis[], skip?: string): number[] {
    const own = new Map<string, number[]>();
    let stride = 1;
    for (let i = axes.length - 1; i >= 0; i--) {
      const ds = this.dimsOf(axes[i]!);
      const list: number[] = [];
      for (let j = ds.length - 1; j >= 0; j--) {
        list.unshift(stride);
        stride *= ds[j]!;
      }
      own.set(axes[i]!.name, list);
    }
    return to.flatMap((a) => (a.name !== skip && own.get(a.name)) || this.dimsOf(a).map(() => 0));
  }

  /** The shape of a tensor laid out as `axes`. */
  shapeOfAxes(axes: readonly Axis[]): number[] {
    return this.shapeOf(axes);
  }

  /** `v` materialised in the layout `to` (a superset of its axes, by name). */
  expandTo(v: Val, to: readonly Axis[]): Float64Array {
    return this.expand(v, to);
  }

  /** `v`, the value of node `id` (a loss's result or per-sample losses), in the layout callers see. */
  atBoundary(v: Val, id: NodeId): Val {
    const axes = boundaryAxes(this.fn, id);
    return { axes, shape: this.shapeOf(axes), data: this.expand(v, axes) };
  }

  private expand(v: Val, to: readonly Axis[]): Float64Array {
    const offs = offsets(this.shapeOf(to), this.stridesIn(v.axes, to));
    return Float64Array.from(offs, (o) => v.data[o]!);
  }

  private make(node: IrNode, data: Float64Array): Val {
    const d = node.type.dtype;
    if (d === 'bool') data = data.map((x) => fromDType(d, x));
    return { axes: node.type.axes, shape: this.shapeOf(node.type.axes), data };
  }

  private compute(node: IrNode, args: Val[]): Val {
    const layout = node.type.axes;
    const [x, y, z] = args;
    switch (node.op) {
      case 'input':
        return this.input(node);
      case 'const':
        return this.make(node, Float64Array.of(node.attrs.value!));
      case 'size': {
        // The rest axis stands for several dims: its size is their product.
        const n = node.attrs.dim === REST ? prod(this.dims.rest) : this.dims.sizes.get(node.attrs.dim!);
        if (n === undefined) throw new Error(`internal: ${this.fn.name}: no size for dimension ${node.attrs.dim}`);
        return this.make(node, Float64Array.of(n));
      }
      case 'iota': {
        const n = this.dimsOf(layout[0]!)[0]!;
        return this.make(node, Float64Array.from({ length: n }, (_, i) => i));
      }
      case 'select': {
        const [c, t, e] = [this.expand(x!, layout), this.expand(y!, layout), this.expand(z!, layout)];
        return this.make(node, c.map((ci, i) => (ci !== 0 ? t[i]! : e[i]!)));
      }
      case 'sum': case 'mean': case 'max': case 'min': case 'prod': case 'logsumexp': case 'any': case 'all':
        return this.reduce(node, x!, y);
      case 'softmax':
      case 'log_softmax':
        return this.softmax(node, x!);
      case 'sort':
      case 'unsort':
      case 'cumsum':
        return this.alongLines(node, x!, y);
      case 'gather':
        return this.gather(node, x!, y!);
      case 'rename':
        return { axes: layout, shape: x!.shape, data: x!.data };
      case 'pick':
        return this.pick(node, x!);
      case 'flatten':
      case 'unflatten':
        return this.regroup(node, x!);
      case 'contract':
        return this.contract(node, x!, y!);
      default: {
        if (OPS[node.op].kind === 'unary') return this.make(node, x!.data.map(UNARY[node.op as UnaryOp]));
        if (OPS[node.op].kind !== 'binary') throw new Error(`internal: reference evaluator has no case for op ${node.op}`);
        const f = BINARY[node.op as BinaryOp];
        const [p, q] = [this.expand(x!, layout), this.expand(y!, layout)];
        return this.make(node, p.map((pi, i) => f(pi, q[i]!)));
      }
    }
  }

  private input(node: IrNode): Val {
    const name = node.attrs.name!;
    const decl = this.fn.inputs.find((i) => i.name === name);
    if (decl) {
      const given = this.inputs[name];
      const t = given ?? fillInput(this.fn, decl, this.dims);
      if (t.data.length !== prod(t.shape)) {
        throw new ShapeError(`${this.fn.name}: input '${name}' has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
      }
      // A union input of its class indices' rank is them: one-hot here, in float64.
      if (unionShapeIsIndices(this.fn, decl, { ...Object.fromEntries(Object.entries(this.inputs).map(([k, v]) => [k, v.shape])), [name]: t.shape })) return this.make(node, unionOneHot(this.fn, decl, t, this.dims.sizes, this.dims.rest));
      if (decl.elem === 'int' || decl.elem === 'index') {
        const bad = t.data.findIndex((v) => !Number.isInteger(v));
        if (bad >= 0) throw new EvalError(`${this.fn.name}: input '${name}' must hold whole numbers, but has ${t.data[bad]} at flat position ${bad}`);
      }
      if (decl.elem === 'index' && decl.indexOf !== undefined) {
        const n = this.dims.sizes.get(decl.indexOf);
        // `ignore h`: h's value is admitted too.
        const h = decl.ignore === undefined ? undefined : this.hypers[decl.ignore] ?? this.fn.hypers.find((x) => x.name === decl.ignore)?.default;
        const bad = n === undefined ? -1 : t.data.findIndex((v) => (v < 0 || v >= n) && v !== h);
        if (bad >= 0) throw new EvalError(`${this.fn.name}: input '${name}' holds class index ${t.data[bad]}, outside [0, ${n}) of ${decl.indexOf}${decl.ignore !== undefined ? ` and not its ignore value ${decl.ignore} = ${h}` : ''}`);
      }
      return this.make(node, Float64Array.from(t.data));
    }
    const hyper = this.fn.hypers.find((h) => h.name === name);
    if (!hyper) throw new Error(`internal: ${this.fn.name}: input node names unknown '${name}'`);
    const v = this.hypers[name] ?? hyper.default;
    if (v === undefined) throw new EvalError(`${this.fn.name}: hyperparameter '${name}' has no value and no default`);
    if (hyper.elem === 'int' && !Number.isInteger(v)) throw new EvalError(`${this.fn.name}: hyperparameter '${name}' must be a whole number, got ${v}`);
    return this.make(node, Float64Array.of(v));
  }

  /** For every element of the layout `from`, the flat position of its group in `to` (a subset). */
  private groups(from: readonly Axis[], to: readonly Axis[]): Int32Array {
    return offsets(this.shapeOf(from), this.stridesIn(to, from));
  }

  private reduce(node: IrNode, x: Val, mask: Val | undefined): Val {
    const all = mask ? unionAxes(x.axes, mask.axes) : x.axes;
    const xs = this.expand(x, all);
    const ms = mask ? this.expand(mask, all) : undefined;
    const g = this.groups(all, node.type.axes);
    const n = prod(this.shapeOf(node.type.axes));
    const count = new Float64Array(n);
    const sel = (i: number): boolean => !ms || ms[i] !== 0;
    xs.forEach((_, i) => sel(i) && count[g[i]!]!++);
    const fold = (init: number, f: (acc: number, v: number) => number): Float64Array => {
      const acc = new Float64Array(n).fill(init);
      xs.forEach((v, i) => sel(i) && (acc[g[i]!] = f(acc[g[i]!]!, v)));
      return acc;
    };
    let res: Float64Array;
    switch (node.op) {
      case 'sum': res = fold(0, (a, v) => a + v); break;
      case 'prod': res = fold(1, (a, v) => a * v); break;
      case 'max': res = fold(-Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)); break;
      case 'min': res = fold(Infinity, (a, v) => (v < a || Number.isNaN(v) ? v : a)); break;
      case 'any': res = fold(0, (a, v) => b(a !== 0 || v !== 0)); break;
      case 'all': res = fold(1, (a, v) => b(a !== 0 && v !== 0)); break;
      case 'mean': res = fold(0, (a, v) => a + v).map((s, k) => s / count[k]!); break;
      case 'logsumexp': {
        // Max-shifted; the shift is 0 when the max is ±inf so that all -inf gives -inf.
        const m = fold(-Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)).map((v) => (Number.isFinite(v) ? v : 0));
        const s = new Float64Array(n);
        xs.forEach((v, i) => {
          const k = g[i]!;
          if (sel(i)) s[k] = s[k]! + Math.exp(v - m[k]!);
        });
        res = s.map((v, k) => Math.log(v) + m[k]!);
        break;
      }
      default:
        throw new Error(`internal: ${node.op} is not a reduction`);
    }
    if (ms) {
      const natural = { sum: 0, prod: 1, any: 0, all: 1 }[node.op as string] ?? NaN;
      const empty = node.attrs.empty ?? natural;
      res = res.map((v, k) => (count[k] === 0 ? empty : v));
    }
    return this.make(node, res);
  }

  /** sum(a * b) over the contracted axes, elementwise in float64: the definition, not the matMul. */
  private contract(node: IrNode, a: Val, b: Val): Val {
    const all = unionAxes(a.axes, b.axes);
    const [p, q] = [this.expand(a, all), this.expand(b, all)];
    const g = this.groups(all, node.type.axes);
    const res = new Float64Array(prod(this.shapeOf(node.type.axes)));
    p.forEach((pi, i) => (res[g[i]!] = res[g[i]!]! + pi * q[i]!));
    return this.make(node, res);
  }

  private softmax(node: IrNode, x: Val): Val {
    const rest = x.axes.filter((a) => a.name !== node.attrs.axis);
    const g = this.groups(x.axes, rest);
    const n = prod(this.shapeOf(rest));
    const m = new Float64Array(n).fill(-Infinity);
    x.data.forEach((v, i) => (m[g[i]!] = Math.max(m[g[i]!]!, v)));
    const shift = m.map((v) => (Number.isFinite(v) ? v : 0));
    const s = new Float64Array(n);
    x.data.forEach((v, i) => {
      const k = g[i]!;
      s[k] = s[k]! + Math.exp(v - shift[k]!);
    });
    const lse = s.map((v, k) => Math.log(v) + shift[k]!);
    const logp = x.data.map((v, i) => v - lse[g[i]!]!);
    return this.make(node, node.op === 'softmax' ? logp.map(Math.exp) : logp);
  }

  /**
   * sort, unsort, cumsum: each line along the axis (the flat positions of one combination of
   * the other axes, in order along it) on its own. The order of a line is its key's, ascending
   * or descending, equal keys in their order along the line (a stable sort).
   */
  private alongLines(node: IrNode, x: Val, key: Val | undefined): Val {
    const layout = node.type.axes;
    const xs = this.expand(x, layout);
    const rest = layout.filter((a) => a.name !== node.attrs.axis);
    const g = this.groups(layout, rest);
    const lines = new Map<number, number[]>();
    g.forEach((line, i) => (lines.get(line) ?? lines.set(line, []).get(line)!).push(i));
    const out = new Float64Array(xs.length);
    const ks = key ? this.expand(key, layout) : xs;
    for (const at of lines.values()) {
      if (node.op === 'cumsum') {
        const walk = node.attrs.reverse ? [...at].reverse() : at;
        let s = 0;
        for (const i of walk) out[i] = s += xs[i]!;
        continue;
      }
      // A key holding NaN has no order: its line is NaN throughout (as the lowering gives it).
      if (at.some((i) => Number.isNaN(ks[i]!))) {
        for (const i of at) out[i] = NaN;
        continue;
      }
      const sign = node.attrs.descending ? -1 : 1;
      // Array.prototype.sort is stable: ties keep their order along the line.
      const order = at.map((_, j) => j).sort((p, q) => sign * (ks[at[p]!]! - ks[at[q]!]!) || 0);
      order.forEach((from, j) => {
        if (node.op === 'sort') out[at[j]!] = xs[at[from]!]!;
        else out[at[from]!] = xs[at[j]!]!;
      });
    }
    return this.make(node, out);
  }

  /** result[r] = x[r without axis, axis = idx[r]], with r in the result layout. */
  private gather(node: IrNode, x: Val, idx: Val): Val {
    const axisName = node.attrs.axis!;
    const axis = x.axes.find((a) => a.name === axisName);
    if (!axis) throw new Error(`internal: gather along ${axisName}, which its operand lacks`);
    const size = this.dimsOf(axis)[0]!;
    const layout = node.type.axes;
    const base = offsets(this.shapeOf(layout), this.stridesIn(x.axes, layout, axisName));
    const step = this.stridesIn(x.axes, [axis])[0]!;
    const ids = this.expand(idx, layout);
    return this.make(
      node,
      Float64Array.from(base, (o, i) => {
        const k = ids[i]!;
        if (!Number.isInteger(k) || k < 0 || k >= size) {
          throw new EvalError(`${this.fn.name}: index ${k} along ${axisName} is not a whole number in [0, ${size}) (${axis.dim} = ${size})`);
        }
        return x.data[o + k * step]!;
      }),
    );
  }

  /** One position along an axis; a negative index counts from the end. */
  /**
   * flatten and unflatten, element by element from the definition: the merged position of
   * (h, w) is h·|W| + w, the first axis listed the major one. An operand lacking an axis is
   * the same along it.
   */
  private regroup(node: IrNode, x: Val): Val {
    // The rest dims (`flatten(x, ..., S)`) are parts each, keyed by position as below.
    const parts = (node.attrs.axes ?? []).flatMap((name, k) => (name === REST ? this.dims.rest.map((size, j) => ({ name: `${REST}${j}`, size })) : [{ name, size: this.dimsOf({ name, dim: node.attrs.dims![k]! })[0]! }]));
    const whole = node.op === 'flatten' ? node.attrs.to! : node.attrs.axis!;
    // How far one step along each dim of x moves in its data (rest dims keyed by position).
    const step = new Map<string, number>();
    let stride = 1;
    for (let i = x.axes.length - 1; i >= 0; i--) {
      const a = x.axes[i]!;
      const ds = this.dimsOf(a);
      for (let j = ds.length - 1; j >= 0; j--) {
        step.set(a.name === REST ? `${REST}${j}` : a.name, stride);
        stride *= ds[j]!;
      }
    }
    const keys = node.type.axes.flatMap((a) => (a.name === REST ? this.dims.rest.map((_, j) => `${REST}${j}`) : [a.name]));
    const shape = this.shapeOf(node.type.axes);
    const data = new Float64Array(prod(shape));
    const coord = new Map<string, number>();
    for (let e = 0; e < data.length; e++) {
      let rem = e;
      for (let d = keys.length - 1; d >= 0; d--) {
        coord.set(keys[d]!, rem % shape[d]!);
        rem = Math.floor(rem / shape[d]!);
      }
      let at = 0;
      if (node.op === 'flatten') {
        let s = coord.get(whole)!;
        for (let m = parts.length - 1; m >= 0; m--) {
          at += (s % parts[m]!.size) * (step.get(parts[m]!.name) ?? 0);
          s = Math.floor(s / parts[m]!.size);
        }
        for (const k of keys) if (k !== whole) at += coord.get(k)! * (step.get(k) ?? 0);
      } else {
        let s = 0;
        for (const p of parts) s = s * p.size + (coord.get(p.name) ?? 0);
        if (keys.some((k) => parts.some((p) => p.name === k))) at += s * (step.get(whole) ?? 0);
        for (const k of keys) if (!parts.some((p) => p.name === k)) at += coord.get(k)! * (step.get(k) ?? 0);
      }
      data[e] = x.data[at]!;
    }
    return this.make(node, data);
  }

  private pick(node: IrNode, x: Val): Val {
    const axis = x.axes.find((a) => a.name === node.attrs.axis);
    if (!axis) throw new Error(`internal: pick along ${node.attrs.axis}, which its operand lacks`);
    const size = this.dimsOf(axis)[0]!;
    const k = node.attrs.index! < 0 ? node.attrs.index! + size : node.attrs.index!;
    if (!Number.isInteger(k) || k < 0 || k >= size) {
      throw new EvalError(`${this.fn.name}: position ${node.attrs.index} is outside ${axis.dim} = ${size}`);
    }
    const step = this.stridesIn(x.axes, [axis])[0]!;
    const base = offsets(this.shapeOf(node.type.axes), this.stridesIn(x.axes, node.type.axes));
    return this.make(node, Float64Array.from(base, (o) => x.data[o + k * step]!));
  }
}

// Runs an IrFunction with TensorFlow.js (float32), forward and with gradients, on the cpu and
// wasm backends. Written apart from the reference evaluator so that each checks the other.
// Gradient rules that shape this file (see PLATFORM-NOTES.md):
// - tfjs has no gradient for comparisons/logical ops, and every op on a path from a
//   differentiated input to the loss must have one. Every bool/int node computed from real
//   operands therefore runs inside `detached`, a customGrad with NO inputs: its output is a
//   fresh tensor the tape cannot trace back to the inputs (a stopGradient).
// - gather's gradient is missing on wasm: gather is sum(x * oneHot(idx), axis) instead.
// - Masked max/min/logsumexp fill unselected entries through where(mask, x, fill), so the
//   gradient to them is exactly 0, and rows with nothing selected use a finite fill.
import * as tf from '@tensorflow/tfjs';
import { alignment, unionAxes } from '../ir/axes.js';
import { OPS, type DType } from '../ir/ops.js';
import { REST, type Axis, type IrBackward, type IrFunction, type IrNode, type NodeId } from '../ir/types.js';
import { withGradients } from '../grad/index.js';
import { savedForBackward } from '../grad/saved.js';
import { liveNodes } from '../ir/live.js';
import { valueInOrder } from '../ir/memo-eval.js';
import { declaredShape, layerDims, resolveDims, ShapeError, type ResolvedDims } from './dims.js';
import { rejectNaN, rejectNonFinite } from './finite.js';
import { EvalError } from './reference.js';

export interface TfjsEvalOptions {
  /** Reduce the per-sample loss this way instead of returning the output (needs fn.reduction). */
  reduction?: 'mean' | 'sum' | 'none';
  /**
   * Weights: the per-sample shape or a prefix of it (left-aligned, broadcast over the trailing
   * dims; a dim may also be 1). 'none' then returns w·l, 'sum' Σ w·l, 'mean' Σ w·l / Σ w.
   */
  weights?: tf.Tensor;
  /** Evaluate this node instead of the output (for tests). */
  node?: NodeId;
  /** Scan real inputs and weights for NaN first (default true), as generated code does. */
  checkValues?: boolean;
  /** Throw when the loss holds NaN or an infinity, naming what led there (finite.ts). */
  checkFinite?: boolean;
  /** The loss's function parameters (e.g. a feature extractor, a tf.LayersModel's apply), by name. */
  functions?: Record<string, (x: tf.Tensor) => tf.Tensor | tf.Tensor[]>;
  /**
   * Differentiate with tfjs's own autodiff through every op, instead of the backward pass the
   * compiler derived (default false; losses with function parameters always use autodiff).
   */
  autodiff?: boolean;
}

type TfDType = 'float32' | 'int32' | 'bool';
const TF_DTYPE: Record<DType, TfDType> = { real: 'float32', int: 'int32', bool: 'bool' };
const INT_MAX = 2147483647;

/** Evaluates the loss (or `options.node`) inside tf.tidy; only the result survives. */
export function evaluateTfjs(
  fn: IrFunction,
  inputs: Record<string, tf.Tensor>,
  hypers: Record<string, number>,
  options: TfjsEvalOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const result = runTaped(fn, prepare(fn, inputs, hypers, options), options);
    // Never hand back a caller's own tensor: disposing the result must not dispose an input.
    return Object.values(inputs).includes(result) ? tf.clone(result) : result;
  });
}

/**
 * The loss as training sees it: wrapped in tf.customGrad with the compiler's backward pass
 * (unless `autodiff`, a function parameter, or a single node is asked for).
 */
function runTaped(fn: IrFunction, prep: Prepared, options: TfjsEvalOptions): tf.Tensor {
  if (options.autodiff || options.node !== undefined) return run(fn, prep, options);
  // Equivalent forms are chosen by the measured op costs of the backend that runs them.
  const derived = withGradients(fn, { target: tf.getBackend() === 'cpu' ? 'cpu' : 'wasm' }).fn;
  if (!derived) return run(fn, prep, options);
  // checkFinite reads values back: done once, forward only, before the taped run.
  if (options.checkFinite) tf.dispose(run(fn, prep, options));
  return runDerived(derived, prep, { ...options, checkFinite: false });
}

/**
 * The forward pass inside a tf.customGrad whose backward evaluates the derived gradient
 * nodes. The forward values the backward reads are saved (tfjs disposes the rest, and may
 * dispose the inputs too before the backward runs); constants, positions and sizes are
 * rebuilt. With `reduction` or `weights`, the per-sample losses are what is wrapped and the
 * reduction is left to tfjs's autodiff (mean, sum and mul have gradients everywhere).
 */
function runDerived(fn: IrFunction, prep: Prepared, options: TfjsEvalOptions): tf.Tensor {
  const g = fn.gradients!;
  // The loss's own reduction, unweighted, is its output: the backward pass of the whole.
  const plain = (options.reduction === undefined || options.reduction === fn.reduction?.kind) && options.weights === undefined;
  const pass = plain ? g.output : g.perSample;
  if (!pass) return run(fn, prep, options); // it reports that the loss takes no reduction
  const real = fn.inputs.filter((i) => i.elem === 'real');
  const saved = savedForBackward(fn, pass, false);
  const wrapped = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const tensors = { ...prep.tensors };
    real.forEach((i, k) => (tensors[i.name] = args[k] as tf.Tensor));
    const forward = new TfRunner(fn, { ...prep, tensors }, true);
    const value = forward.value(pass.root);
    save(saved.map((id) => forward.value(id)));
    const gradFunc = (dy: tf.Tensor, kept: tf.Tensor[]): tf.Tensor[] => {
      const backward = new TfRunner(fn, prep, true);
      saved.forEach((id, k) => backward.preset(id, kept[k]!));
      backward.preset(pass.seed, dy);
      return real.map((input, k) => {
        const x = args[k] as tf.Tensor;
        const share = pass.grads.find((s) => s.input === input.name);
        if (!share) return tf.fill(x.shape, 0);
        return backward.expand(backward.value(share.node), fn.nodes[share.node]!.type.axes, input.axes);
      });
    };
    return { value, gradFunc };
  });
  const value = wrapped(...real.map((i) => prep.tensors[i.name]!));
  return plain ? value : reduce(fn, value, options);
}

/**
 * The loss and its gradients with respect to the real tensor inputs named in `wrt` (a
 * non-scalar loss, e.g. reduction 'none', is summed first, as tf.grad does). An input the loss
 * does not depend on gets a zero gradient.
 */
export function valueAndGradsTfjs(
  fn: IrFunction,
  inputs: Record<string, tf.Tensor>,
  hypers: Record<string, number>,
  wrt: readonly string[],
  options: TfjsEvalOptions = {},
): { value: tf.Tensor; grads: Record<string, tf.Tensor> } {
  for (const name of wrt) {
    const decl = fn.inputs.find((i) => i.name === name);
    if (!decl) throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': it is not a tensor input of the loss`);
    if (decl.elem !== 'real') throw new EvalError(`${fn.name}: cannot differentiate with respect to '${name}': it is ${decl.elem}, not real`);
  }
  return tf.tidy(() => {
    const prep = prepare(fn, inputs, hypers, options);
    const xs = wrt.map((n) => prep.tensors[n]!);
    // checkFinite runs first, off the tape: a throw inside engine.gradients keeps its tensors.
    if (options.checkFinite) run(fn, prep, options);
    const f = (): tf.Tensor => runTaped(fn, prep, { ...options, checkFinite: false });
    // engine.gradients (what tf.valueAndGrads calls) with allowNoGradients: an input with no
    // path to the loss gets zeros instead of an error.
    const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
    const out: Record<string, tf.Tensor> = {};
    wrt.forEach((n, i) => (out[n] = grads[i] ?? tf.zerosLike(xs[i]!)));
    return { value, grads: out };
  });
}

interface Prepared {
  readonly dims: ResolvedDims;
  readonly tensors: Record<string, tf.Tensor>;
  readonly hypers: Readonly<Record<string, number>>;
}

function convert(t: tf.Tensor, dtype: TfDType): tf.Tensor {
  if (t.dtype === dtype) return t;
  // Not tf.cast(t, 'bool'): on wasm it keeps the raw values (2, 255) in a bool tensor.
  return dtype === 'bool' ? tf.notEqual(t, 0) : tf.cast(t, dtype);
}

/** Checks shapes (resolveDims) and value kinds, and converts inputs/hypers to tensors. */
function prepare(fn: IrFunction, inputs: Record<string, tf.Tensor>, hypers: Record<string, number>, options: TfjsEvalOptions): Prepared {
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(inputs)) shapes[k] = v.shape;
  const dims = resolveDims(fn, shapes);
  if (options.checkValues !== false) rejectNaN(fn, inputs, options.weights);
  const tensors: Record<string, tf.Tensor> = {};
  for (const decl of fn.inputs) {
    const given = inputs[decl.name];
    if (!given && decl.default !== undefined) {
      // A left-out optional input is its default everywhere.
      tensors[decl.name] = tf.fill(declaredShape(fn, decl, dims), decl.default, TF_DTYPE[decl.elem === 'index' ? 'int' : decl.elem]);
      continue;
    }
    const t = given!;
    if (decl.elem === 'int' || decl.elem === 'index') {
      const values = t.dtype === 'float32' || decl.elem === 'index' ? t.dataSync() : undefined;
      const frac = t.dtype === 'float32' && values ? values.findIndex((v) => !Number.isInteger(v)) : -1;
      if (frac >= 0) throw new EvalError(`${fn.name}: input '${decl.name}' must hold whole numbers, but has ${values![frac]} at flat position ${frac}`);
      const n = decl.indexOf === undefined ? undefined : dims.sizes.get(decl.indexOf);
      const bad = n !== undefined && values ? values.findIndex((v) => v < 0 || v >= n) : -1;
      if (bad >= 0) throw new EvalError(`${fn.name}: input '${decl.name}' holds class index ${values![bad]}, outside [0, ${n}) of ${decl.indexOf}`);
    }
    tensors[decl.name] = convert(t, TF_DTYPE[decl.elem === 'index' ? 'int' : decl.elem]);
  }
  for (const h of fn.hypers) {
    const v = hypers[h.name] ?? h.default;
    if (v === undefined) throw new EvalError(`${fn.name}: hyperparameter '${h.name}' has no value and no default`);
    if (h.elem === 'int' && !Number.isInteger(v)) throw new EvalError(`${fn.name}: hyperparameter '${h.name}' must be a whole number, got ${v}`);
    if (Number.isNaN(v)) throw new EvalError(`${fn.name}: option '${h.name}' must be a number, but is NaN`);
    tensors[h.name] = h.elem === 'bool' ? tf.scalar(v !== 0, 'bool') : tf.scalar(v, TF_DTYPE[h.elem]);
  }
  return { dims, tensors, hypers };
}

function run(fn: IrFunction, prep: Prepared, options: TfjsEvalOptions): tf.Tensor {
  if (fn.functions && fn.functions.length > 0) return runLayers(fn, prep, options);
  const runner = new TfRunner(fn, prep);
  if (options.node !== undefined) return runner.value(options.node);
  if (options.checkFinite) {
    const root = fn.reduction?.perSample ?? fn.output;
    runner.value(root);
    rejectNonFinite(fn, root, (id) => runner.computed(id), prep.tensors, prep.hypers);
  }
  if (options.reduction === undefined && options.weights === undefined) return runner.value(fn.output);
  if (!fn.reduction) {
    throw new EvalError(`${fn.name}: this loss has no outer mean or sum, so it takes no 'reduction' or 'weights' option`);
  }
  return reduce(fn, runner.value(fn.reduction.perSample), options);
}

/** The per-sample losses reduced as `options` say, with weights. */
function reduce(fn: IrFunction, perSample: tf.Tensor, options: TfjsEvalOptions): tf.Tensor {
  const l = convert(perSample, 'float32');
  const kind = options.reduction ?? fn.reduction!.kind;
  const w = options.weights;
  if (!w) return kind === 'none' ? l : kind === 'sum' ? tf.sum(l) : tf.mean(l);
  if (w.rank > l.rank || w.shape.some((s, i) => s !== l.shape[i] && s !== 1)) {
    throw new ShapeError(
      `${fn.name}: 'weights' has shape [${w.shape.join(', ')}], but must be the per-sample shape [${l.shape.join(', ')}] or a prefix of it`,
    );
  }
  // A prefix shape [N] against [N, D] is right-padded with 1s (numpy broadcasting is right-aligned).
  const wv = tf.reshape(convert(w, 'float32'), [...w.shape, ...l.shape.slice(w.rank).map(() => 1)]);
  const weighted = tf.mul(wv, l);
  if (kind === 'none') return weighted;
  const total = tf.sum(weighted);
  return kind === 'sum' ? total : tf.div(total, tf.sum(tf.mul(wv, tf.onesLike(l))));
}

/**
 * A loss with function parameters: each is called once per call site; with several returned
 * tensors (layers) the loss is computed with the k-th of each, result dims read from it, and
 * averaged over k.
 */
function runLayers(fn: IrFunction, prep: Prepared, options: TfjsEvalOptions): tf.Tensor {
  if (options.reduction !== undefined || options.weights !== undefined) {
    throw new EvalError(`${fn.name}: a loss with function parameters takes no 'reduction' or 'weights' option`);
  }
  const live = liveNodes(fn);
  const calls = fn.nodes.filter((n) => n.op === 'apply' && live.has(n.id));
  const base = new TfRunner(fn, prep);
  const results = calls.map((node) => {
    const f = options.functions?.[node.attrs.name!];
    if (!f) throw new EvalError(`${fn.name}: no function given for parameter '${node.attrs.name}'`);
    const r = f(base.value(node.args[0]!));
    return Array.isArray(r) ? r : [r];
  });
  const layers = results[0]?.length ?? 0;
  if (layers === 0 || results.some((r) => r.length !== layers)) {
    throw new EvalError(`${fn.name}: the function parameters returned ${results.map((r) => r.length).join(' and ')} tensors; they must return the same number, at least one`);
  }
  const values: tf.Tensor[] = [];
  for (let k = 0; k < layers; k++) {
    const runner = new TfRunner(fn, { ...prep, dims: layerDims(fn, calls, results.map((r) => r[k]!.shape), prep.dims) });
    calls.forEach((node, j) => runner.preset(node.id, convert(results[j]![k]!, 'float32')));
    values.push(runner.value(options.node ?? fn.output));
  }
  return values.length === 1 ? values[0]! : tf.div(tf.addN(values), layers);
}

/** A stopGradient: `f` runs with the tape off and its result has no recorded inputs. */
function detached(f: () => tf.Tensor): tf.Tensor {
  return tf.customGrad(() => ({ value: f(), gradFunc: () => [] }))();
}

/** log1p by Goldberg's trick, for backends whose Log1p is log(1 + x) (wasm: log1p(1e-10) = 0). */
const accurateLog1p = tf.customGrad((x, save) => {
  const t = x as tf.Tensor;
  (save as (ts: tf.Tensor[]) => void)([t]);
  const u = tf.add(t, 1);
  const d = tf.sub(u, 1);
  const value = tf.where(tf.equal(d, 0), t, tf.where(tf.isInf(u), u, tf.div(tf.mul(tf.log(u), t), d)));
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.add(saved[0]!, 1)) };
});

class TfRunner {
  private readonly memo = new Map<NodeId, tf.Tensor>();

  /** A value computed so far, if any (for finite.ts). */
  computed(id: NodeId): tf.Tensor | undefined {
    return this.memo.get(id);
  }
  private readonly cpu = tf.getBackend() === 'cpu';

  constructor(
    private readonly fn: IrFunction,
    private readonly prep: Prepared,
    /** Inside tf.customGrad, where nothing is recorded: ops need no tfjs gradient. */
    private readonly untaped = false,
  ) {}

  /** `t`, laid out as `from` (a subset of `to` by name), broadcast to the full shape of `to`. */
  expand(t: tf.Tensor, from: readonly Axis[], to: readonly Axis[]): tf.Tensor {
    // Adding a fill broadcasts without tf.broadcastTo's tiling (slow on wasm).
    const aligned = this.align(convert(t, 'float32'), from, to);
    const shape = this.shapeOf(to);
    return aligned.size === shape.reduce((a, b) => a * b, 1) ? aligned : tf.add(aligned, tf.fill(shape, 0));
  }

  /** Fixes a node's value (a function parameter's result) before evaluation. */
  preset(id: NodeId, t: tf.Tensor): void {
    this.memo.set(id, t);
  }

  /** The value of node `id`, computing its live operands first (iteratively, memoised). */
  value(id: NodeId): tf.Tensor {
    return valueInOrder(this.fn, id, this.memo, (node, args) => this.computeCut(node, args));
  }

  /** bool/int results of real operands are computed off the gradient tape (see the top). */
  private computeCut(node: IrNode, args: tf.Tensor[]): tf.Tensor {
    // detach is a stop-gradient by definition.
    const cut = node.op === 'detach' || (node.type.dtype !== 'real' && args.some((a) => a.dtype === 'float32'));
    return cut ? detached(() => this.compute(node, args)) : this.compute(node, args);
  }

  private dimsOf(axis: Axis): number[] {
    if (axis.name === REST) return [...this.prep.dims.rest];
    const size = this.prep.dims.sizes.get(axis.dim);
    if (size === undefined) throw new Error(`internal: ${this.fn.name}: no size for dimension ${axis.dim}`);
    return [size];
  }

  private shapeOf(axes: readonly Axis[]): number[] {
    return axes.flatMap((a) => this.dimsOf(a));
  }

  /** Tensor dims (with rest expanded) of the named axes within the layout `axes`. */
  private positions(axes: readonly Axis[], names: readonly string[]): number[] {
    const res: number[] = [];
    let pos = 0;
    for (const a of axes) {
      const r = this.dimsOf(a).length;
      if (names.includes(a.name)) for (let k = 0; k < r; k++) res.push(pos + k);
      pos += r;
    }
    return res;
  }

  /** Transposes `t` (laid out as `from`) into the order of `to`, with size-1 dims where it lacks an axis. */
  private align(t: tf.Tensor, from: readonly Axis[], to: readonly Axis[]): tf.Tensor {
    const { perm, isIdentity } = alignment(from, to);
    let out = t;
    if (!isIdentity) {
      const starts: number[] = [];
      let pos = 0;
      for (const a of from) {
        starts.push(pos);
        pos += this.dimsOf(a).length;
      }
      out = tf.transpose(out, perm.flatMap((i) => this.dimsOf(from[i]!).map((_, k) => starts[i]! + k)));
    }
    const target = to.flatMap((a) => (from.some((f) => f.name === a.name) ? this.dimsOf(a) : this.dimsOf(a).map(() => 1)));
    return out.shape.length === target.length && out.shape.every((s, i) => s === target[i]) ? out : tf.reshape(out, target);
  }

  /**
   * A real operand broadcast to the node's full shape by adding zeros: tf.where and
   * tf.broadcastTo tile, whose gradient stops at rank 4; Add's gradient sums at any rank.
   */
  private widen(t: tf.Tensor, node: IrNode): tf.Tensor {
    const full = this.shapeOf(node.type.axes);
    const same = t.shape.length === full.length && t.shape.every((s, i) => s === full[i]);
    return same || t.dtype !== 'float32' ? t : tf.add(t, tf.fill(full, 0));
  }

  private argAxes(node: IrNode, i: number): readonly Axis[] {
    return this.fn.nodes[node.args[i]!]!.type.axes;
  }

  private compute(node: IrNode, args: tf.Tensor[]): tf.Tensor {
    const dt = node.type.dtype;
    // Arithmetic producing bool (e.g. max of bools) runs on int32, then back to bool.
    const arith: TfDType = dt === 'bool' ? 'int32' : TF_DTYPE[dt];
    const [x, y, z] = args;
    switch (OPS[node.op].kind) {
      case 'leaf':
        if (node.op === 'input') return this.prep.tensors[node.attrs.name!]!;
        if (node.op === 'const') return dt === 'bool' ? tf.scalar(node.attrs.value !== 0, 'bool') : tf.scalar(node.attrs.value!, TF_DTYPE[dt]);
        // The rest axis stands for several dims: its size is their product.
        if (node.op === 'size') return tf.scalar(this.dimsOf({ name: node.attrs.dim!, dim: node.attrs.dim! }).reduce((a, b) => a * b, 1), 'int32');
        return tf.range(0, this.dimsOf(node.type.axes[0]!)[0]!, 1, 'int32');
      case 'unary':
        return convert(this.unary(node.op, convert(x!, node.op === 'not' ? 'bool' : arith)), TF_DTYPE[dt]);
      case 'binary': {
        let [a, b] = [this.align(x!, this.argAxes(node, 0), node.type.axes), this.align(y!, this.argAxes(node, 1), node.type.axes)];
        // Their tfjs gradients skip the sum over broadcast dims: broadcast explicitly.
        if (node.op === 'maximum' || node.op === 'minimum') [a, b] = [this.widen(a, node), this.widen(b, node)];
        const logical = node.op === 'and' || node.op === 'or';
        const cmp = dt === 'bool' && !logical && !['maximum', 'minimum', 'add', 'sub', 'mul'].includes(node.op);
        // Mixed int/real comparisons compare values: both as float32 unless both are int.
        const work: TfDType = logical ? 'bool' : cmp ? (a.dtype === 'int32' && b.dtype === 'int32' ? 'int32' : 'float32') : arith;
        return convert(this.binary(node.op, convert(a, work), convert(b, work)), TF_DTYPE[dt]);
      }
      case 'select': {
        const [c, a, b] = [0, 1, 2].map((i) => this.align(args[i]!, this.argAxes(node, i), node.type.axes));
        return tf.where(convert(c!, 'bool'), this.widen(convert(a!, TF_DTYPE[dt]), node), this.widen(convert(b!, TF_DTYPE[dt]), node));
      }
      case 'reduce':
        return convert(this.reduce(node, x!, y), TF_DTYPE[dt]);
      case 'axis': {
        const p = this.positions(node.type.axes, [node.attrs.axis!]);
        const xf = convert(x!, 'float32');
        // (x - m) - log Σ exp(x - m): subtracting the shift first keeps large logits exact,
        // where x - logsumexp(x) cancels (1e4 - (1e4 + small) loses ~12 bits).
        const shift = detached(() => {
          const m = tf.max(xf, p, true);
          return tf.where(tf.isFinite(m), m, tf.zerosLike(m));
        });
        const shifted = tf.sub(xf, shift);
        const logp = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), p, true)));
        return node.op === 'softmax' ? tf.exp(logp) : logp;
      }
      case 'gather':
        return this.gather(node, x!, y!);
      case 'reshape': {
        if (node.op === 'rename') return x!;
        const [p] = this.positions(this.argAxes(node, 0), [node.attrs.axis!]);
        const size = x!.shape[p!]!;
        const k = node.attrs.index! < 0 ? node.attrs.index! + size : node.attrs.index!;
        if (!Number.isInteger(k) || k < 0 || k >= size) throw new EvalError(`${this.fn.name}: position ${node.attrs.index} is outside ${node.attrs.axis} (size ${size})`);
        const begin = x!.shape.map((_, i) => (i === p ? k : 0));
        const sizes = x!.shape.map((s, i) => (i === p ? 1 : s));
        return tf.reshape(tf.slice(x!, begin, sizes), this.shapeOf(node.type.axes));
      }
      case 'apply':
        throw new Error(`internal: ${this.fn.name}: function parameter '${node.attrs.name}' was not called first`);
    }
  }

  private unary(op: string, x: tf.Tensor): tf.Tensor {
    switch (op) {
      case 'neg': return tf.neg(x);
      case 'abs': return tf.abs(x);
      case 'sign': return tf.sign(x);
      case 'exp': return tf.exp(x);
      case 'log': return tf.log(x);
      case 'log1p': return this.cpu ? tf.log1p(x) : accurateLog1p(x);
      case 'expm1': return tf.expm1(x);
      case 'sqrt': return tf.sqrt(x);
      case 'square': return tf.square(x);
      case 'sigmoid': return tf.sigmoid(x);
      case 'softplus': return tf.softplus(x);
      // tf.logSigmoid's gradient reads x after tf.tidy may have disposed it (tfjs 4.22).
      case 'log_sigmoid': return tf.neg(tf.softplus(tf.neg(x)));
      case 'tanh': return tf.tanh(x);
      case 'cosh': return tf.cosh(x);
      case 'relu': return tf.relu(x);
      case 'floor': return x.dtype === 'float32' ? tf.floor(x) : x; // floor of an int is itself
      case 'not': return tf.logicalNot(x);
      case 'to_real': return x;
      case 'detach': return tf.clone(x);
      default: throw new Error(`internal: tfjs evaluator has no unary op ${op}`);
    }
  }

  private binary(op: string, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    switch (op) {
      case 'add': return tf.add(a, b);
      case 'sub': return tf.sub(a, b);
      case 'mul': return tf.mul(a, b);
      case 'div': return tf.div(a, b);
      case 'pow': return tf.pow(a, b);
      case 'maximum': return tf.maximum(a, b);
      case 'minimum': return tf.minimum(a, b);
      case 'eq': return tf.equal(a, b);
      case 'ne': return tf.notEqual(a, b);
      case 'lt': return tf.less(a, b);
      case 'le': return tf.lessEqual(a, b);
      case 'gt': return tf.greater(a, b);
      case 'ge': return tf.greaterEqual(a, b);
      case 'and': return tf.logicalAnd(a, b);
      case 'or': return tf.logicalOr(a, b);
      default: throw new Error(`internal: tfjs evaluator has no binary op ${op}`);
    }
  }

  /** log(sum(exp(x))) shifted by a detached max (0 where the max is ±inf: all -inf gives -inf). */
  private logsumexp(x: tf.Tensor, dims: number[], keepDims: boolean): tf.Tensor {
    const shift = detached(() => {
      const m = tf.max(x, dims, true);
      return tf.where(tf.isFinite(m), m, tf.zerosLike(m));
    });
    const s = tf.log(tf.sum(tf.exp(tf.sub(x, shift)), dims, keepDims));
    return tf.add(s, keepDims ? shift : tf.reshape(shift, s.shape));
  }

  private reduce(node: IrNode, x: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const xAxes = this.argAxes(node, 0);
    const all = mask ? unionAxes(xAxes, this.argAxes(node, 1)) : xAxes;
    const dims = this.positions(all, node.attrs.axes ?? []);
    const op = node.op;
    const work: TfDType = op === 'any' || op === 'all' ? 'bool' : op === 'mean' || op === 'logsumexp' ? 'float32' : x.dtype === 'bool' ? 'int32' : (x.dtype as TfDType);
    const xv = convert(this.align(x, xAxes, all), work);
    if (!mask) {
      switch (op) {
        case 'sum': return tf.sum(xv, dims);
        case 'prod': return tf.prod(xv, dims);
        case 'max': return tf.max(xv, dims);
        case 'min': return tf.min(xv, dims);
        case 'mean': return tf.mean(xv, dims);
        case 'any': return tf.any(xv, dims);
        case 'all': return tf.all(xv, dims);
        default: return this.logsumexp(xv, dims, false);
      }
    }
    // The mask is broadcast to the full layout so that counts include broadcast copies.
    const m = tf.broadcastTo(convert(this.align(mask, this.argAxes(node, 1), all), 'bool'), this.shapeOf(all));
    const some = tf.any(m, dims, true);
    const fill = (v: number): tf.Tensor => tf.scalar(v, work);
    // Extreme fills only in rows with a selection; empty rows get 0, so nothing there is ±inf.
    const extreme = (sign: number): tf.Tensor =>
      tf.where(some, fill(work === 'int32' ? sign * INT_MAX - (sign < 0 ? 1 : 0) : sign * Infinity), fill(0));
    let r: tf.Tensor;
    switch (op) {
      case 'sum': r = tf.sum(tf.where(m, xv, fill(0)), dims); break;
      case 'prod': r = tf.prod(tf.where(m, xv, fill(1)), dims); break;
      case 'max': r = tf.max(tf.where(m, xv, extreme(-1)), dims); break;
      case 'min': r = tf.min(tf.where(m, xv, extreme(1)), dims); break;
      case 'any': r = tf.any(tf.logicalAnd(m, xv), dims); break;
      case 'all': r = tf.all(tf.logicalOr(tf.logicalNot(m), xv), dims); break;
      case 'logsumexp': r = this.logsumexp(tf.where(m, xv, extreme(-1)), dims, false); break;
      default: {
        // mean: divide by max(count, 1) so that empty rows give 0/1, not 0/0 (a NaN gradient).
        const count = tf.sum(tf.cast(m, 'float32'), dims);
        r = tf.div(tf.sum(tf.where(m, xv, fill(0)), dims), tf.maximum(count, 1));
      }
    }
    const natural = { sum: 0, prod: 1, any: 0, all: 1 }[op as string];
    const empty = node.attrs.empty ?? natural ?? NaN;
    if (empty === natural) return r;
    const emptyT = work === 'bool' ? tf.scalar(empty !== 0, 'bool') : tf.scalar(empty, r.dtype as TfDType);
    return tf.where(tf.reshape(some, r.shape), r, emptyT);
  }

  /** x[.., idx, ..] as sum(x * oneHot(idx), axis): differentiable on every backend. */
  private gather(node: IrNode, x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
    const axisName = node.attrs.axis!;
    const xAxes = this.argAxes(node, 0);
    const axis = xAxes.find((a) => a.name === axisName);
    if (!axis) throw new Error(`internal: gather along ${axisName}, which its operand lacks`);
    const size = this.dimsOf(axis)[0]!;
    const ids = convert(idx, 'int32');
    const values = ids.dataSync();
    const bad = values.findIndex((v) => v < 0 || v >= size);
    if (bad >= 0) throw new EvalError(`${this.fn.name}: index ${values[bad]} along ${axisName} is not in [0, ${size}) (${axis.dim} = ${size})`);
    // The one-hot axis gets a private name: idx may itself have an axis called `axisName`.
    const hot: Axis = { name: '\u0000gather', dim: axis.dim };
    const layout = [...node.type.axes, hot];
    const xv = this.align(x.dtype === 'bool' ? tf.cast(x, 'int32') : x, xAxes.map((a) => (a.name === axisName ? hot : a)), layout);
    if (this.untaped) {
      // No gradient needed: one flat tf.gather (with batchDims it crashes on wasm).
      const shape = this.shapeOf(node.type.axes);
      const rows = shape.reduce((a, b) => a * b, 1);
      const ia = this.align(ids, this.argAxes(node, 1), node.type.axes);
      const flat = tf.reshape(xv.size === rows * size ? xv : tf.add(xv, tf.fill([...shape, size], 0, xv.dtype)), [rows * size]);
      const at = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(size, 'int32')), tf.reshape(ia.size === rows ? ia : tf.add(ia, tf.fill(shape, 0, 'int32')), [rows]));
      return convert(tf.reshape(tf.gather(flat, at), shape), TF_DTYPE[node.type.dtype]);
    }
    // Not tf.oneHot, which rejects a single class (depth 1): compare with the positions.
    const oh = tf.equal(tf.expandDims(ids, -1), tf.range(0, size, 1, 'int32'));
    const ohv = this.align(tf.cast(oh, xv.dtype), [...this.argAxes(node, 1), hot], layout);
    const r = tf.sum(tf.mul(xv, ohv), [xv.rank - 1]);
    return convert(r, TF_DTYPE[node.type.dtype]);
  }
}

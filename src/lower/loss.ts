// One loss, lowered whole: what its generated function does from the first check to the
// returned tensor, and what the evaluator runs for it. The parts: the checks of the
// arguments (signature.ts), the inputs left out filled with their defaults, the computation
// (differentiated by the compiler's backward pass, backward.ts, or by tfjs's autodiff), the
// per-sample losses reduced as the options say, and `checkFinite`.

import type { DType } from '../ir/ops.js';
import { applyArgumentAxes, boundaryAxes } from '../ir/axes.js';
import { REST, type IrFunction, type IrGradients, type IrSpecialisation, type NodeId } from '../ir/types.js';
import { postorder } from '../ir/walk.js';
import { customGradPass } from './backward.js';
import { lowerNodes, TF_DTYPE, type BodyContext } from './body.js';
import { checkedForward, checkFinite, finiteRun, tiledDiagnosis } from './finite.js';
import { spread, type Interp } from './interp.js';
import { Layout } from './layout.js';
import { analyzeTiling } from '../ir/tile.js';
import { nanReachingInputs } from '../ir/nan-reach.js';
import { blockRowsOf, rowCount, tiledLoss } from './tile.js';
import { checkArguments, checkOptions, TF_OF_ELEM, type Signature } from './signature.js';
import { trailingOne } from '../ir/class-indices.js';
import { unionValue, withoutTrailingOne } from './union.js';
import { listInputs, withStackedLists } from './lists.js';
import { raggedSplitOf } from '../ir/ragged.js';
import { raggedCuts } from './ragged.js';
import { guardedForAutodiff } from '../ir/autodiff-guards.js';

export interface LossArguments<V> {
  /** The positional arguments (required tensor inputs and function parameters), by name. */
  readonly args: ReadonlyMap<string, V>;
  readonly options: V;
  /**
   * The loss function itself, taking the positional arguments in order and the options: a
   * call with TensorLike values (arrays, numbers, typed arrays) calls it again with them
   * converted to tensors, which are disposed after.
   */
  readonly self: V;
}

export interface LowerOptions {
  /**
   * Differentiate with tfjs's autodiff through every op instead of the backward pass the
   * compiler derived (`fn.gradients`, which a loss without it or with function parameters
   * never uses).
   */
  readonly autodiff?: boolean;
}

/** Whether the lowered loss takes `checkFinite` (a loss with function parameters does not). */
export function hasFiniteCheck(fn: IrFunction): boolean {
  return (fn.functions ?? []).length === 0;
}

/**
 * The keys of a loss's options object, in the order its options interface lists them: the
 * hyperparameters, the optional inputs, `reduction` and `weights` with a reduction, and the
 * run-time checks.
 */
export function optionKeys(fn: IrFunction): string[] {
  return [
    ...fn.hypers.map((h) => h.name),
    ...fn.inputs.filter((i) => i.default !== undefined).map((i) => i.name),
    ...(fn.reduction ? ['reduction', 'weights'] : []),
    ...('plan' in analyzeTiling(fn) ? ['blockRows'] : []),
    'checkValues',
    ...(hasFiniteCheck(fn) ? ['checkFinite'] : []),
  ];
}

/** Whether the loss returns a scalar whatever its options (no `reduction: 'none'`). */
export function returnsScalar(fn: IrFunction): boolean {
  return !fn.reduction && fn.nodes[fn.output]!.type.axes.length === 0;
}

/** The loss's value for the given arguments: the body of its generated function. */
export function lowerLoss<V>(I: Interp<V>, fn: IrFunction, call: LossArguments<V>, options: LowerOptions = {}): V {
  // tfjs's autodiff through a select or a mask: a discarded log(0) would make its gradient NaN.
  // Not yet for losses that use autodiff whatever the option (function parameters, where the
  // checker's W6012 says so; a ragged list, computed per element by src/ir/ragged.ts).
  if (options.autodiff === true && (fn.functions ?? []).length === 0 && !fn.inputs.some((i) => i.ragged)) fn = guardedForAutodiff(fn);
  const reduction = fn.reduction;
  if (reduction) {
    const out = fn.nodes[fn.output];
    // A masked one (`mean(l, where: m)`) reduces l under m; its per-sample node is select(m, l, 0).
    const plainOf = reduction.mask === undefined ? out?.args.length === 1 && out.args[0] === reduction.perSample : out?.args.length === 2;
    // A divided mean (`mean(l, by: d)`) is Σ l / Σ d, its output a ratio of the two sums.
    if (!out || (reduction.denominator === undefined && (out.op !== reduction.kind || !plainOf))) {
      throw new Error(`internal: ${fn.name}: the output is not the ${reduction.kind} of the per-sample node %${reduction.perSample}`);
    }
  }
  checkOptions(I, fn, call.options, optionKeys(fn));
  // TensorLike inputs, as tf.losses takes them: converted, and the loss called again.
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  // A list input is checked and stacked by withLists, which converts its TensorLike elements.
  const tensorArgs = positional.filter((name) => fn.inputs.some((i) => i.name === name && !i.list));
  const tensorOptions = [...fn.inputs.filter((i) => i.default !== undefined).map((i) => [i.name, i.elem] as const), ...(fn.reduction ? [['weights', 'real'] as const] : [])];
  const likes = [...tensorArgs.map((name) => call.args.get(name)!), ...tensorOptions.map(([name]) => I.get(call.options, name))];
  const anyTensorLike = (): V => likes.slice(1).reduce((acc, v) => I.or(acc, () => I.helper('isTensorLike', v)), I.helper('isTensorLike', likes[0]!));
  const converted = (): V => {
    const dtypeOf = (name: string): V => {
      const input = fn.inputs.find((i) => i.name === name)!;
      // A union input: whole numbers of its indices' rank are class indices (withTensors);
      // with '...', that rank follows the input that fixes the rest dims.
      if (!input.orIndices) return I.str(TF_OF_ELEM[input.elem]);
      if (!input.axes.some((a) => a.name === REST)) return I.num(input.orIndices.axes.length);
      const fixer = fn.inputs.find((i) => !i.orIndices && i.default === undefined && i.axes.some((a) => a.name === REST));
      const k = fixer ? tensorArgs.indexOf(fixer.name) : -1;
      if (!fixer || k < 0) throw new Error(`internal: ${fn.name}: no input fixes the '...' dims of union input '${name}'`);
      return I.list([I.num(k), I.num(input.orIndices.axes.length - fixer.axes.length)]);
    };
    const again = I.arrow(
      [{ name: 'options' }, { name: 'tensors', rest: true }],
      ([options, tensors]) => I.call(call.self, ...positional.map((name) => (tensorArgs.includes(name) ? I.at(tensors!, tensorArgs.indexOf(name)) : call.args.get(name)!)), options!),
    );
    return I.helper('withTensors', I.str(fn.name), I.list(tensorArgs.map((name) => I.str(name))), I.list(tensorArgs.map((name) => call.args.get(name)!)), I.list(tensorArgs.map(dtypeOf)), call.options, I.obj(tensorOptions.map(([name, elem]) => [name, I.str(TF_OF_ELEM[elem])])), again);
  };
  const checked = (): V => (listInputs(fn).length === 0 ? lowerChecked(I, fn, call, options) : withStackedLists(I, fn, call, (stacked) => lowerChecked(I, fn, stacked, options), returnsScalar(fn) ? 'tf.Scalar' : 'tf.Tensor'));
  return likes.length === 0 ? checked() : I.branches([[anyTensorLike, converted]], checked);
}

/** The loss once its tensor arguments are tensors (or not TensorLike at all: the checks say). */
function lowerChecked<V>(I: Interp<V>, fn: IrFunction, call: LossArguments<V>, options: LowerOptions): V {
  // Optional inputs (defaults, learnable parameters) come in the options object.
  const given = new Map(fn.inputs.map((i) => [i.name, i.default !== undefined ? I.let(i.name, I.get(call.options, i.name)) : call.args.get(i.name)!] as const));
  const functions = new Map((fn.functions ?? []).map((f) => [f.name, call.args.get(f.name)!] as const));
  for (const [name, f] of functions) {
    I.throwIf(I.js('ne', I.js('typeOf', f), I.str('function')), 'TypeError', () => [`${fn.name}: argument '${name}' must be a function (a tensor to a tensor or to a list of tensors)`]);
  }
  // The bodies for calls that leave out the inputs defaulting to a constant, or keep options at
  // their defaults (src/opt/specialise.ts).
  const specialised = (fn.specialised ?? []).filter((s) => options.autodiff === true || !fn.gradients || s.fn.gradients);
  // The input scan's NaN test folded into the value of the compiler's backward pass (taped),
  // for the inputs every root it may return carries NaN from, in both bodies; not when tiled or layered.
  const foldable = (f: IrFunction): ReadonlySet<string> => (options.autodiff !== true && f.gradients && functions.size === 0 && !('plan' in analyzeTiling(f)) ? foldableInputs(f) : new Set<string>());
  const folded = specialised.reduce((names, s) => new Set([...names].filter((name) => foldable(s.fn).has(name))), foldable(fn));
  const sig = checkArguments(I, fn, given, call.options, folded);
  const scalar = returnsScalar(fn);
  const result = (v: V): V => (scalar ? I.as(v, 'tf.Scalar') : v);

  const general = fn;
  const body = (fn: IrFunction): V => {
    // The checks read the general body's hyperparameter nodes; the other body has its own ids.
    const hyperNode = new Map(general.hypers.map((h) => [h.name, h.node] as const));
    const hypers = fn === general ? sig.hypers : new Map(fn.hypers.flatMap((h) => {
      const checked = sig.hypers.get(hyperNode.get(h.name)!);
      return checked ? [[h.node, checked] as const] : [];
    }));
    const derived = options.autodiff !== true ? fn.gradients : undefined;
    const restFirst = (v: V, axes: IrFunction['inputs'][number]['axes']): V => {
      const moved = sig.layout.restFirst(v, axes);
      return moved === v ? v : I.let(`${I.nameOf(v) ?? 'input'}Inside`, moved);
    };
    // Inside tf.tidy: the inputs left out, as their defaults everywhere, or (`y: [N] = x`) as the
    // value of the input they name, declared before them: the same tensor, so that tfjs's tape
    // adds both uses into the gradient of the one given.
    const fill = (): Map<NodeId, V> => {
      const declared = new Map<string, V>();
      return new Map(
        fn.inputs.map((i) => {
          const v = given.get(i.name)!;
          // A ragged list stays its array of elements (src/lower/ragged.ts reads them one by one).
          if (i.ragged) return [i.node, v] as const;
          // Broadcast to its full shape here, outside the backward pass: tfjs sums its gradient back.
          if (i.broadcasts) return [i.node, I.let(`${I.nameOf(v) ?? i.name}Full`, I.tf('broadcastTo', v, sig.shape(i)))] as const;
          // Class indices given for a union input become its one-hot probabilities here.
          if (i.orIndices) return [i.node, unionValue(I, sig, i, v)] as const;
          // Class indices given as [N, 1] (Keras) lose that axis here.
          if (trailingOne(i)) {
            const flat = withoutTrailingOne(I, sig, i, v);
            declared.set(i.name, flat);
            return [i.node, flat] as const;
          }
          // `[B, C, ...]` is transposed to the layout inside, rest dims first; tfjs differentiates that.
          if (i.default === undefined) {
            declared.set(i.name, v);
            return [i.node, restFirst(v, i.axes)] as const;
          }
          const dtype = TF_DTYPE[i.elem === 'index' ? 'int' : i.elem];
          const dflt = typeof i.default === 'number' ? I.tf('fill', sig.layout.declaredShape(i.axes), I.num(i.default), I.str(dtype)) : declared.get(i.default.input);
          if (dflt === undefined) throw new Error(`internal: ${fn.name}: '${i.name}' defaults to an input not declared before it`);
          const filled = I.let(`${I.nameOf(v) ?? i.name}Value`, I.js('orElse', v, dflt));
          declared.set(i.name, filled);
          return [i.node, restFirst(filled, i.axes)] as const;
        }),
      );
    };
    const context = (inputs: ReadonlyMap<NodeId, V>): BodyContext<V> => ({ I, fn, layout: sig.layout, inputs, hypers });

    if (functions.size > 0) {
      return result(I.tf('tidy', I.arrow([], () => layered(context(fill()), functions), { block: true })));
    }
    const compute = I.let(
      'compute',
      I.arrow(
        derived ? [] : [{ name: 'check', type: 'boolean' }],
        ([check]) => (derived ? taped(context(fill()), derived, sig) : autodiff(context(fill()), sig, check!)),
        { returnType: 'tf.Tensor' },
      ),
    );
    const computed = (): V => (derived ? I.call(compute) : I.call(compute, I.bool(false)));
    const tiling = analyzeTiling(fn);
    const plan = 'plan' in tiling ? tiling.plan : undefined;
    // Tiled over blocks of rows (src/lower/tile.ts) when one block does not cover them all, for
    // the loss's own reduction unweighted.
    const top = context(new Map());
    const blockRows = plan && blockRowsOf(top, plan, call.options);
    const ownReduction = (): V => (sig.reduction ? I.and(I.js('eq', sig.reduction.mode, I.str(fn.reduction!.kind)), () => I.js('eq', sig.reduction!.weights, I.undef())) : I.bool(true));
    const tiled = plan && blockRows !== undefined ? I.let('tiled', I.and(ownReduction(), () => I.js('lt', blockRows, rowCount(top, plan)))) : undefined;
    // The tiled loss written once, as a local function: checkFinite's run, its diagnosis and the
    // value returned each call it (written out at each, a masked loss carried it three times).
    const tiledLossFn = plan && blockRows !== undefined ? I.let('tiledLoss', I.arrow([], () => tiledLoss(context(fill()), plan, blockRows, sig.shape), { returnType: 'tf.Tensor' })) : undefined;
    const tiledLossValue = (): V => I.call(tiledLossFn!);
    // checkFinite runs the loss once off the gradient tape: an error thrown inside tf.grads
    // would leave the tape's saved tensors behind, one thrown there leaves nothing. The derived
    // backward pass is left out of it (its forward frees values the diagnosis reads); a masked
    // outer reduction of the loss's own is checked at the output, as the whole pass computes it.
    const diagnose = (root: NodeId) => (): V => checkedForward(context(fill()), root);
    const diagnosis = !derived ? (): V => I.call(compute, I.bool(true)) : fn.reduction?.mask !== undefined ? (): V => I.branches([[ownReduction, diagnose(fn.output)]], diagnose(rootOf(fn))) : diagnose(rootOf(fn));
    I.when(I.js('eq', I.get(call.options, 'checkFinite'), I.bool(true)), () => {
      if (!plan || tiled === undefined || blockRows === undefined) {
        finiteRun(I, diagnosis);
        return;
      }
      // What the untiled diagnosis checks: with the derived backward, a masked outer reduction at the output.
      const tiledRoot = derived && fn.reduction?.mask !== undefined ? fn.output : rootOf(fn);
      finiteRun(I, diagnosis, { when: tiled, value: tiledLossValue, diagnose: () => tiledDiagnosis(context(fill()), plan, blockRows, tiledRoot, tiledLossValue) });
    });
    // With checkFinite the per-sample losses were found finite above; their reduction may still
    // not be (a sum past float32's largest, an infinite weight): the value returned is checked too.
    const reducedChecked = (v: V): V =>
      fn.reduction && sig.reduction && hasFiniteCheck(fn)
        ? I.helper('finiteReduced', I.str(fn.name), v, I.js('eq', I.get(call.options, 'checkFinite'), I.bool(true)), sig.reduction.mode, I.js('ne', sig.reduction.weights, I.undef()))
        : v;
    if (!plan || tiled === undefined || blockRows === undefined) return I.tf('tidy', I.arrow([], () => result(reducedChecked(computed())), { block: true }));
    return I.tf('tidy', I.arrow([], () => I.branches([[() => tiled, () => result(reducedChecked(tiledLossValue()))]], () => result(reducedChecked(computed()))), { block: true }));
  };
  if (specialised.length === 0) return body(fn);
  // A hyperparameter's checked value (a string option's position) against its default.
  const atDefault = (name: string) => (): V => {
    const h = fn.hypers.find((x) => x.name === name)!;
    return I.js('eq', sig.hypers.get(h.node)!.value, h.elem === 'bool' && !h.values ? I.bool(h.default !== 0) : I.num(h.default!));
  };
  const leftOut = (name: string) => (): V => I.js('eq', given.get(name)!, I.undef());
  const conditionOf = (s: IrSpecialisation) => (): V => {
    const tests = [...s.leftOut.map(leftOut), ...s.atDefault.map(atDefault)];
    return tests.slice(1).reduce((acc, t) => I.and(acc, t), tests[0]!());
  };
  return I.branches(
    specialised.map((s) => [conditionOf(s), () => body(s.fn)] as const),
    () => body(fn),
  );
}

/**
 * The real inputs whose NaN both roots of the backward pass (the output, the per-sample losses)
 * carry: a per-sample pass runs with the `reduction` and `weights` options.
 */
function foldableInputs(fn: IrFunction): ReadonlySet<string> {
  const whole = nanReachingInputs(fn, fn.output);
  if (!fn.reduction) return whole;
  const perSample = nanReachingInputs(fn, fn.reduction.perSample);
  return new Set([...whole].filter((name) => perSample.has(name)));
}

/** The root a call without options returns: the output, or the per-sample losses it reduces. */
const rootOf = (fn: IrFunction): NodeId => fn.reduction?.perSample ?? fn.output;

/** `v`, the value of node `id`, in the layout callers see (axes.ts `boundaryAxes`). */
function atBoundary<V>(ctx: BodyContext<V>, id: NodeId, v: V): V {
  const axes = boundaryAxes(ctx.fn, id);
  return ctx.layout.restInPlace(ctx.layout.align(v, ctx.fn.nodes[id]!.type.axes, axes).v, axes);
}

/**
 * The loss differentiated by tfjs's autodiff: the forward pass alone, every op on the tape
 * (comparisons cut off it with `noGrad`).
 */
function autodiff<V>(ctx: BodyContext<V>, sig: Signature<V>, check: V): V {
  const { I, fn } = ctx;
  // A ragged list's per-element part runs first, once per element; the rest reads its results.
  const split = raggedSplitOf(fn);
  if (split) ctx = { ...ctx, given: raggedCuts(ctx, split, ctx.inputs.get(split.input.node)!) };
  const root = rootOf(fn);
  const masked = fn.reduction?.mask !== undefined;
  const divided = fn.reduction?.denominator;
  // Masked, the output (the loss's own reduction, with its empty value) is not computed from the per-sample node.
  const nodes = lowerNodes(
    { ...ctx, names: new Map([[root, fn.reduction ? 'perSample' : 'loss'], ...(masked ? [[fn.output, 'loss'] as const] : []), ...(divided !== undefined ? [[divided, 'denominators'] as const] : [])]) },
    [root, ...(masked ? [fn.output] : []), ...(divided !== undefined ? [divided] : [])],
  );
  if (masked && sig.reduction) {
    // A masked outer reduction of the loss's own is checked at the output, as the derived
    // backward pass checks it (lowerChecked's diagnosis), so both say the same; any other
    // reduction, at the per-sample losses it reduces.
    const { mode, weights } = sig.reduction;
    const own = I.let('ownReduction', I.and(I.js('eq', mode, I.str(fn.reduction!.kind)), () => I.js('eq', weights, I.undef())));
    checkFinite(I, fn, nodes, fn.output, ctx.inputs, ctx.hypers, ctx.layout, I.and(check, () => own), ctx.given);
    checkFinite(I, fn, nodes, root, ctx.inputs, ctx.hypers, ctx.layout, I.and(check, () => I.js('not', own)), ctx.given);
  } else checkFinite(I, fn, nodes, root, ctx.inputs, ctx.hypers, ctx.layout, check, ctx.given);
  const out = nodes.val(root);
  // Returning an input from tf.tidy would hand the caller's own tensor back as "the result".
  const value = (): V => atBoundary(ctx, root, out.isInput ? I.tf('clone', out.read()) : out.read());
  if (!fn.reduction) return value();
  const mask = masked
    ? {
        value: (): V => maskAtBoundary(ctx, fn.reduction!.perSample, fn.reduction!.mask!, nodes.val(fn.reduction!.mask!).read()),
        own: (): V => nodes.val(fn.output).read(),
        kind: fn.reduction.kind,
        ...(divided !== undefined ? { denominator: (): V => atBoundary(ctx, divided, nodes.val(divided).read()) } : {}),
      }
    : undefined;
  return reduce(I, sig, I.once('perSample', atBoundary(ctx, root, out.read())), out.dtype, value, mask);
}

/** The mask of a masked outer reduction (node `mask`, value `v`) in the per-sample losses' boundary layout. */
function maskAtBoundary<V>(ctx: BodyContext<V>, perSample: NodeId, mask: NodeId, v: V): V {
  const axes = boundaryAxes(ctx.fn, perSample);
  return ctx.layout.restInPlace(ctx.layout.align(v, ctx.fn.nodes[mask]!.type.axes, axes).v, axes);
}

/**
 * The loss differentiated by the compiler's backward pass: without `reduction` or `weights`
 * options the whole loss is one tf.customGrad; with them the per-sample losses are, and the
 * reduction after it is left to tfjs's autodiff (sum, mean and mul have gradients everywhere).
 */
function taped<V>(ctx: BodyContext<V>, gradients: IrGradients, sig: Signature<V>): V {
  const { I, fn } = ctx;
  const folded = sig.foldedScan;
  // NaN in the value with the scan folded into it: the full scan names the input and position.
  const checkValue = folded ? (value: V): void => I.when(I.and(folded.when, () => I.helper('holdsNaN', value)), folded.scan) : undefined;
  const options = { shape: sig.shape, ...(checkValue ? { checkValue } : {}) };
  const reduction = fn.reduction;
  // The result is turned to the callers' layout after the customGrad: tfjs differentiates that.
  if (!reduction) return atBoundary(ctx, fn.output, customGradPass({ ...ctx, names: new Map([[fn.output, 'loss']]) }, gradients.output, options));
  const perSamplePass = gradients.perSample;
  if (!perSamplePass) throw new Error(`internal: ${fn.name}: no backward pass of the per-sample losses`);
  const { mode, weights } = sig.reduction!;
  // The loss's own reduction, unweighted, is its output: the backward pass of the whole.
  const plain = (): V => I.and(I.js('eq', mode, I.str(reduction.kind)), () => I.js('eq', weights, I.undef()));
  const whole = (): V => customGradPass({ ...ctx, names: new Map([[fn.output, 'loss'], [reduction.perSample, 'perSample']]) }, gradients.output, options);
  return I.branches([[plain, whole]], () => {
    const perSample = I.let('perSample', atBoundary(ctx, reduction.perSample, customGradPass({ ...ctx, names: new Map([[reduction.perSample, 'perSample']]) }, perSamplePass, options)));
    // The mask, recomputed outside the backward pass (comparisons: no gradient).
    // A divided mean's denominators, under their own backward pass (the class weights they read
    // are inputs too).
    const divided = reduction.denominator;
    const denominatorPass = gradients.denominator;
    if (divided !== undefined && !denominatorPass) throw new Error(`internal: ${fn.name}: no backward pass of the denominators`);
    const denominator = divided === undefined ? undefined : (): V => I.let('denominators', atBoundary(ctx, divided, customGradPass({ ...ctx, names: new Map([[divided, 'denominators']]) }, denominatorPass!, { shape: sig.shape })));
    const mask =
      reduction.mask === undefined
        ? undefined
        : { value: (): V => maskAtBoundary(ctx, reduction.perSample, reduction.mask!, lowerNodes({ ...ctx, names: new Map([[reduction.mask!, 'selected']]) }, [reduction.mask!]).val(reduction.mask!).read()), ...(denominator ? { denominator } : {}) };
    return reduce(I, sig, perSample, fn.nodes[reduction.perSample]!.type.dtype, () => perSample, mask);
  });
}

/**
 * The per-sample losses `perSample` reduced as the options say, with weights; `none` when
 * unreduced. Under the mask of a masked outer reduction (`mask`, bool in the per-sample
 * layout) each loss weighs w·m: 'mean' is Σ w·m·l / Σ w·m, 'sum_by_nonzero_weights' counts the
 * nonzero w·m, and 'sum_over_batch_size' divides by the number of selected losses, as Keras 3
 * applies a mask; unweighted, w is 1.
 */
function reduce<V>(I: Interp<V>, sig: Signature<V>, perSample: V, dtype: DType, none: () => V, mask?: { readonly value: () => V; readonly own?: () => V; readonly kind?: string; readonly denominator?: () => V }): V {
  const { mode, weights } = sig.reduction!;
  const losses = (): V => (dtype === 'real' ? perSample : I.tf('cast', perSample, I.str('float32')));
  const is = (m: string) => (): V => I.js('eq', mode, I.str(m));
  // No per-sample losses (an empty batch): the sum and the mean are 0, the language's empty
  // values, on every backend (tfjs-wasm sums an empty tensor to uninitialised memory). A sum
  // with one 0 appended keeps the result on the tape of the losses.
  const empty = (): V => I.and(I.js('eq', I.get(perSample, 'size'), I.num(0)), () => I.js('ne', mode, I.str('none')));
  const zero = (): V => I.tf('sum', I.tf('concat', I.list([I.tf('reshape', losses(), I.list([I.num(-1)])), I.tf('zeros', I.list([I.num(1)]))])));
  const given = (): V => {
    I.comment('Weights of a leading part of the per-sample shape broadcast over the rest.');
    const padding = I.js('ones', I.js('sub', I.get(perSample, 'rank'), I.get(weights, 'rank')));
    return I.tf('reshape', I.tf('cast', weights, I.str('float32')), I.list([spread(I.get(weights, 'shape')), spread(padding)]));
  };
  const selected = (): V => I.let('selected', I.tf('cast', mask!.value(), I.str('float32')));
  if (mask) {
    const own = mask.own;
    return I.branches(
      [
        // The loss's own reduction unweighted: its output (with the `empty:` value it gives).
        ...(own ? [[() => I.and(is(mask.kind!)(), () => I.js('eq', weights, I.undef())), own] as const] : []),
        [empty, zero],
        [
          () => I.js('eq', weights, I.undef()),
          () => {
            const s = selected();
            return weighed(s, s);
          },
        ],
      ],
      () => {
        const s = selected();
        return weighed(I.tf('mul', given(), s), s);
      },
    );
  }
  return I.branches(
    [
      [empty, zero],
      // Unweighted, every mode but 'sum' and 'none' is the mean.
      [() => I.js('eq', weights, I.undef()), () => I.branches([[is('none'), none], [is('sum'), () => I.tf('sum', losses())]], () => I.tf('mean', losses()))],
    ],
    () => weighed(given()),
  );

  /** The losses weighed by `weightsFull` (their shape), reduced as the mode says; under a mask, `selectedV` is it as 0/1. */
  function weighed(weightsFull: V, selectedV?: V): V {
    const w = I.let('w', weightsFull);
    const weighted = I.let('weighted', I.tf('mul', losses(), w));
    // A divided mean: each loss adds w·d to what 'mean' divides by, and counts for
    // 'sum_by_nonzero_weights' where w·d is not 0 (d: its per-sample denominators, 0 where unselected).
    const byDenominator = mask?.denominator ? I.let('weightedDenominators', I.tf('mul', mask.denominator(), w)) : undefined;
    // Σ w·l over a count that is 0 only when every weight is: NaN there, with gradient 0.
    const over = (count: V): V => {
      const none0 = I.let('noWeight', I.tf('equal', count, I.tf('scalar', I.num(0))));
      return I.tf('where', none0, I.tf('fill', I.list([]), I.num(NaN)), I.tf('div', I.tf('sum', weighted), I.tf('where', none0, I.tf('onesLike', count), count)));
    };
    const byNonzero = (): V => {
      I.comment('tf.losses SUM_BY_NONZERO_WEIGHTS: over the number of nonzero weights broadcast to the losses');
      I.comment('(each weight stands for size(l) / size(w) of them); a count, off the tape (no gradient for notEqual).');
      const counted = byDenominator ?? w;
      const nonzero = I.helper('noGrad', I.arrow([], () => I.tf('sum', I.tf('cast', I.tf('notEqual', counted, I.tf('scalar', I.num(0))), I.str('float32')))));
      return over(I.let('nonzero', I.tf('mul', nonzero, I.tf('div', I.tf('scalar', I.get(perSample, 'size')), I.tf('scalar', I.get(counted, 'size'))))));
    };
    // Keras: over the number of per-sample losses, whatever the weights (under a mask, those it selects).
    const overBatch = (): V => (selectedV !== undefined ? over(I.let('selectedCount', I.tf('sum', selectedV))) : I.tf('div', I.tf('sum', weighted), I.tf('scalar', I.get(perSample, 'size'))));
    return I.branches([[is('none'), () => weighted], [is('sum'), () => I.tf('sum', weighted)], [is('sum_by_nonzero_weights'), byNonzero], [is('sum_over_batch_size'), overBatch]], () => {
      I.comment('Mean over the weights (tf.losses Reduction.MEAN): sum(w * l) / sum(w broadcast to l).');
      I.comment('Weights that sum to 0 (every sample ignored) give NaN, as tf.losses and torch do, with gradient 0 as');
      I.comment("torch's: the NaN is a constant chosen by a where, and the division is by 1 there, not 0 / 0.");
      if (byDenominator) {
        I.comment('A divided mean: sum(w * l) / sum(w * d), NaN where that is 0 (compared off the tape: the denominators');
        I.comment('read inputs, and tfjs has no gradient for equal), with gradient 0 there.');
        const totalDenominator = I.let('totalDenominator', I.tf('sum', byDenominator));
        const noDenominator = I.let('noDenominator', I.helper('noGrad', I.arrow([], () => I.tf('equal', totalDenominator, I.tf('scalar', I.num(0))))));
        const ratio = I.tf('div', I.tf('sum', weighted), I.tf('where', noDenominator, I.tf('onesLike', totalDenominator), totalDenominator));
        return I.tf('where', noDenominator, I.tf('fill', I.list([]), I.num(NaN)), ratio);
      }
      const total = I.let('totalWeight', I.tf('sum', I.tf('mul', w, I.tf('onesLike', losses()))));
      // Of the weights alone (k · Σw, k > 0, is 0 where Σw is): tfjs has no gradient for equal.
      const unweighted = I.let('unweighted', I.tf('equal', I.tf('sum', w), I.tf('scalar', I.num(0))));
      const mean = I.tf('div', I.tf('sum', weighted), I.tf('where', unweighted, I.tf('onesLike', total), total));
      return I.tf('where', unweighted, I.tf('fill', I.list([]), I.num(NaN)), mean);
    });
  }
}

/**
 * A loss with function parameters: each is called once on its argument, then the loss is
 * computed with the k-th tensor each returned (their dims read from it), averaged over k.
 */
function layered<V>(ctx: BodyContext<V>, functions: ReadonlyMap<string, V>): V {
  const { I, fn } = ctx;
  const calls = postorder(fn.nodes, [fn.output]).filter((n) => n.op === 'apply');
  const first = lowerNodes(ctx, calls.map((n) => n.args[0]!));
  const lists = calls.map((node) => {
    // Called on its argument laid out as the parameter declares it.
    const arg = ctx.layout.align(first.val(node.args[0]!).read(), fn.nodes[node.args[0]!]!.type.axes, applyArgumentAxes(fn, node.id)).v;
    const out = I.let(`${node.attrs.name}Out`, I.call(functions.get(node.attrs.name!)!, arg));
    return I.let(`${node.attrs.name}Layers`, I.js('asList', out));
  });
  const counts = lists.map((l) => I.get(l, 'length'));
  const mismatch = counts.slice(1).reduce((acc, c) => I.or(acc, () => I.js('ne', c, counts[0]!)), I.js('eq', counts[0]!, I.num(0)));
  I.throwIf(mismatch, 'Error', () => [`${fn.name}: the function parameters must return the same number of tensors, at least one`]);
  const values = I.let('layerLosses', I.list([]), { type: 'tf.Tensor[]' });
  const resultDims = new Set(fn.functions!.flatMap((f) => f.resultDims));
  I.forRange(counts[0]!, 'k', (k) => {
    // Result dims no input fixes are read from each layer's tensor; the others are checked.
    const read = new Map<string, V>();
    const layers = calls.map((node, j) => {
      const v = I.let(`${node.attrs.name}Layer`, I.tf('cast', I.at(lists[j]!, k), I.str('float32')));
      const name = node.attrs.name!;
      const dims = `[${node.type.axes.map((a) => a.dim).join(', ')}]`;
      I.throwIf(I.js('ne', I.get(v, 'rank'), I.num(node.type.axes.length)), 'Error', () => [`${fn.name}: '${name}' returned shape [`, I.js('join', I.get(v, 'shape'), I.str(', ')), `], not ${dims}`]);
      node.type.axes.forEach((a, i) => {
        const at = (): V => I.at(I.get(v, 'shape'), i);
        const known = read.get(a.dim) ?? (resultDims.has(a.dim) ? undefined : ctx.layout.dim(a.dim));
        if (known === undefined) {
          read.set(a.dim, I.let(a.dim, at()));
        } else {
          I.throwIf(I.js('ne', at(), known), 'Error', () => [`${fn.name}: dimension ${a.dim} of what '${name}' returned is `, at(), ', but it is ', known, ' elsewhere']);
        }
      });
      return v;
    });
    const layout = new Layout(I, { dim: (d) => read.get(d) ?? ctx.layout.dim(d), rest: () => ctx.layout.rest() });
    const layerCtx = { ...ctx, layout, given: new Map(calls.map((n, j) => [n.id, layers[j]!] as const)) };
    const per = lowerNodes(layerCtx, [fn.output]);
    I.stmt(I.js('push', values, atBoundary(layerCtx, fn.output, per.val(fn.output).read('real'))));
  });
  return I.branches([[() => I.js('eq', I.get(values, 'length'), I.num(1)), () => I.at(values, 0)]], () => I.tf('div', I.tf('addN', values), I.get(values, 'length')));
}

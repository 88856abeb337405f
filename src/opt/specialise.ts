// Bodies for the calls most callers make: with the optional inputs that default to a constant
// left out, and with the options at their defaults. Each such input's uses read its default
// spread over its axes (as src/check/inline.ts fills an input left out of a call from another
// loss), each such hyperparameter is that constant, and the optimizer folds them away: a class
// weight of 1 leaves the plain masked mean, `pos_weight = 1` drops BCE's per-element weight,
// `label_smoothing = 0` its smoothing term. The generated function runs the first body whose
// condition the call meets, the general one otherwise (src/lower/loss.ts).

import { IrBuilder } from '../ir/graph.js';
import { rootIds } from '../ir/live.js';
import { reachable } from '../ir/walk.js';
import { withNodes } from '../ir/remap.js';
import { REST, type IrFunction, type IrHyper, type IrInput, type IrNode, type IrSpecialisation, type NodeId } from '../ir/types.js';
import { analyzeTiling } from '../ir/tile.js';
import { opCost } from './choose.js';
import { OP_COSTS, type CostBackend } from './op-costs.js';

/**
 * The optional inputs a left-out call specialises: a numeric default, a fixed shape (no
 * `...`), given by the caller (not learnable), one tensor (not a list).
 */
export function leftOutInputs(fn: IrFunction): IrInput[] {
  if ((fn.functions ?? []).length > 0) return [];
  return fn.inputs.filter((i) => typeof i.default === 'number' && !i.learnable && !i.list && !i.ragged && !i.broadcasts && !i.orIndices && !i.axes.some((a) => a.name === REST));
}

/** The hyperparameters with a default (numbers, bools and strings: each a number in the IR). */
export function defaultedHypers(fn: IrFunction): IrHyper[] {
  if ((fn.functions ?? []).length > 0) return [];
  return fn.hypers.filter((h) => h.default !== undefined);
}

/**
 * `fn` with the inputs `leftOut` replaced by their defaults and dropped from its inputs, and the
 * hyperparameters `atDefault` replaced by theirs and dropped from its hypers; undefined when
 * another input defaults to a left-out one, or when the two would be tiled differently.
 */
export function substituted(fn: IrFunction, leftOut: readonly IrInput[], atDefault: readonly IrHyper[]): IrFunction | undefined {
  const names = new Set(leftOut.map((i) => i.name));
  // `y: [N] = weight` reads the tensor given for weight: left out, both are, but y may be given alone.
  if (fn.inputs.some((i) => typeof i.default === 'object' && names.has(i.default.input))) return undefined;
  const inputAt = new Map(leftOut.map((i) => [i.node, i] as const));
  const hyperAt = new Map(atDefault.map((h) => [h.node, h] as const));
  const b = new IrBuilder();
  const at = new Map<NodeId, NodeId>();
  for (const node of fn.nodes) {
    const input = inputAt.get(node.id);
    const hyper = hyperAt.get(node.id);
    at.set(node.id, input ? spread(b, node, input.default as number) : hyper ? b.constant(hyper.default!, node.type.dtype, node.span) : b.copy(node, node.args.map((a) => at.get(a)!)));
  }
  const dropped = new Set(atDefault.map((h) => h.name));
  const { specialised: _, ...general } = fn;
  const body = withNodes({ ...general, inputs: fn.inputs.filter((i) => !names.has(i.name)), hypers: fn.hypers.filter((h) => !dropped.has(h.name)) }, b.nodes, (id) => at.get(id)!);
  // The tiling plan decides the options object (`blockRows`): every body takes the same one.
  if ('plan' in analyzeTiling(fn) !== 'plan' in analyzeTiling(body)) return undefined;
  return body;
}

/** `fn` with its left-out inputs (leftOutInputs) as their defaults; undefined when it has none. */
export function withDefaultsLeftOut(fn: IrFunction): IrFunction | undefined {
  const leftOut = leftOutInputs(fn);
  return leftOut.length === 0 ? undefined : substituted(fn, leftOut, []);
}

/**
 * The work a body does on tensors: its live operations' measured costs on `target`
 * (src/opt/op-costs.ts, per 1M elements); scalars, inputs, constants and positions cost nothing.
 */
export function tensorWork(fn: IrFunction, target: CostBackend, roots: readonly NodeId[] = rootIds(fn)): number {
  const costs = OP_COSTS.ms[target];
  return [...reachable(fn.nodes, roots)].reduce((sum, id) => sum + opCost(fn.nodes[id]!, costs), 0);
}

/** What one option at its default must save of the general forward pass's tensor work to be tried. */
const WORTHWHILE_OPTION = 0.02;
/** What a specialised body must save of the general one's tensor work, forward and backward, to be worth its code. */
const WORTHWHILE_BODY = 0.05;

/** The work of the forward pass alone (its backward follows from it, and costs more to derive). */
function forwardWork(fn: IrFunction, target: CostBackend): number {
  return tensorWork(fn, target, rootIds({ ...fn, gradients: undefined }));
}

/**
 * The specialised bodies of `fn` (as checked, before optimizing), most specialised first, each
 * prepared (optimized and differentiated) by `prepare`, which returns undefined for a body it
 * cannot prepare as `general` (`fn` prepared) is; `optimize` optimizes alone, to weigh one:
 *   - with every left-out input (leftOutInputs) out and the worthwhile hyperparameters at their
 *     defaults;
 *   - with those hyperparameters at their defaults alone, when there are left-out inputs too (a
 *     class weight given, no label smoothing).
 * A hyperparameter is worthwhile when its default alone saves a fiftieth of the general forward
 * pass's tensor work on `target` (`pos_weight = 1` does; `ignore_index = -100`, compared as it
 * is, does not): one that folds nothing would only narrow when the fast body runs. A body is
 * kept when it saves a twentieth of the general body's work, forward and backward: each adds
 * as much code again to the generated function.
 */
export function specialisations(
  fn: IrFunction,
  general: IrFunction,
  passes: { readonly optimize: (body: IrFunction) => IrFunction; readonly prepare: (body: IrFunction) => IrFunction | undefined },
  target: CostBackend = 'wasm',
): IrSpecialisation[] {
  const work = forwardWork(general, target);
  // Weighed on the general body's forward pass, already optimized: re-optimizing it with one
  // constant more costs a fraction of optimizing the loss as checked.
  const forward: IrFunction = { ...general, gradients: undefined, specialised: undefined };
  const worthwhile = defaultedHypers(fn).filter((h) => {
    const alone = substituted(forward, [], [forward.hypers.find((x) => x.name === h.name)!]);
    return alone !== undefined && forwardWork(passes.optimize(alone), target) <= (1 - WORTHWHILE_OPTION) * work;
  });
  const leftOut = leftOutInputs(fn);
  const wanted: [IrInput[], IrHyper[]][] = [];
  if (leftOut.length > 0 || worthwhile.length > 0) wanted.push([leftOut, worthwhile]);
  if (leftOut.length > 0 && worthwhile.length > 0) wanted.push([[], worthwhile]);
  const whole = tensorWork(general, target);
  return wanted.flatMap(([inputs, hypers]) => {
    const body = substituted(fn, inputs, hypers);
    const ready = body && passes.prepare(body);
    return ready && tensorWork(ready, target) <= (1 - WORTHWHILE_BODY) * whole ? [{ leftOut: inputs.map((i) => i.name), atDefault: hypers.map((h) => h.name), fn: ready }] : [];
  });
}

/** select(position >= 0 along each axis, v, v): v everywhere, with the input's axes. */
function spread(b: IrBuilder, input: IrNode, value: number): NodeId {
  const c = b.constant(value, input.type.dtype, input.span);
  if (input.type.axes.length === 0) return c;
  const zero = b.constant(0, 'int', input.span);
  const everywhere = input.type.axes.map((a) => b.op('ge', [b.iota(a, input.span), zero], {}, input.span)).reduce((x, y) => b.op('and', [x, y], {}, input.span));
  return b.op('select', [everywhere, c, c], {}, input.span);
}

// The loss as it is when every optional input with a constant default is left out: each such
// input's uses read its default spread over its axes, as src/check/inline.ts fills an input left
// out of a call from another loss, so that the optimizer folds the constant away (a class
// weight of 1 leaves the plain masked mean). The generated function runs this body when the
// caller gives none of them: the general one would fill a tensor and do the weighted work.

import { IrBuilder } from './graph.js';
import { withNodes } from './remap.js';
import { REST, type IrFunction, type IrInput, type IrNode, type NodeId } from './types.js';
import { analyzeTiling } from './tile.js';

/**
 * The optional inputs a left-out call specialises: a numeric default, a fixed shape (no
 * `...`), given by the caller (not learnable), one tensor (not a list).
 */
export function leftOutInputs(fn: IrFunction): IrInput[] {
  if ((fn.functions ?? []).length > 0) return [];
  return fn.inputs.filter((i) => typeof i.default === 'number' && !i.learnable && !i.list && !i.ragged && !i.broadcasts && !i.orIndices && !i.axes.some((a) => a.name === REST));
}

/**
 * `fn` with its left-out inputs (leftOutInputs) replaced by their defaults and dropped from
 * its inputs; undefined when it has none, or when another input defaults to one of them.
 */
export function withDefaultsLeftOut(fn: IrFunction): IrFunction | undefined {
  const leftOut = leftOutInputs(fn);
  if (leftOut.length === 0) return undefined;
  const names = new Set(leftOut.map((i) => i.name));
  // `y: [N] = weight` reads the tensor given for weight: left out, both are, but y may be given alone.
  if (fn.inputs.some((i) => typeof i.default === 'object' && names.has(i.default.input))) return undefined;
  const byNode = new Map(leftOut.map((i) => [i.node, i] as const));
  const b = new IrBuilder();
  const at = new Map<NodeId, NodeId>();
  for (const node of fn.nodes) {
    const input = byNode.get(node.id);
    at.set(node.id, input ? spread(b, node, input.default as number) : rebuilt(b, node, at));
  }
  const { leftOut: _, ...general } = fn;
  const specialised = withNodes({ ...general, inputs: fn.inputs.filter((i) => !names.has(i.name)) }, b.nodes, (id) => at.get(id)!);
  // The tiling plan decides the options object (`blockRows`): both bodies take the same one.
  if ('plan' in analyzeTiling(fn) !== 'plan' in analyzeTiling(specialised)) return undefined;
  return specialised;
}

/** select(position >= 0 along each axis, v, v): v everywhere, with the input's axes. */
function spread(b: IrBuilder, input: IrNode, value: number): NodeId {
  const c = b.constant(value, input.type.dtype, input.span);
  if (input.type.axes.length === 0) return c;
  const zero = b.constant(0, 'int', input.span);
  const everywhere = input.type.axes.map((a) => b.op('ge', [b.iota(a, input.span), zero], {}, input.span)).reduce((x, y) => b.op('and', [x, y], {}, input.span));
  return b.op('select', [everywhere, c, c], {}, input.span);
}

/** `node` again over the rebuilt operands: leaves by their own methods, ops with their types inferred. */
function rebuilt(b: IrBuilder, node: IrNode, at: ReadonlyMap<NodeId, NodeId>): NodeId {
  return b.copy(node, node.args.map((a) => at.get(a)!));
}

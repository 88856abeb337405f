// The compiler's own backward pass: one pass (`fn.gradients.output` or `.perSample`, derived in
// src/grad) becomes a `tf.customGrad` whose forward computes the pass's root from the real
// tensor inputs (its arguments, in order) and saves the forward values the backward reads,
// and whose gradFunc computes the gradient nodes from `dy` and those saved tensors. Both
// halves are lowered off the tape, so the code needs no tfjs gradient for any op it uses
// (comparisons, gathers on wasm, ...).
//
// tfjs may dispose the inputs and the forward's intermediates before the backward runs, so
// the gradFunc reads only what was saved (clones tfjs keeps until the backward is done) and
// what it rebuilds: constants, positions, sizes and hyperparameters (plain numbers), and the
// cheap values the memory plan (src/grad/saved.ts) recomputes from the saved ones.

import { savedForBackward } from '../grad/saved.js';
import type { IrBackward, IrFunction, NodeId } from '../ir/types.js';
import { lowerNodes, type BodyContext } from './body.js';

/** Forward nodes lowered to a number rather than a tensor: rebuilt, never saved. */
function isNumber(fn: IrFunction, id: NodeId): boolean {
  const node = fn.nodes[id]!;
  if (node.op === 'const' || node.op === 'size') return true;
  if (node.op === 'input') return fn.hypers.some((h) => h.node === id);
  if (node.op === 'to_real' || node.op === 'rename') return isNumber(fn, node.args[0]!);
  return false;
}

export interface PassOptions<V> {
  /** The full shape of a real input, for the zeros of one the root does not depend on. */
  readonly shape: (input: IrFunction['inputs'][number]) => V;
  /**
   * Statements on the pass's value once it is computed, before anything is saved: the input
   * scan folded into the value (a throw there leaves nothing on the gradient tape).
   */
  readonly checkValue?: (value: V) => void;
}

/** `pass` as a tf.customGrad applied to the real tensor inputs: the value of its root. */
export function customGradPass<V>(ctx: BodyContext<V>, pass: IrBackward, options: PassOptions<V>): V {
  const { I, fn } = ctx;
  const real = fn.inputs.filter((i) => i.elem === 'real');
  const passed = real.map((i) => ctx.inputs.get(i.node)!);
  const savedIds = savedForBackward(fn, pass).filter((id) => !isNumber(fn, id));
  const types = real.map(() => 'tf.Tensor');

  const forward = I.arrow([{ name: 'args', type: '(tf.Tensor | tf.GradSaveFunc)[]', rest: true }], ([args]) => {
    // Inside, the inputs are the arguments: the names they had outside are rebound to them.
    const bound = savedIds.length > 0 ? I.destructure(args!, [...real.map((i, k) => I.nameOf(passed[k]!) ?? i.name), 'save'], [...types, 'tf.GradSaveFunc']) : real.length > 0 ? I.destructure(args!, real.map((i, k) => I.nameOf(passed[k]!) ?? i.name), types) : [];
    const inputs = new Map(ctx.inputs);
    real.forEach((i, k) => inputs.set(i.node, bound[k]!));
    // Each value freed after its last use but the saved ones: the memory plan (src/grad/saved.ts)
    // saved few so that the forward's large values die early.
    const nodes = lowerNodes({ ...ctx, inputs, untaped: true, disposeDead: true, tidyEach: true }, [pass.root, ...savedIds]);
    const root = nodes.val(pass.root);
    const value = root.isInput ? I.tf('clone', root.read()) : root.read();
    options.checkValue?.(value);
    // Each saved tensor once (a renamed node shares its operand's tensor).
    const saved: V[] = [];
    const slots = savedIds.map((id) => {
      const v = nodes.val(id).read();
      if (!saved.includes(v)) saved.push(v);
      return saved.indexOf(v);
    });
    if (saved.length > 0) I.stmt(I.call(bound[real.length]!, I.list(saved)));

    const gradFunc =
      real.length === 0
        ? I.arrow([], () => I.list([]), { returnType: 'tf.Tensor[]' })
        : I.arrow(
            [{ name: 'dy', type: 'tf.Tensor' }, ...(saved.length > 0 ? [{ name: 'saved', type: 'tf.Tensor[]' }] : [])],
            ([dy, kept]) =>
              I.tf(
                'tidy',
                I.arrow([], () => {
                  const given = new Map<NodeId, V>([[pass.seed, dy!]]);
                  // Under its forward name: inside gradFunc that name is the saved copy, so no
                  // forward local can be reached.
                  const locals = saved.map((v, k) => I.let(I.nameOf(v) ?? 'savedValue', I.at(kept!, k), { shadow: true }));
                  savedIds.forEach((id, k) => given.set(id, locals[slots[k]!]!));
                  // Each gradient computed in its input's layout where it can be (a contraction's operands swapped).
                  const rootLayouts = new Map(pass.grads.map((s) => [s.node, real.find((i) => i.name === s.input)?.axes ?? []] as const));
                  const nodes = lowerNodes({ ...ctx, inputs: new Map(), names: new Map(), given, untaped: true, disposeDead: true, tidyEach: true, rootLayouts }, pass.grads.map((s) => s.node));
                  // One gradient per argument, of its exact shape; a fresh tensor each (tfjs
                  // disposes the saved ones after the backward, and two arguments may be one tensor).
                  const returned: V[] = [];
                  const grads = real.map((input) => {
                    const share = pass.grads.find((s) => s.input === input.name);
                    if (!share) return I.tf('fill', options.shape(input), I.num(0));
                    const g = nodes.expand(share.node, input.axes);
                    const reused = g === dy || locals.includes(g) || returned.includes(g);
                    returned.push(g);
                    return reused ? I.tf('clone', g) : g;
                  });
                  return I.list(grads);
                }),
              ),
            { returnType: 'tf.Tensor[]' },
          );
    return I.obj([
      ['value', value],
      ['gradFunc', gradFunc],
    ]);
  });
  return I.call(I.tf('customGrad', forward), ...passed);
}

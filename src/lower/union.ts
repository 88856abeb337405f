// Inputs given in another form than the body reads them, turned into it at the boundary, in
// one place so that the module, the evaluator and the PyTorch module agree: a union input
// (`y: index[N] of C | [N, C] in [0, 1]`, MONAI's `to_onehot_y`) given as class indices is
// made one-hot along the axis of C; class indices given with a trailing size-1 axis ([N, 1],
// Keras's sparse labels) lose it.

import type { IrInput } from '../ir/types.js';
import type { Interp } from './interp.js';
import { isRest, named } from './layout.js';
import type { Signature } from './signature.js';

/**
 * `given` as the real tensor of the input's declared axes (signature.ts checked its form), laid
 * out inside: with `...`, its rest dims first (layout.ts).
 */
export function unionValue<V>(I: Interp<V>, sig: Signature<V>, input: IrInput, given: V): V {
  const indices = input.orIndices;
  const asIndices = sig.givenAsIndices.get(input.name);
  if (!indices || asIndices === undefined) throw new Error(`internal: '${input.name}' is not a checked union input`);
  const layout = sig.layout;
  // Where the classes stand among the named axes inside; oneHotReal puts them last.
  const inside = named(input.axes);
  const at = inside.findIndex((a) => a.dim === indices.of && !indices.axes.some((b) => b.dim === a.dim));
  const r = inside.length - 1;
  const hasRest = input.axes.some(isRest);
  const oneHot = (): V => {
    // Given with a size-1 axis where the classes stand ([B, 1, H, W]): without it; then rest first.
    const flat = layout.restFirst(I.tf('reshape', given, layout.declaredShape(indices.axes)), indices.axes);
    const hot = I.helper('oneHotReal', flat, layout.dim(indices.of));
    if (at === r) return hot;
    const perm = [...Array(r + 1).keys()].map((k) => (k < at ? k : k === at ? r : k - 1));
    if (!hasRest) return I.tf('transpose', hot, I.list(perm.map((k) => I.num(k))));
    // The rest dims as one, so that the permutation is known now.
    const merged = I.tf('reshape', hot, I.list([layout.restSize(), ...named(indices.axes).map((a) => layout.dim(a.dim)), layout.dim(indices.of)]));
    const moved = I.tf('transpose', merged, I.list([I.num(0), ...perm.map((k) => I.num(k + 1))]));
    return I.tf('reshape', moved, layout.shape(input.axes));
  };
  const name = I.nameOf(given) ?? input.name;
  return I.let(`${name}Probs`, I.call(I.arrow([], () => I.branches([[() => asIndices, oneHot]], () => layout.restFirst(given, input.axes)))), { dropIfUnused: true });
}

/** A union input's other form, for its documentation: '' for any other input. */
export function unionNote(i: IrInput, int = 'int32'): string {
  if (!i.orIndices) return '';
  const { axes, of } = i.orIndices;
  return `; or class indices: shape [${axes.map((a) => a.dim).join(', ')}], ${int} in [0, ${of}), made one-hot along ${of}`;
}

/** Class indices `given` as declared, or with a trailing size-1 axis (checked), without it. */
export function withoutTrailingOne<V>(I: Interp<V>, sig: Signature<V>, input: IrInput, given: V): V {
  const n = input.axes.length;
  const name = I.nameOf(given) ?? input.name;
  return I.let(`${name}Flat`, I.call(I.arrow([], () => I.branches([[() => I.js('eq', I.get(given, 'rank'), I.num(n + 1)), () => I.tf('reshape', given, sig.shape(input))]], () => given))), { dropIfUnused: true });
}

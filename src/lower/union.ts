// Inputs given in another form than the body reads them, turned into it at the boundary, in
// one place so that the module, the evaluator and the PyTorch module agree: a union input
// (`y: index[N] of C | [N, C] in [0, 1]`, MONAI's `to_onehot_y`) given as class indices is
// made one-hot along the axis of C; class indices given with a trailing size-1 axis ([N, 1],
// Keras's sparse labels) lose it.

import type { IrInput } from '../ir/types.js';
import type { Interp } from './interp.js';
import type { Signature } from './signature.js';

/** `given` as the real tensor of the input's declared axes (signature.ts checked its form). */
export function unionValue<V>(I: Interp<V>, sig: Signature<V>, input: IrInput, given: V): V {
  const indices = input.orIndices;
  const asIndices = sig.givenAsIndices.get(input.name);
  if (!indices || asIndices === undefined) throw new Error(`internal: '${input.name}' is not a checked union input`);
  // oneHotReal puts the classes last; the declared axis of C may be anywhere (MONAI's [B, C, H, W]).
  const at = input.axes.findIndex((a) => a.dim === indices.of && !indices.axes.some((b) => b.dim === a.dim));
  const r = indices.axes.length;
  const oneHot = (): V => {
    // Given with a size-1 axis where the classes stand ([B, 1, H, W]): without it.
    const flat = I.tf('reshape', given, sig.layout.shape(indices.axes));
    const hot = I.helper('oneHotReal', flat, sig.layout.dim(indices.of));
    if (at === r) return hot;
    const perm = [...Array(r + 1).keys()].map((k) => (k < at ? k : k === at ? r : k - 1));
    return I.tf('transpose', hot, I.list(perm.map((k) => I.num(k))));
  };
  const name = I.nameOf(given) ?? input.name;
  return I.let(`${name}Probs`, I.call(I.arrow([], () => I.branches([[() => asIndices, oneHot]], () => given))), { dropIfUnused: true });
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

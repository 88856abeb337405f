// List inputs (`preds: list[K] of [N, C]`) at the boundary: the caller passes an array of K
// tensors; the `withLists` helper checks it (not empty, one shape and dtype, naming the
// element that differs) and stacks it into the [K, N, C] tensor the body reads. The stack is
// outside the backward pass, so tfjs's autodiff splits the gradient back per element. A ragged
// list (`list[K] of ragged [B, C, ...]`) is checked the same way but for its '...' dims, and
// passed on as the array (src/lower/ragged.ts computes per element).

import { REST, type IrFunction, type IrInput } from '../ir/types.js';
import type { Interp } from './interp.js';
import type { LossArguments } from './loss.js';
import { describeElem, TF_OF_ELEM } from './signature.js';

/** The list inputs of a loss. */
export const listInputs = (fn: IrFunction): IrInput[] => fn.inputs.filter((i) => i.list);

const shapeText = (axes: readonly { readonly dim: string }[]): string => `[${axes.map((a) => a.dim).join(', ')}]`;

/** `list[K] of [N, C]`, `list[K] of index[N] of C`: a list input's type as declared. */
export function listTypeText(input: IrInput): string {
  const [length, ...element] = input.axes;
  const shape = shapeText(element);
  const inner = input.elem === 'index' ? `index${shape} of ${input.indexOf}` : `${input.elem === 'real' ? '' : input.elem}${shape}`;
  return `list[${length?.dim ?? ''}] of ${input.ragged ? 'ragged ' : ''}${inner}`;
}

/** `body` with the list inputs of `call` stacked (the other arguments as given); it returns `returnType`. */
export function withStackedLists<V>(I: Interp<V>, fn: IrFunction, call: LossArguments<V>, body: (call: LossArguments<V>) => V, returnType: string): V {
  const lists = listInputs(fn);
  const specs = lists.map((input) => {
    const element = input.axes.slice(1);
    const named = element.filter((a) => a.name !== REST);
    const length = input.axes[0]!.dim;
    return I.obj([
      ['name', I.str(input.name)],
      ['value', call.args.get(input.name)!],
      ['dtype', I.str(TF_OF_ELEM[input.elem])],
      ['dtypeText', I.str(describeElem(input))],
      ['rank', I.num(named.length)],
      ['atLeast', I.bool(named.length !== element.length)],
      ['shape', I.str(shapeText(element))],
      ['type', I.str(listTypeText(input))],
      ...(/^\d+$/.test(length) ? [['length', I.num(Number(length))] as const] : []),
      ...(input.ragged ? [['ragged', I.bool(true)] as const, ['restAt', I.num(element.findIndex((a) => a.name === REST))] as const] : []),
    ]);
  });
  const stacked = I.arrow(
    lists.map((i) => (i.ragged ? { name: `${i.name}Elements`, type: 'tf.Tensor[]' } : { name: `${i.name}Stacked`, type: 'tf.Tensor' })),
    (tensors) => body({ ...call, args: new Map([...call.args, ...lists.map((i, k) => [i.name, tensors[k]!] as const)]) }),
    { block: true, returnType },
  );
  return I.helper('withLists', I.str(fn.name), I.list(specs), stacked);
}

// One wrong thing done to otherwise valid inputs of a loss, and what the error must say about
// it. Read off the loss's signature alone, so it applies to every stdlib loss there will be.
import { REST, type IrFunction, type IrInput } from '../../src/ir/types.js';
import type { Rng } from './gen-program.js';
import type { Dense, Sample } from './inputs.js';

export const KINDS = ['notTensor', 'rank', 'dim', 'dtype', 'nan', 'classIndex', 'fractionalIndex', 'option', 'unknownOption', 'optionsObject', 'weights'] as const;
export type Kind = (typeof KINDS)[number];

export interface Perturbation {
  readonly kind: Kind;
  /** The input or option the message must name (quoted), when there is one. */
  readonly name?: string;
  /** Replacements for some inputs (undefined: pass nothing or a non-tensor `raw`). */
  readonly tensors: Record<string, Dense>;
  /** A value that is not a tensor, for `notTensor`. */
  readonly raw?: { readonly input: string; readonly value: unknown };
  /** Options merged over the valid ones (`null` replaces the whole object). */
  readonly options?: Record<string, unknown> | null;
  /** What the message says besides the loss and the name. */
  readonly expect: RegExp;
  /** The tfjs evaluator takes the same wrong input (it converts dtypes, and takes no options). */
  readonly evaluator: boolean;
}

const required = (fn: IrFunction): IrInput[] => fn.inputs.filter((i) => i.default === undefined);
const pick = <T>(rng: Rng, xs: readonly T[]): T | undefined => xs[Math.floor(rng() * xs.length)];
const filled = (shape: number[], dtype: Dense['dtype'], v: number): Dense => ({ shape, dtype, data: Array(shape.reduce((a, b) => a * b, 1)).fill(v) });

/** A perturbation of the given kind, or undefined when the loss has nothing it applies to. */
export function perturb(fn: IrFunction, sample: Sample, kind: Kind, rng: Rng): Perturbation | undefined {
  const inputs = required(fn).filter((i) => sample.tensors[i.name]);
  switch (kind) {
    case 'notTensor': {
      const input = pick(rng, inputs);
      if (!input) return undefined;
      // Not TensorLike either (numbers, arrays and typed arrays are converted).
      const value = pick(rng, [undefined, null, 'x', {}, () => 0]);
      // A union input names both of its forms.
      const expect = input.orIndices ? /must be a tf\.Tensor or TensorLike of class indices .* or probabilities .*, but is/ : /must be a tf\.Tensor or TensorLike of shape .*, but is/;
      return { kind, name: input.name, tensors: {}, raw: { input: input.name, value }, expect, evaluator: false };
    }
    case 'rank': {
      const input = pick(rng, inputs);
      if (!input) return undefined;
      const t = sample.tensors[input.name]!;
      const named = input.axes.filter((a) => a.name !== REST).length;
      const hasRest = input.axes.some((a) => a.name === REST);
      // With '...' only too few dims are wrong; without it, one too many or too few.
      const shape = hasRest ? (named > 0 ? t.shape.slice(t.shape.length - named + 1) : undefined) : rng() < 0.5 || t.shape.length === 0 ? [...t.shape, 2] : t.shape.slice(1);
      if (!shape) return undefined;
      // A union input's message names both of its forms: the shape fits neither, or (one dim
      // fewer) it is read as the class indices and a dim is then wrong.
      const expect = input.orIndices ? /class indices \(int32 of shape \[.*\], in \[0, \w+\)\) or probabilities \(float32 of shape \[.*\]\)/ : /should have (at least )?\d+ dimensions? \[.*\]( \(or \[.*\]: a trailing axis of size 1\))?, but has shape \[/;
      // The evaluator reads whole numbers of the indices' shape as class indices whatever their
      // dtype (as it reads JSON), so a union cut to that shape is not wrong there.
      return { kind, name: input.name, tensors: { [input.name]: filled(shape, t.dtype, 0) }, expect, evaluator: !input.orIndices };
    }
    case 'dim': {
      // A named dim of an input that an earlier input (or a declaration) has fixed already.
      const seen = new Set<string>(fn.dims.flatMap((d) => ('size' in d ? [d.dim] : [])));
      const options: { input: IrInput; k: number }[] = [];
      for (const input of inputs) {
        const named = input.axes.filter((a) => a.name !== REST);
        named.forEach((a, k) => seen.has(a.dim) && options.push({ input, k }));
        named.forEach((a) => seen.add(a.dim));
      }
      const choice = pick(rng, options);
      if (!choice) return undefined;
      const t = sample.tensors[choice.input.name]!;
      // The k-th named axis, counted from the front before '...' and from the back after it.
      const axes = choice.input.axes;
      const at = axes.indexOf(axes.filter((a) => a.name !== REST)[choice.k]!);
      const restAt = axes.findIndex((a) => a.name === REST);
      const shape = [...t.shape];
      shape[restAt >= 0 && at > restAt ? shape.length - (axes.length - at) : at]! += 1;
      return { kind, name: choice.input.name, tensors: { [choice.input.name]: filled(shape, t.dtype, 0) }, expect: /dimension .* (is \d+, but it is \d+ in|must be \d+, but)/, evaluator: true };
    }
    case 'dtype': {
      // A union input takes either dtype (int32 class indices, float32 probabilities): its
      // messages are test/union-types.test.ts's.
      const input = pick(rng, inputs.filter((i) => !i.orIndices));
      if (!input) return undefined;
      const t = sample.tensors[input.name]!;
      const dtype = t.dtype === 'float32' ? 'int32' : 'float32';
      return { kind, name: input.name, tensors: { [input.name]: { ...t, dtype } }, expect: new RegExp(`must be .*${t.dtype}.*, but has dtype ${dtype}`), evaluator: false };
    }
    case 'nan': {
      const input = pick(rng, inputs.filter((i) => i.elem === 'real' && sample.tensors[i.name]!.data.length > 0));
      if (!input) return undefined;
      const t = sample.tensors[input.name]!;
      const data = [...t.data];
      data[Math.floor(rng() * data.length)] = NaN;
      return { kind, name: input.name, tensors: { [input.name]: { ...t, data } }, expect: /holds NaN at \[[\d, ]*\], but must hold numbers/, evaluator: true };
    }
    case 'classIndex': {
      const input = pick(rng, inputs.filter((i) => i.elem === 'index' && sample.tensors[i.name]!.data.length > 0));
      if (!input) return undefined;
      const t = sample.tensors[input.name]!;
      const data = [...t.data];
      data[Math.floor(rng() * data.length)] = rng() < 0.5 ? -1 : sample.sizes.get(input.indexOf!)!;
      return { kind, name: input.name, tensors: { [input.name]: { ...t, data } }, expect: /(which is not a class index of|class index -?\d+, outside)/, evaluator: true };
    }
    case 'fractionalIndex': {
      // Generated code and the evaluator both want int32 class indices: a float32 tensor is refused.
      const input = pick(rng, inputs.filter((i) => i.elem === 'index' && sample.tensors[i.name]!.data.length > 0));
      if (!input) return undefined;
      const t = sample.tensors[input.name]!;
      const data = [...t.data];
      data[Math.floor(rng() * data.length)] = 0.5;
      const expect = /must be int32 class indices of .*, but has dtype float32/;
      return { kind, name: input.name, tensors: { [input.name]: { ...t, data, dtype: 'float32' } }, expect, evaluator: true };
    }
    case 'option': {
      const h = pick(rng, fn.hypers);
      if (!h) return undefined;
      // null reads as 'not given' (the default), so it is not among the wrong values.
      const value = h.elem === 'bool' ? pick(rng, [1, 'yes']) : pick(rng, ['1', NaN, true]);
      const expect = h.elem === 'bool' ? /must be true or false, but is/ : h.values ? /must be (a string, )?one of .*, but is/ : /must (be a number|be a whole number|lie in .*), but is/;
      return { kind, name: h.name, tensors: {}, options: { [h.name]: value }, expect, evaluator: false };
    }
    case 'unknownOption': {
      // A key the loss does not take, often a near miss of one it does.
      // Not one the loss does take (monai_dice and cross_entropy take `weight`).
      const takes = new Set([...fn.inputs.map((i) => i.name), ...fn.hypers.map((h) => h.name)]);
      const key = pick(rng, ['reduktion', 'checkvalues', 'labelSmoothing', 'weight', ...fn.hypers.map((h) => `${h.name}_`)].filter((k) => !takes.has(k)))!;
      return { kind, tensors: {}, options: { [key]: 1 }, expect: new RegExp(`unknown option '${key}'`), evaluator: false };
    }
    case 'optionsObject':
      return { kind, tensors: {}, options: null, expect: /the options must be an object, but they are null/, evaluator: false };
    case 'weights': {
      if (!fn.reduction) return undefined;
      const wrong = rng() < 0.5;
      return {
        kind,
        name: 'weights',
        tensors: {},
        options: { weights: wrong ? 'w' : { wrongShape: true } },
        expect: wrong ? /option 'weights' must be a tf\.Tensor or TensorLike/ : /option 'weights' has shape \[.*\], but it must be the per-sample shape/,
        evaluator: false,
      };
    }
  }
}

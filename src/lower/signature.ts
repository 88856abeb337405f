// The checks at the top of a loss, before any tensor is made: what a JavaScript caller may
// pass that the TypeScript types do not stop (something other than a tensor, options that are
// not an object), ranks, dtypes, dimensions agreeing across inputs, class indices in range,
// hyperparameter types and domains, the reduction options, NaN in the inputs. Every message
// names the loss, the argument and what was expected. A throw here leaks nothing.

import { REDUCTION_LIST, REDUCTION_NAMES } from '../ir/reduction.js';
import { boundaryAxes } from '../ir/axes.js';
import { trailingOne, unionClassAt } from '../ir/class-indices.js';
import { enumText } from '../ir/enum-text.js';
import type { DType } from '../ir/ops.js';
import { REST, type DomainInfo, type IrFunction, type IrInput, type NodeId } from '../ir/types.js';
import { spread, type Interp } from './interp.js';
import { Layout } from './layout.js';

/** What the checks established, for the body: sizes, hyperparameter values, options. */
export interface Signature<V> {
  readonly layout: Layout<V>;
  /** Hyperparameters by node: the validated value. */
  readonly hypers: ReadonlyMap<NodeId, { readonly value: V; readonly elem: DType }>;
  /** The `reduction` and `weights` options, when the loss has a reduction. */
  readonly reduction?: { readonly mode: V; readonly weights: V };
  /** The full shape of an input, from the dims the inputs fixed. */
  readonly shape: (input: IrInput) => V;
  /** Union inputs (`index[N] of C | [N, C]`) by name: whether this call gave class indices. */
  readonly givenAsIndices: ReadonlyMap<string, V>;
  /**
   * With inputs whose NaN test is folded into the loss's value (`folded` of checkArguments):
   * whether this call folds it (`when`), and the scan of every input in order that names the
   * first bad value (`scan`), for the loss to run when its value holds NaN.
   */
  readonly foldedScan?: { readonly when: V; readonly scan: () => void };
}

export function describeElem(input: IrInput): string {
  switch (input.elem) {
    case 'index':
      return `int32 class indices of ${input.indexOf} (in [0, ${input.indexOf}))`;
    case 'int':
      return 'int32';
    case 'bool':
      return 'bool';
    case 'real':
      return 'float32';
  }
}

/** The tfjs dtype of an input of each element type. */
export const TF_OF_ELEM = { real: 'float32', int: 'int32', index: 'int32', bool: 'bool' } as const;

const shapeText = (axes: readonly { readonly dim: string }[]): string => `[${axes.map((a) => a.dim).join(', ')}]`;

/** "`value` lies in the domain", or undefined when any value does. */
function inDomain<V>(I: Interp<V>, v: V, d: DomainInfo): V | undefined {
  if (d.kind === 'set') return I.js('includes', I.list((d.values ?? []).map((x) => I.num(x))), v);
  const parts: (() => V)[] = [];
  // An open infinite end (`[1e-4, inf)`) excludes that infinity: an infinite option is not in it.
  const checked = (bound: number | undefined, closed: boolean | undefined): bound is number => bound !== undefined && (Number.isFinite(bound) || closed !== true);
  if (checked(d.lo, d.loClosed)) parts.push(() => I.js(d.loClosed ? 'ge' : 'gt', v, I.num(d.lo!)));
  if (checked(d.hi, d.hiClosed)) parts.push(() => I.js(d.hiClosed ? 'le' : 'lt', v, I.num(d.hi!)));
  if (parts.length === 0) return undefined;
  return parts.slice(1).reduce((acc, p) => I.and(acc, p), parts[0]!());
}

/**
 * The bounds `outsideAt` checks an input against, or undefined when every value is in the
 * domain. An open infinite end excludes that infinity; an int input cannot be infinite.
 */
function domainBounds<V>(I: Interp<V>, d: DomainInfo, elem: IrInput['elem']): V | undefined {
  if (d.kind === 'set') return I.obj([['values', I.list((d.values ?? []).map((x) => I.num(x)))]]);
  const fields: [string, V][] = [];
  const end = (bound: number | undefined, closed: boolean | undefined, key: 'lo' | 'hi'): void => {
    if (bound === undefined || (Number.isFinite(bound) ? false : closed === true || elem !== 'real')) return;
    fields.push([key, I.num(bound)]);
    if (!closed) fields.push([`${key}Open`, I.bool(true)]);
  };
  end(d.lo, d.loClosed, 'lo');
  end(d.hi, d.hiClosed, 'hi');
  return fields.length > 0 ? I.obj(fields) : undefined;
}

/** What a value outside a probability or label domain most likely is, for the message. */
function domainHint(d: DomainInfo): string {
  if (d.kind === 'interval' && d.lo === 0 && d.hi === 1) return ' (probabilities or soft labels: logits need sigmoid(x) or softmax(x) first, or the loss\'s logits form)';
  if (d.kind === 'set' && d.values?.length === 2 && d.values[0] === 0 && d.values[1] === 1) return ' (labels must be 0 or 1)';
  return '';
}

/**
 * A union input (`y: index[N] of C | [N, C]`): int32 of the indices' rank is class indices,
 * float32 of one more dim probabilities; every dim as the inputs before it fixed, and with
 * `...` (`index[B, ...] of C | [B, C, ...]`) the rest dims as the input that fixed them.
 * Gives whether it came as class indices. A message that refuses it names both forms.
 */
function checkUnion<V>(
  I: Interp<V>,
  loss: string,
  input: IrInput,
  indices: NonNullable<IrInput['orIndices']>,
  p: V,
  sizeOf: (dim: string) => V | undefined,
  fixedBy: (dim: string) => string | undefined,
  restOf: () => { readonly rest: V; readonly from: string } | undefined,
): V {
  const both = `class indices (int32 of shape ${shapeText(indices.axes)}, in [0, ${indices.of})) or probabilities (float32 of shape ${shapeText(input.axes)})`;
  I.throwIf(I.js('not', I.js('isTensor', p)), 'TypeError', () => [`${loss}: input '${input.name}' must be a tf.Tensor or TensorLike of ${both}, but is `, I.helper('valueKind', p)]);
  const dtype = I.get(p, 'dtype');
  const asIndices = I.let(`${input.name}IsIndices`, I.js('eq', dtype, I.str('int32')));
  I.throwIf(I.and(I.js('not', asIndices), () => I.js('ne', dtype, I.str('float32'))), 'TypeError', () => [`${loss}: input '${input.name}' must be ${both}, but has dtype `, dtype]);
  const rank = I.get(p, 'rank');
  const hasRest = input.axes.some((a) => a.name === REST);
  const restGiven = hasRest ? restOf() : undefined;
  if (hasRest && !restGiven) throw new Error(`internal: ${loss}: union input '${input.name}' would fix the '...' dims`);
  // Ranks and positions with `...` standing for the rest dims, which an input before fixed.
  const rankOf = (axes: readonly { readonly name: string }[]): V =>
    restGiven ? I.js('add', I.num(axes.length - 1), I.get(restGiven.rest, 'length')) : I.num(axes.length);
  type Pos = { readonly fromEnd: boolean; readonly n: number };
  const posIn = (axes: readonly { readonly name: string }[], k: number): Pos => {
    const restAt = axes.findIndex((a) => a.name === REST);
    return restAt >= 0 && k > restAt ? { fromEnd: true, n: axes.length - k } : { fromEnd: false, n: k };
  };
  const posV = (q: Pos): V => (q.fromEnd ? I.js('sub', rank, I.num(q.n)) : I.num(q.n));
  // Indices may also have a size-1 axis where the classes stand (MONAI's [B, 1, H, W]).
  const at = unionClassAt(input);
  const withOne = input.axes.map((a, k) => (k === at ? { name: '1', dim: '1' } : a));
  const isWithOne = (): V => I.js('eq', rank, rankOf(withOne));
  // The position of axis `k` of `axes` in the given tensor; for the indices, in either of their forms.
  const position = (axes: readonly { readonly name: string }[], k: number, indicesForm: boolean): V => {
    const plain = posIn(axes, k);
    if (!indicesForm) return posV(plain);
    const one = posIn(withOne, withOne.findIndex((a) => a.name === axes[k]!.name));
    return plain.fromEnd === one.fromEnd && plain.n === one.n ? posV(plain) : I.js('choose', isWithOne(), posV(one), posV(plain));
  };
  const form = (axes: readonly { readonly name: string; readonly dim: string }[], isIt: V, indicesForm: boolean): void => {
    const wrongRank = I.js('ne', rank, rankOf(axes));
    const bad = indicesForm ? I.and(wrongRank, () => I.or(I.js('not', isWithOne()), () => I.js('ne', I.at(I.get(p, 'shape'), posV(posIn(withOne, at))), I.num(1)))) : wrongRank;
    I.throwIf(I.and(isIt, () => bad), 'Error', () => [
      `${loss}: input '${input.name}' must be ${both}, but is `,
      dtype,
      ' of shape [',
      I.js('join', I.get(p, 'shape'), I.str(', ')),
      ']',
    ]);
    axes.forEach((axis, k) => {
      if (axis.name === REST) {
        const { rest, from } = restGiven!;
        const mine = (): V => I.js('slice', I.get(p, 'shape'), position(axes, k, indicesForm), I.js('add', position(axes, k, indicesForm), I.get(rest, 'length')));
        I.throwIf(I.and(isIt, () => I.js('not', I.js('sameList', mine(), rest))), 'Error', () => [
          `${loss}: the '...' dimensions of '${input.name}' are [`,
          I.js('join', mine(), I.str(', ')),
          `] but those of '${from}' are [`,
          I.js('join', rest, I.str(', ')),
          `] (${input.name} given as `,
          dtype,
          `: ${both})`,
        ]);
        return;
      }
      const known = sizeOf(axis.dim);
      if (known === undefined) throw new Error(`internal: ${loss}: union input '${input.name}' would fix dimension ${axis.dim}`);
      const given = (): V => I.at(I.get(p, 'shape'), position(axes, k, indicesForm));
      I.throwIf(I.and(isIt, () => I.js('ne', given(), known)), 'Error', () => [
        `${loss}: dimension ${axis.dim} of input '${input.name}' is `,
        given(),
        ', but it is ',
        known,
        ` in '${fixedBy(axis.dim) ?? axis.dim}' (${input.name} given as `,
        dtype,
        `: ${both})`,
      ]);
    });
  };
  form(indices.axes, asIndices, true);
  form(input.axes, I.js('not', asIndices), false);
  return asIndices;
}

/**
 * `options` must be an object (a JavaScript caller may pass null or a number) with no key
 * but `known`: a misspelt option would be ignored, and the loss silently another one.
 */
export function checkOptions<V>(I: Interp<V>, fn: IrFunction, options: V, known: readonly string[]): void {
  const notObject = I.or(I.js('ne', I.js('typeOf', options), I.str('object')), () => I.js('isNull', options));
  I.throwIf(notObject, 'TypeError', () => [`${fn.name}: the options must be an object, but they are `, I.helper('valueKind', options)]);
  const options_ = known.length > 0 ? `; the options are ${known.join(', ')}` : '; it takes no options';
  // A tensor passed one place too far (per-sample weights after the inputs) would otherwise
  // be read as an object whose keys are a tf.Tensor's own fields: "unknown option 'kept'".
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const after = positional.length > 0 ? `, after the inputs ${positional.join(', ')}` : '';
  const tensors = known.filter((k) => k === 'weights' || fn.inputs.some((i) => i.name === k));
  const byName = tensors.length > 0 ? `: tensors go in it by name, ${tensors.map((k) => `{ ${k}: ... }`).join(' or ')}` : '';
  I.throwIf(I.js('isTensor', options), 'TypeError', () => [
    `${fn.name}: the options must be a plain object, but a tf.Tensor of shape [`,
    I.js('join', I.get(options, 'shape'), I.str(', ')),
    `] was given in their place${after}${byName}${options_}`,
  ]);
  I.throwIf(I.js('isArray', options), 'TypeError', () => [`${fn.name}: the options must be a plain object, but an array was given in their place${after}${byName}${options_}`]);
  const unknown = I.let('unknownKey', I.helper('unknownOption', options, I.list(known.map((k) => I.str(k)))));
  I.throwIf(I.js('ne', unknown, I.undef()), 'TypeError', () => [`${fn.name}: unknown option `, unknown, options_]);
}

/**
 * A broadcast input (`broadcast m: [B, H, L]`): at most its declared rank, each dim it has
 * (aligned from the right) 1 or the size another input fixed; its dtype as declared.
 */
function checkBroadcast<V>(I: Interp<V>, loss: string, input: IrInput, p: V, n: number, expected: string, size: (dim: string) => V | undefined): void {
  const rank = I.get(p, 'rank');
  I.throwIf(I.js('gt', rank, I.num(n)), 'Error', () => [
    `${loss}: input '${input.name}' should have at most ${n} dimension${n === 1 ? '' : 's'} ${expected} (it broadcasts), but has shape [`,
    I.js('join', I.get(p, 'shape'), I.str(', ')),
    ']',
  ]);
  const dtype = TF_OF_ELEM[input.elem];
  I.throwIf(I.js('ne', I.get(p, 'dtype'), I.str(dtype)), 'TypeError', () => [`${loss}: input '${input.name}' must be ${describeElem(input)}, but has dtype `, I.get(p, 'dtype')]);
  input.axes.forEach((axis, i) => {
    const known = size(axis.dim);
    if (known === undefined) throw new Error(`internal: ${loss}: broadcast input '${input.name}' would fix dimension ${axis.dim}`);
    // Position i of the declared shape is position i - (n - rank) of the given one, if any.
    const at = (): V => I.at(I.get(p, 'shape'), I.js('sub', I.js('add', I.num(i), rank), I.num(n)));
    const present = (): V => I.js('ge', I.js('add', I.num(i), rank), I.num(n));
    const wrong = I.and(present(), () => I.and(I.js('ne', at(), I.num(1)), () => I.js('ne', at(), known)));
    I.throwIf(wrong, 'Error', () => [
      `${loss}: dimension ${axis.dim} of input '${input.name}' is `,
      at(),
      ', but it must be 1 or ',
      known,
      ` (shape ${expected}, broadcast)`,
    ]);
  });
}

/**
 * An option that is one of a list of strings (`act: 'sigmoid' | 'softmax'`): a string of the
 * list, its default when left out; the body reads its position in the list.
 */
function checkEnumOption<V>(I: Interp<V>, loss: string, name: string, values: readonly string[], dflt: number | undefined, access: V): V {
  const listed = enumText(values);
  const value = I.let(name, dflt === undefined ? access : I.js('orElse', access, I.str(values[dflt]!)));
  if (dflt === undefined) I.throwIf(I.js('eq', value, I.undef()), 'TypeError', () => [`${loss}: option '${name}' is required (it has no default): one of ${listed}`]);
  I.throwIf(I.js('ne', I.js('typeOf', value), I.str('string')), 'TypeError', () => [`${loss}: option '${name}' must be a string, one of ${listed}, but is `, I.js('string', value)]);
  const position = I.let(`${name}_position`, I.js('indexOf', I.list(values.map((v) => I.str(v))), value));
  I.throwIf(I.js('lt', position, I.num(0)), 'RangeError', () => [`${loss}: option '${name}' must be one of ${listed}, but is '`, value, "'"]);
  return position;
}

/**
 * The dims a ragged list (`list[K] of ragged [B, C, ...]`, given as its array of elements,
 * which withLists checked agree in all but their '...' dims) fixes or must agree with: K its
 * length, the named dims those of its first element.
 */
function checkRaggedDims<V>(I: Interp<V>, loss: string, input: IrInput, elements: V, dims: Map<string, V>, fixedBy: Map<string, string>): void {
  const element = input.axes.slice(1);
  const restAt = element.findIndex((a) => a.name === REST);
  const named = element.filter((a) => a.name !== REST);
  const n = named.length;
  const first = I.let(`${input.name}First`, I.at(elements, 0));
  const sizes: [string, () => V][] = [
    [input.axes[0]!.dim, () => I.get(elements, 'length')],
    ...named.map((a, i): [string, () => V] => [a.dim, () => I.at(I.get(first, 'shape'), restAt < 0 || i < restAt ? I.num(i) : I.js('sub', I.get(first, 'rank'), I.num(n - i)))]),
  ];
  for (const [dim, at] of sizes) {
    const known = dims.get(dim);
    if (known === undefined) {
      dims.set(dim, I.let(dim, at(), { dropIfUnused: true }));
      fixedBy.set(dim, input.name);
      continue;
    }
    I.throwIf(I.js('ne', at(), known), 'Error', () => [`${loss}: dimension ${dim} of input '${input.name}' is `, at(), ', but it is ', known, ` in '${fixedBy.get(dim)}' (${input.name}: list[${input.axes[0]!.dim}] of ragged ${shapeText(element)})`]);
  }
}

/**
 * Checks the inputs (`inputs`: what holds each, undefined for an optional one left out),
 * hyperparameters and options of `fn`, and reads the sizes of its dims. `folded`: required real
 * inputs whose NaN the loss's value is sure to show (src/ir/nan-reach.ts), left out of the NaN
 * test of the scan here when the call allows it (`foldedScan`).
 */
export function checkArguments<V>(I: Interp<V>, fn: IrFunction, inputs: ReadonlyMap<string, V>, options: V, folded: ReadonlySet<string> = new Set()): Signature<V> {
  const loss = fn.name;
  const dims = new Map<string, V>();
  const fixedBy = new Map<string, string>();
  let rest: V | undefined;
  let restFrom = '';

  const givenAsIndices = new Map<string, V>();
  for (const input of fn.inputs) {
    const p = inputs.get(input.name)!;
    if (input.orIndices) {
      // Its dims are fixed by inputs of one type, which come before it.
      givenAsIndices.set(input.name, checkUnion(I, loss, input, input.orIndices, p, (d) => dims.get(d), (d) => fixedBy.get(d), () => (rest === undefined ? undefined : { rest, from: restFrom })));
      continue;
    }
    if (input.ragged) {
      checkRaggedDims(I, loss, input, p, dims, fixedBy);
      continue;
    }
    // `[B, C, ...]`: the dims before `...` are counted from the front, those after it from the back.
    const restAt = input.axes.findIndex((a) => a.name === REST);
    const hasRest = restAt >= 0;
    const namedAxes = input.axes.filter((a) => a.name !== REST);
    const n = namedAxes.length;
    const before = hasRest ? restAt : n;
    const expected = shapeText(input.axes);
    const checks = (): void => {
      I.throwIf(I.js('not', I.js('isTensor', p)), 'TypeError', () => [`${loss}: input '${input.name}' must be a tf.Tensor or TensorLike of shape ${expected}, but is `, I.helper('valueKind', p)]);
      if (input.broadcasts) {
        checkBroadcast(I, loss, input, p, n, expected, (d) => dims.get(d));
        return;
      }
      // `[...]` alone takes any rank.
      if (!hasRest || n > 0) {
        const rank = I.get(p, 'rank');
        // Class indices may come with a trailing size-1 axis (Keras's sparse labels, [N, 1]).
        const one = trailingOne(input);
        const wrongRank = I.js(hasRest ? 'lt' : 'ne', rank, I.num(n));
        const bad = one ? I.and(wrongRank, () => I.or(I.js('ne', rank, I.num(n + 1)), () => I.js('ne', I.at(I.get(p, 'shape'), n), I.num(1)))) : wrongRank;
        I.throwIf(bad, 'Error', () => [
          `${loss}: input '${input.name}' should have ${hasRest ? 'at least ' : ''}${n} dimension${n === 1 ? '' : 's'} ${expected}${one ? ` (or ${shapeText([...input.axes, { dim: '1' }])}: a trailing axis of size 1)` : ''}, but has shape [`,
          I.js('join', I.get(p, 'shape'), I.str(', ')),
          ']',
        ]);
      }
      const dtype = TF_OF_ELEM[input.elem];
      I.throwIf(I.js('ne', I.get(p, 'dtype'), I.str(dtype)), 'TypeError', () => [`${loss}: input '${input.name}' must be ${describeElem(input)}, but has dtype `, I.get(p, 'dtype')]);
      if (hasRest) {
        const lead = (): V =>
          n === 0 ? I.js('slice', I.get(p, 'shape')) : I.js('slice', I.get(p, 'shape'), I.num(before), I.js('sub', I.get(p, 'rank'), I.num(n - before)));
        if (rest === undefined) {
          if (input.default !== undefined) throw new Error(`internal: ${loss}: optional input '${input.name}' would fix the '...' dims`);
          rest = I.let('rest', lead(), { dropIfUnused: true });
          restFrom = input.name;
        } else {
          const r = rest;
          const mine = I.once('lead', lead());
          I.throwIf(I.js('not', I.js('sameList', mine, r)), 'Error', () => [
            `${loss}: the ${restAt === 0 ? 'leading ' : ''}'...' dimensions of '${input.name}' are [`,
            I.js('join', mine, I.str(', ')),
            `] but those of '${restFrom}' are [`,
            I.js('join', r, I.str(', ')),
            ']',
          ]);
        }
      }
      namedAxes.forEach((axis, i) => {
        const at = (): V => I.at(I.get(p, 'shape'), i >= before ? I.js('sub', I.get(p, 'rank'), I.num(n - i)) : i);
        const known = dims.get(axis.dim);
        if (known === undefined) {
          if (input.default !== undefined) throw new Error(`internal: ${loss}: optional input '${input.name}' would fix dimension ${axis.dim} inside its checks`);
          // The rank was checked just above, so the position exists.
          dims.set(axis.dim, I.let(axis.dim, at(), { dropIfUnused: true }));
          fixedBy.set(axis.dim, input.name);
        } else {
          I.throwIf(I.js('ne', at(), known), 'Error', () => [
            `${loss}: dimension ${axis.dim} of input '${input.name}' is `,
            at(),
            ', but it is ',
            known,
            ` in '${fixedBy.get(axis.dim)}' (shape ${expected})`,
          ]);
        }
      });
    };
    // A learnable parameter may be the only input with a dim (`param centers: [C, D] = 0`
    // beside `y: index[N] of C`): read from it when it is a tensor, and it must then be given.
    if (input.learnable) {
      namedAxes.forEach((axis, i) => {
        if (dims.has(axis.dim) || /^\d+$/.test(axis.dim)) return;
        // Checked just below: the parameter is given (and its checks say when it is no tensor).
        const size = I.let(axis.dim, I.js('choose', I.js('isTensor', p), I.at(I.get(p, 'shape'), i), I.num(0)));
        I.throwIf(I.js('eq', p, I.undef()), 'Error', () => [
          `${loss}: dimension ${axis.dim} is fixed by no required input, only by the learnable parameter '${input.name}': pass it (from ${loss}_parameters({ ${axis.dim}: ... }))`,
        ]);
        dims.set(axis.dim, size);
        fixedBy.set(axis.dim, input.name);
      });
    }
    // An optional input (`weight: [C] = 1`) is checked only when given; the required inputs,
    // which come first, have fixed its dims already.
    if (input.default !== undefined) I.when(I.js('ne', p, I.undef()), checks);
    else checks();
  }

  // resize(y, like: p[k]) resamples y's '...' dims one by one to an element's: their number
  // must agree (the elements agree among themselves, checked by withLists), said here with the
  // inputs' names rather than by the resampling helper.
  const raggedList = fn.inputs.find((i) => i.ragged);
  if (raggedList && rest !== undefined && fn.nodes.some((n) => n.op === 'resize')) {
    const name = raggedList.name;
    const element = raggedList.axes.slice(1);
    const restAt = element.findIndex((a) => a.name === REST);
    const named = element.length - 1;
    const first = I.at(inputs.get(name)!, I.num(0));
    const own = (): V => I.js('slice', I.get(first, 'shape'), I.num(restAt), I.js('sub', I.get(first, 'rank'), I.num(named - restAt)));
    const r = rest;
    const from = inputs.get(restFrom)!;
    I.throwIf(I.js('ne', I.get(own(), 'length'), I.get(r, 'length')), 'Error', () => [
      `${loss}: the '...' dimensions of ${name}[0] are [`,
      I.js('join', own(), I.str(', ')),
      '] (shape [',
      I.js('join', I.get(first, 'shape'), I.str(', ')),
      `]) but those of '${restFrom}' are [`,
      I.js('join', r, I.str(', ')),
      '] (shape [',
      I.js('join', I.get(from, 'shape'), I.str(', ')),
      `]): resize(…, like: ${name}[k]) brings each '...' dimension of '${restFrom}' to an element's, so they must agree in number`,
    ]);
  }

  for (const source of fn.dims) {
    if (!('size' in source)) continue;
    const known = dims.get(source.dim);
    if (known === undefined) {
      dims.set(source.dim, I.let(source.dim, I.num(source.size), { dropIfUnused: true }));
    } else {
      I.throwIf(I.js('ne', known, I.num(source.size)), 'Error', () => [`${loss}: dimension ${source.dim} must be ${source.size}, but '${fixedBy.get(source.dim)}' gives `, known]);
    }
  }

  // Dims made by flatten: the product of the merged ones (a size the inputs give must equal it).
  for (const source of fn.dims) {
    if (!('product' in source)) continue;
    // `flatten(x, ..., S)`: S holds the rest dims.
    const factor = (d: string): V => (d === REST ? I.js('product', rest ?? I.list([])) : dims.get(d) ?? I.num(Number(d)));
    const product = source.product.map(factor).reduce((a, b) => I.js('mul', a, b));
    const known = dims.get(source.dim);
    if (known === undefined) dims.set(source.dim, I.let(source.dim, product, { dropIfUnused: true }));
    else I.throwIf(I.js('ne', known, product), 'Error', () => [`${loss}: dimension ${source.dim} is ${source.product.join('·')} = `, product, `, but '${fixedBy.get(source.dim)}' gives `, known]);
  }

  const dim = (d: string): V => {
    const v = dims.get(d);
    if (v === undefined) throw new Error(`${loss}: no input or declaration gives the size of dimension ${d}`);
    return v;
  };
  const restOf = (): V => {
    if (rest === undefined) throw new Error(`internal: ${loss} uses '...' but has no input with it`);
    return rest;
  };
  const layout = new Layout(I, { dim, rest: restOf });

  // Class indices: whole by dtype; the range needs the values, scanned with the other inputs
  // at the end (one read back for all).
  const checkValues = I.let('checkValues', I.js('ne', I.get(options, 'checkValues'), I.bool(false)), { dropIfUnused: true });
  const indexScans: { input: IrInput; value: V; size: V; guard?: () => V }[] = [];
  for (const input of fn.inputs) {
    if (input.elem !== 'index' || !input.indexOf) continue;
    const p = inputs.get(input.name)!;
    const size = dim(input.indexOf);
    indexScans.push({ input, value: p, size });
    // One class makes every index 0 and a softmax over it 1: the loss is constant, its
    // gradient 0 forever, and nothing else would say so (Keras warns on [N, 1] logits).
    const single = (): void =>
      I.throwIf(I.js('eq', size, I.num(1)), 'RangeError', () => [
        `${loss}: input '${input.name}' indexes classes of ${input.indexOf}, which has size 1: with a single class every index is 0 and a softmax over it is 1, so the loss is constant and its gradient 0; give at least 2 classes, or use a binary loss (bce_with_logits) on one logit per sample`,
      ]);
    I.when(checkValues, () => (input.default === undefined ? single() : I.when(I.js('ne', p, I.undef()), single)));
  }
  // A union input given as class indices is scanned as them, given as probabilities as a real input.
  for (const input of fn.inputs) {
    const guard = givenAsIndices.get(input.name);
    if (!input.orIndices || guard === undefined) continue;
    const size = dim(input.orIndices.of);
    indexScans.push({ input: { ...input, elem: 'index', indexOf: input.orIndices.of, axes: input.orIndices.axes }, value: inputs.get(input.name)!, size, guard: () => guard });
    // With one class every index is 0 and its one-hot all 1, whatever the labels meant: MONAI
    // ignores to_onehot_y then and reads [B, 1, ...] labels as the probabilities.
    I.throwIf(I.and(guard, () => I.js('eq', size, I.num(1))), 'RangeError', () => [
      `${loss}: input '${input.name}' is given as class indices of ${input.orIndices!.of}, which has size 1: with a single class every index is 0 and its one-hot row all 1, so the labels would be lost; give '${input.name}' as probabilities (float32 of shape ${shapeText(input.axes)}, e.g. 0/1 labels)`,
    ]);
  }
  // An ignoring input (`ignore h`) also admits h's value.
  const ignoreOf = (input: IrInput): V | undefined => {
    const node = input.ignore === undefined ? undefined : fn.hypers.find((h) => h.name === input.ignore)?.node;
    return node === undefined ? undefined : hypers.get(node)?.value;
  };
  const indexBounds = (size: V, input: IrInput): V => {
    const except = ignoreOf(input);
    return I.obj([['lo', I.num(0)], ['hi', size], ['hiOpen', I.bool(true)], ...(except !== undefined ? [['except', except] as const] : [])]);
  };

  const hypers = new Map<NodeId, { value: V; elem: DType }>();
  for (const h of fn.hypers) {
    if (h.values) {
      hypers.set(h.node, { value: checkEnumOption(I, loss, h.name, h.values, h.default, I.get(options, h.name)), elem: 'int' });
      continue;
    }
    const access = I.get(options, h.name);
    const dflt = h.default === undefined ? undefined : h.elem === 'bool' ? I.bool(h.default !== 0) : I.num(h.default);
    const value = I.let(h.name, dflt === undefined ? access : I.js('orElse', access, dflt));
    hypers.set(h.node, { value, elem: h.elem });
    if (dflt === undefined) {
      // Typed as required; a JavaScript caller may still leave it out.
      I.throwIf(I.js('eq', value, I.undef()), 'TypeError', () => [`${loss}: option '${h.name}' is required (it has no default)`]);
    }
    if (h.elem === 'int') {
      I.throwIf(I.js('not', I.js('isInteger', value)), 'RangeError', () => [`${loss}: option '${h.name}' must be a whole number, but is `, value]);
    }
    const domain = h.domain && h.elem !== 'bool' ? h.domain : undefined;
    const inside = domain ? inDomain(I, value, domain) : undefined;
    if (h.elem === 'bool') {
      I.throwIf(I.js('ne', I.js('typeOf', value), I.str('boolean')), 'TypeError', () => [`${loss}: option '${h.name}' must be true or false, but is `, I.js('string', value)]);
    } else {
      // NaN passes every comparison: without a domain check (which says NaN is outside it), say it here.
      const notNumber = I.js('ne', I.js('typeOf', value), I.str('number'));
      const bad = inside !== undefined ? notNumber : I.or(notNumber, () => I.js('isNaN', value));
      I.throwIf(bad, 'TypeError', () => [`${loss}: option '${h.name}' must be a number, but is `, I.js('string', value)]);
    }
    if (inside !== undefined) {
      I.throwIf(I.js('not', inside), 'RangeError', () => [`${loss}: option '${h.name}' must lie in ${domain!.text}, but is `, value]);
    }
  }

  // Fixed positions (`x[..., 0]`) must exist along their axis.
  const seenPicks = new Set<string>();
  for (const node of fn.nodes) {
    if (node.op !== 'pick') continue;
    const axis = fn.nodes[node.args[0]!]?.type.axes.find((a) => a.name === node.attrs.axis);
    const index = node.attrs.index ?? 0;
    if (!axis || seenPicks.has(`${axis.dim}:${index}`) || !dims.has(axis.dim)) continue;
    seenPicks.add(`${axis.dim}:${index}`);
    const size = dim(axis.dim);
    // Position -k counts from the end: it needs k elements, position k needs k + 1.
    const tooSmall = index >= 0 ? I.js('le', size, I.num(index)) : I.js('lt', size, I.num(-index));
    I.throwIf(tooSmall, 'RangeError', () => [`${loss}: position ${index} along ${axis.dim} does not exist: ${axis.dim} is `, size]);
  }

  let reduction: Signature<V>['reduction'];
  if (fn.reduction) {
    const perSample = fn.nodes[fn.reduction.perSample];
    if (!perSample) throw new Error(`internal: ${loss}: no per-sample node %${fn.reduction.perSample}`);
    // Weights are given in the order callers see the per-sample losses.
    const axes = boundaryAxes(fn, fn.reduction.perSample);
    const mode = I.let('reduction', I.js('orElse', I.get(options, 'reduction'), I.str(fn.reduction.kind)));
    const unknown = REDUCTION_NAMES.slice(1).reduce((acc, m) => I.and(acc, () => I.js('ne', mode, I.str(m))), I.js('ne', mode, I.str(REDUCTION_NAMES[0]!)));
    I.throwIf(unknown, 'RangeError', () => [`${loss}: option 'reduction' must be ${REDUCTION_LIST}, but is `, I.js('string', mode)]);
    const weights = I.let('weights', I.get(options, 'weights'));
    I.when(I.js('ne', weights, I.undef()), () => {
      I.throwIf(I.js('not', I.js('isTensor', weights)), 'TypeError', () => [
        `${loss}: option 'weights' must be a tf.Tensor or TensorLike of the per-sample shape ${shapeText(axes)}, but is `,
        I.helper('valueKind', weights),
      ]);
      const expected = I.let('perSampleShape', layout.declaredShape(axes));
      I.throwIf(I.js('not', I.js('leadingPart', I.get(weights, 'shape'), expected)), 'Error', () => [
        `${loss}: option 'weights' has shape [`,
        I.js('join', I.get(weights, 'shape'), I.str(', ')),
        `], but it must be the per-sample shape ${shapeText(axes)} = [`,
        I.js('join', expected, I.str(', ')),
        '] or a leading part of it (a dimension may be 1)',
      ]);
    });
    reduction = { mode, weights };
  }

  // NaN in a real input (or in the weights), or a value outside an input's declared domain
  // (`p: [N] in [0, 1]` given logits, `y in {0, 1}` given 2, ±Infinity where the domain
  // excludes it), or a class index out of range, would only come out the other end as a wrong
  // number: name it here. All inputs are scanned on the device at once with a single read back
  // (`mayBeOutside`); only when that finds something does each input get its own scan, in
  // order, for the message. `checkValues: false` skips both in a hot loop once the inputs are
  // known to be clean.
  // NaN in an input the loss's value carries NaN from (`folded`) is found by reading that value
  // (the loss does, `foldedScan`), not by reducing the input again here: without checkFinite
  // (whose own diagnosis runs first), on a backend whose arithmetic keeps NaN, and when no input
  // is empty (a broadcast against an empty axis drops elements).
  const foldable = fn.inputs.filter((i) => folded.has(i.name) && i.elem === 'real' && i.default === undefined && !i.orIndices);
  const foldWhen =
    foldable.length > 0
      ? I.let(
          'foldScan',
          I.and(checkValues, () => I.and(I.js('ne', I.get(options, 'checkFinite'), I.bool(true)), () => I.helper('foldsNaNScan', I.list(foldable.map((i) => inputs.get(i.name)!))))),
        )
      : undefined;
  const scanned: { what: string; value: V; optional: boolean; domain?: DomainInfo; elem: IrInput['elem']; guard?: () => V; nanFolded?: boolean; list?: string; elements?: true }[] = fn.inputs
    .filter((i) => i.elem === 'real' || (i.elem === 'int' && i.domain !== undefined))
    .map((i) => {
      const asIndices = givenAsIndices.get(i.name);
      return {
        what: `input '${i.name}'`,
        value: inputs.get(i.name)!,
        optional: i.default !== undefined,
        elem: i.elem,
        ...(i.domain ? { domain: i.domain } : {}),
        ...(asIndices !== undefined ? { guard: () => I.js('not', asIndices) } : {}),
        ...(foldable.includes(i) ? { nanFolded: true } : {}),
        ...(i.list ? { list: i.name } : {}),
        // A ragged list's elements, scanned one by one (the position names the element first).
        ...(i.ragged ? { elements: true as const } : {}),
      };
    });
  if (reduction) scanned.push({ what: "option 'weights'", value: reduction.weights, optional: true, elem: 'real' });
  // An entry scanned only when `guard` holds (a union input's form): else one that scans nothing.
  const guarded = (guard: (() => V) | undefined, entry: V): V => (guard === undefined ? entry : I.js('choose', guard(), entry, I.list([I.undef()])));
  const scanEach = (): void => {
    for (const { input, value: p, size, guard } of indexScans) {
      const scan = (): void => {
        const bad = I.let(`outside_${input.name}`, I.helper('outsideAt', p, indexBounds(size, input)));
        const except = ignoreOf(input);
        I.throwIf(I.js('ne', bad, I.undef()), 'RangeError', () => [
          `${loss}: input '${input.name}' holds `,
          I.get(bad, 'value'),
          `, which is not a class index of ${input.indexOf} in [0, `,
          size,
          ...(except !== undefined ? [`) nor its ignore value ${input.ignore} = `, except] : [')']),
        ]);
      };
      if (guard !== undefined) I.when(guard(), scan);
      else if (input.default === undefined) scan();
      else I.when(I.js('ne', p, I.undef()), scan);
    }
    for (const { what, value, optional, domain, elem, guard, list, elements } of scanned) {
      const scan = (): void => {
        const bounds = domain ? domainBounds(I, domain, elem) : undefined;
        const base = I.nameOf(value) ?? 'value';
        // A list input names the element, then the position inside it: 'in preds[1] at [0, 2]'
        // (a ragged list's elements are scanned one by one).
        const args = list !== undefined ? [bounds ?? I.undef(), I.str(list)] : bounds ? [bounds] : [];
        const bad = I.let(`outside_${base}`, I.helper(elements ? 'outsideAtEach' : 'outsideAt', value, ...args));
        const found = I.js('ne', bad, I.undef());
        const at = list !== undefined ? ' in ' : ' at ';
        I.throwIf(bounds ? I.and(found, () => I.js('isNaN', I.get(bad, 'value'))) : found, 'RangeError', () => [
          `${loss}: ${what} holds NaN${at}`,
          I.get(bad, 'at'),
          ', but must hold numbers (float32 values that are not NaN)',
        ]);
        if (bounds) {
          I.throwIf(found, 'RangeError', () => [
            `${loss}: ${what} holds `,
            I.get(bad, 'value'),
            at,
            I.get(bad, 'at'),
            ' (flat position ',
            I.get(bad, 'flat'),
            `), outside its declared domain ${domain!.text}${domainHint(domain!)}`,
          ]);
        }
      };
      if (guard !== undefined) I.when(guard(), scan);
      else if (optional) I.when(I.js('ne', value, I.undef()), scan);
      else scan();
    }
  };
  if (scanned.length + indexScans.length > 0) {
    I.when(checkValues, () => {
      const entries = [
        ...indexScans.map(({ input, value, size, guard }) => guarded(guard, I.list([value, indexBounds(size, input)]))),
        ...scanned.map(({ value, domain, elem, guard, nanFolded, elements }) => {
          const bounds = domain ? domainBounds(I, domain, elem) : undefined;
          if (elements) return spread(bounds ? I.helper('eachElement', value, bounds) : I.helper('eachElement', value));
          if (nanFolded) return I.list([value, bounds ?? I.undef(), foldWhen!]);
          return guarded(guard, I.list(bounds ? [value, bounds] : [value]));
        }),
      ];
      I.when(I.helper('mayBeOutside', I.list(entries)), scanEach);
    });
  }

  const shape = (input: IrInput): V => layout.shape(input.axes);
  return { layout, hypers, shape, givenAsIndices, ...(reduction ? { reduction } : {}), ...(foldWhen !== undefined ? { foldedScan: { when: foldWhen, scan: scanEach } } : {}) };
}

// Plans one generated loss function: its names, options interface, parameters, JSDoc and
// body text. Pure data out; `module.ts` turns the plan into ts-morph structures. The body is
// the one lowering (src/lower) read by the source interpreter.

import { REDUCTION_NAMES } from '../ir/reduction.js';
import { enumText, quoted } from '../ir/enum-text.js';
import { boundaryAxes, restNote } from '../ir/axes.js';
import { REST, type Axis, type IrFunction, type IrInput } from '../ir/types.js';
import { hasFiniteCheck, lowerLoss, optionKeys, returnsScalar } from '../lower/loss.js';
import { describeElem, TF_OF_ELEM } from '../lower/signature.js';
import { unionNote } from '../lower/union.js';
import { HELPER_NAMES, type HelperName } from '../runtime/helper-sources.js';
import { commentText, isIdentifierName, numberLiteral, pascalCase, propertyAccess, propertyKey, RESERVED, Scope } from './names.js';
import { codeOf, SourceInterp } from './source-interp.js';


export interface PlannedProperty {
  readonly key: string;
  readonly type: string;
  readonly optional: boolean;
  readonly doc: string;
}

export interface PlannedParam {
  readonly name: string;
  readonly type: string;
  readonly doc: string;
}

export interface LossPlan {
  /** The declared function name (the loss name, or with `_` when that cannot be one). */
  readonly functionName: string;
  /** Set when the loss is also exported under its own name (`export { delete_ as delete }`). */
  readonly exportAlias?: string;
  readonly optionsName: string;
  readonly optionsProps: readonly PlannedProperty[];
  /** Some hyperparameter has no default, so `options` cannot default to `{}`. */
  readonly optionsRequired: boolean;
  readonly params: readonly PlannedParam[];
  readonly optionsParam: string;
  readonly hasReduction: boolean;
  readonly scalar: boolean;
  /** JSDoc description: the doc text and the formula. */
  readonly description: string;
  readonly returnsDoc: string;
  readonly noneReturnsDoc: string;
  readonly body: string;
  readonly helpers: ReadonlySet<HelperName>;
  /** `<loss>_parameters(dims)`, creating the tf.Variables of the learnable parameters. */
  readonly parameters?: ParametersFactory;
  /** `<loss>.forLayers(options)`: the loss in tfjs-layers' convention (a statement, with its doc). */
  readonly forLayers?: string;
}

export interface ParametersFactory {
  readonly name: string;
  /** `{ T: number }`: the dims the variables' shapes need. */
  readonly dimsType: string;
  readonly returnType: string;
  /** The `name` parameter's default: the variables' names start with it. */
  readonly defaultName: string;
  readonly body: string;
  readonly doc: string;
}

const shapeText = (axes: readonly Axis[]): string => `[${axes.map((a) => a.dim).join(', ')}]`;

/** A code fence longer than any backtick run in `text`, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

/** Names taken at module level: the import, the helpers, and every loss planned so far. */
export class ModuleNames {
  readonly scope = new Scope(HELPER_NAMES);

  functionName(name: string): { functionName: string; exportAlias?: string } {
    const plain = isIdentifierName(name) && !RESERVED.has(name) && !this.scope.has(name);
    const functionName = this.scope.claim(plain ? name : `${name}_`);
    return plain || !isIdentifierName(name) ? { functionName } : { functionName, exportAlias: name };
  }
}

/** A tensor argument's type: a tensor, or what tf.tensor makes one of (converted, then disposed). */
const TENSOR_TYPE = 'tf.Tensor | tf.TensorLike';

function inputPlan(i: IrInput, local: string): PlannedParam {
  if (i.list) return listPlan(i, local);
  return {
    name: local,
    type: TENSOR_TYPE,
    doc: commentText(
      `${i.name === local ? '' : `\`${i.name}\`: `}shape ${shapeText(i.axes)}${restNote(i.axes)}, ${describeElem(i)}${i.domain ? `, values in ${i.domain.text}` : ''}${unionNote(i)}`,
    ),
  };
}

/**
 * A list input (`list[K] of [N, C]`): an array of tensors, a tuple of K of them when K is a
 * number. Readonly, so that a caller's `as const` tuple is accepted.
 */
function listPlan(i: IrInput, local: string): PlannedParam {
  const length = i.axes[0]!.dim;
  const type = /^\d+$/.test(length) ? `readonly [${Array.from({ length: Number(length) }, () => TENSOR_TYPE).join(', ')}]` : `readonly (${TENSOR_TYPE})[]`;
  const element = i.axes.slice(1);
  return {
    name: local,
    type,
    doc: commentText(
      `${i.name === local ? '' : `\`${i.name}\`: `}${listTypeText(i)}: ${length} tensors of shape ${shapeText(element)}${restNote(element)}, ${describeElem(i)}${i.domain ? `, values in ${i.domain.text}` : ''}, stacked along ${length} inside (each gets its own gradient)`,
    ),
  };
}

export type { LowerOptions as PlanOptions } from '../lower/loss.js';
import type { LowerOptions as PlanOptions } from '../lower/loss.js';
import { listTypeText } from '../lower/lists.js';

/** The options every generated loss takes for its run-time checks. */
function validationOptions(finite: boolean): PlannedProperty[] {
  return [
    {
      key: 'checkValues',
      type: 'boolean',
      optional: true,
      doc: 'Scan the inputs for NaN and class indices out of range (default true). Each scan reads a tensor back from the backend; pass false in a hot loop once the inputs are known to be clean.',
    },
    ...(finite
      ? [{
          key: 'checkFinite',
          type: 'boolean',
          optional: true,
          doc: 'Throw when the loss holds NaN or an infinity, saying where it first appears and which input values lead there (default false: it reads every intermediate back, for debugging).',
        }]
      : []),
  ];
}

export function planLoss(fn: IrFunction, names: ModuleNames, options: PlanOptions = {}): LossPlan {
  const { functionName, exportAlias } = names.functionName(fn.name);
  const optionsName = names.scope.claim(`${pascalCase(fn.name)}Options`);
  const scope = new Scope(HELPER_NAMES);
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const params = new Map(positional.map((name) => [name, scope.claim(name)] as const));
  const optionsParam = scope.claim('options');
  const I = new SourceInterp(scope);
  const result = lowerLoss(I, fn, { args: new Map([...params].map(([name, local]) => [name, codeOf(local)] as const)), options: codeOf(optionsParam), self: codeOf(functionName) }, options);
  const bodyText = [...I.lines, `return ${result.text};`].join('\n');
  const optionalInputs = fn.inputs.filter((i) => i.default !== undefined);
  const reduction = fn.reduction;
  const scalar = returnsScalar(fn);

  const optionsProps: PlannedProperty[] = fn.hypers.map((h) => {
    if (h.values) {
      const dflt = h.default === undefined ? 'required' : `default ${quoted(h.values[h.default]!)}`;
      return { key: propertyKey(h.name), type: enumText(h.values), optional: h.default !== undefined, doc: commentText(`Hyperparameter \`${h.name}\` (one of ${enumText(h.values)}), ${dflt}.`) };
    }
    const dflt = h.default === undefined ? 'required' : `default ${h.elem === 'bool' ? String(h.default !== 0) : numberLiteral(h.default)}`;
    const domain = h.domain ? `; must lie in ${h.domain.text}` : '';
    return {
      key: propertyKey(h.name),
      type: h.elem === 'bool' ? 'boolean' : 'number',
      optional: h.default !== undefined,
      doc: commentText(`Hyperparameter \`${h.name}\` (${h.elem}), ${dflt}${domain}.`),
    };
  });
  for (const i of optionalInputs) {
    const what = i.learnable
      ? `Learnable parameter \`${i.name}\`: pass the variable from \`${functionName}_parameters\` to train it; left out, it is ${numberLiteral(i.default as number)} everywhere (its initial value).`
      : typeof i.default === 'number'
        ? `Optional input \`${i.name}\`; left out, it is ${numberLiteral(i.default)} everywhere.`
        : `Optional input \`${i.name}\`; left out, it is \`${i.default!.input}\` (the same tensor, so a gradient with respect to \`${i.default!.input}\` counts both uses).`;
    optionsProps.push({
      key: propertyKey(i.name),
      type: TENSOR_TYPE,
      optional: true,
      doc: commentText(`${what} Shape ${shapeText(i.axes)}, ${describeElem(i)}${i.domain ? `, values in ${i.domain.text}` : ''}.`),
    });
  }
  if (reduction) {
    const ps = boundaryAxes(fn, reduction.perSample);
    optionsProps.push(
      {
        key: 'reduction',
        type: REDUCTION_NAMES.map((m) => `'${m}'`).join(' | '),
        optional: true,
        doc: commentText(
          `How the per-sample losses ${shapeText(ps)} are combined: '${reduction.kind}' (default)${reduction.kind === 'mean' ? ", 'sum'" : ", 'mean'"}, 'none' to return them, or tf.losses' and Keras's 'sum_by_nonzero_weights' and 'sum_over_batch_size' (which differ from 'mean' only with weights).`,
        ),
      },
      {
        key: 'weights',
        type: TENSOR_TYPE,
        optional: true,
        doc: commentText(
          `Per-sample weights, of shape ${shapeText(ps)} or a leading part of it (broadcast over the rest; a dimension may also be 1), multiplied into the losses before reducing; 'mean' then divides by the sum of the broadcast weights${reduction.denominator !== undefined ? " times each loss's denominator (the loss is a mean divided by the sum of `by:`)" : ''}.`,
        ),
      },
    );
  }

  if (optionKeys(fn).includes('blockRows')) {
    optionsProps.push({
      key: 'blockRows',
      type: 'number',
      optional: true,
      doc: 'Rows per block of the tiled computation (docs/language.md, Tiling): a whole number of at least 1. Left out, as many rows as keep a block\'s largest value under 16 MB; when one block covers every row, the loss is not tiled.',
    });
  }
  optionsProps.push(...validationOptions(hasFiniteCheck(fn)));
  // The interface lists exactly the keys the function accepts (it throws on any other).
  if (optionsProps.map((p) => p.key).join() !== optionKeys(fn).map(propertyKey).join()) {
    throw new Error(`internal: ${fn.name}: the options interface and the accepted option keys differ`);
  }

  const paramPlans: PlannedParam[] = positional.map((name) => {
    const f = fn.functions?.find((x) => x.name === name);
    if (!f) return inputPlan(fn.inputs.find((i) => i.name === name)!, params.get(name)!);
    return {
      name: params.get(name)!,
      type: '(x: tf.Tensor) => tf.Tensor | tf.Tensor[]',
      doc: commentText(`a function from ${shapeText(f.param)} to ${shapeText(f.result)} (e.g. a tfjs model's feature maps); with several results, the loss is their mean`),
    };
  });

  // A doc line starting with `@` would read as a JSDoc tag.
  const docText = fn.doc ? `${fn.doc.trim().replace(/^(\s*)@/gm, '$1\\@')}\n\n` : '';
  const outAxes = boundaryAxes(fn, fn.output);
  const layers = forLayersStatement(fn, functionName, optionsName, fn.hypers.some((h) => h.default === undefined));
  return {
    functionName,
    ...(exportAlias !== undefined ? { exportAlias } : {}),
    optionsName,
    optionsProps,
    optionsRequired: fn.hypers.some((h) => h.default === undefined),
    params: paramPlans,
    optionsParam,
    hasReduction: reduction !== undefined,
    scalar,
    description: commentText(`${docText}${fenced(fn.formula)}`),
    returnsDoc: reduction
      ? commentText(
          `the ${reduction.kind} of the per-sample losses ${shapeText(boundaryAxes(fn, reduction.perSample))}${reduction.denominator !== undefined ? ' (their sum divided by the sum of their denominators, `by:`)' : ''} (the ${reduction.kind === 'mean' ? 'sum' : 'mean'} with \`reduction: '${reduction.kind === 'mean' ? 'sum' : 'mean'}'\`; weighted when \`weights\` are given), a scalar`,
        )
      : outAxes.length === 0
        ? 'the loss, a scalar'
        : commentText(`the loss, shape ${shapeText(outAxes)}`),
    noneReturnsDoc: reduction
      ? commentText(`with \`reduction: 'none'\`, the per-sample losses ${shapeText(boundaryAxes(fn, reduction.perSample))} (times the weights, if given); otherwise a scalar`)
      : '',
    body: bodyText,
    helpers: new Set([...I.helpers, ...(fn.inputs.some((i) => i.learnable) ? (['freeVariablePrefix'] as const) : []), ...(layers ? (['layersLoss'] as const) : [])]),
    ...(fn.inputs.some((i) => i.learnable) ? { parameters: parametersFactory(fn, functionName, names) } : {}),
    ...(layers ? { forLayers: layers } : {}),
  };
}

/** `text` in lines of at most `width` characters, broken at spaces (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return line === '' ? lines : [...lines, line];
}

/**
 * `<loss>.forLayers(options)`, for a loss of a prediction and a target (its two positional
 * inputs, in that order, the prediction real): the loss as tfjs-layers calls one, target
 * first, returning one loss per example along the prediction's first axis so that
 * `classWeight` weighs examples as it does with tfjs-layers' own losses. A loss that does not
 * split into per-example losses returns its scalar for the batch; one whose result is neither
 * gets no adapter.
 */
function forLayersStatement(fn: IrFunction, functionName: string, optionsName: string, optionsRequired: boolean): string | undefined {
  // tfjs-layers passes one yPred tensor: a list input has no adapter.
  if ((fn.functions ?? []).length > 0 || fn.inputs.some((i) => i.list)) return undefined;
  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const inputs = positional.map((name) => fn.inputs.find((i) => i.name === name));
  if (inputs.length !== 2 || inputs.some((i) => i === undefined)) return undefined;
  const [pred, target] = inputs as [IrInput, IrInput];
  if (pred.elem !== 'real') return undefined;
  const batch = pred.axes[0];
  const leadsWithBatch = (axes: readonly Axis[]): boolean => batch !== undefined && axes[0]?.name === batch.name;
  let none = false;
  let perExample: 'mean' | 'sum' | 'whole';
  // A masked outer mean over more than the batch axis does not split into per-example means
  // tfjs-layers could average; over the batch alone, the per-example losses are shifted so that
  // tfjs-layers' mean over every example is the loss's mean over the examples the mask selects.
  const masked = fn.reduction?.mask !== undefined && fn.reduction.kind === 'mean';
  if (fn.reduction && (fn.reduction.mask === undefined || boundaryAxes(fn, fn.reduction.perSample).length === 1)) {
    none = leadsWithBatch(boundaryAxes(fn, fn.reduction.perSample));
    perExample = none ? fn.reduction.kind : 'whole';
  } else {
    const out = boundaryAxes(fn, fn.output);
    if (out.length > 0 && !leadsWithBatch(out)) return undefined;
    perExample = out.length > 0 ? 'mean' : 'whole';
  }
  // A class-index target whose axes are the prediction's but its class axis: sparse or one-hot
  // targets map onto it.
  let classAxis: number | undefined;
  if (target.elem === 'index') {
    const k = pred.axes.findIndex((a) => a.dim === target.indexOf);
    const others = pred.axes.filter((_, i) => i !== k);
    if (k >= 0 && others.length === target.axes.length && others.every((a, i) => a.dim === target.axes[i]!.dim)) classAxis = k - pred.axes.length;
  }
  const dtype = TF_OF_ELEM[target.elem];
  const spec = `{ none: ${none}, perExample: '${perExample}', target: '${dtype}'${classAxis !== undefined ? `, classAxis: ${classAxis}` : ''}${masked && none ? ', masked: true' : ''} }`;
  const keys = optionKeys(fn).filter((k) => k !== 'reduction' && k !== 'weights');
  const optionsType = fn.reduction ? `Omit<${optionsName}, 'reduction' | 'weights'>` : optionsName;
  const targetText =
    target.elem === 'index'
      ? `class indices of ${target.indexOf}: int32, or float32 whole numbers as tfjs-layers passes them${classAxis !== undefined ? `, also as [..., 1] sparse indices or one-hot rows of \`yPred\`'s shape` : ''}`
      : `shape ${shapeText(target.axes)}, ${describeElem(target)}`;
  const returns =
    perExample === 'whole'
      ? `the loss of the whole batch, a scalar: it does not split into one loss per example, so \`classWeight\` only scales it by the batch's mean weight`
      : `one loss per example, shape [${batch!.dim === REST ? 'batch' : batch!.dim}]: the ${perExample} over all but the first axis of the per-sample losses ${shapeText(fn.reduction ? boundaryAxes(fn, fn.reduction.perSample) : boundaryAxes(fn, fn.output))}, which tfjs-layers weighs by \`classWeight\` and averages${masked && none ? `; the mask's mean counts only the examples it selects, so every example is shifted by one constant to make the unweighted average the loss's own value (computing the loss twice)` : ''}`;
  const doc = commentText(
    `{@link ${functionName}} as tfjs-layers calls a loss, target first: \`model.compile({ optimizer, loss: ${functionName}.forLayers() })\`. The function it returns takes \`yTrue\` as \`${target.name}\` (${targetText}) and \`yPred\` as \`${pred.name}\` (shape ${shapeText(pred.axes)}, float32), and returns ${returns}. The options are those of {@link ${functionName}}${fn.reduction ? ' but \`reduction\` and \`weights\`' : ''}.`,
  );
  return [
    `/**\n${wrap(doc, 92).map((l) => ` * ${l}`.trimEnd()).join('\n')}\n */`,
    `${functionName}.forLayers = (options: ${optionsType}${optionsRequired ? '' : ' = {}'}): ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) =>`,
    `  layersLoss(${JSON.stringify(fn.name)}, options, [${keys.map((k) => JSON.stringify(k)).join(', ')}], ${spec}, (yPred, yTrue, options) => ${functionName}(yPred, yTrue, options));`,
  ].join('\n');
}

/**
 * The learnable parameters as tf.Variables, initialised as declared, so a tfjs optimizer can
 * train them: `optimizer.minimize(() => loss(x, { ...params }), false, Object.values(params))`.
 * tfjs registers variables under global names: each call gets a prefix of its own (the loss's
 * name, or the one given, then `_1`, `_2`…), so a second set (a second model) never collides.
 */
function parametersFactory(fn: IrFunction, functionName: string, names: ModuleNames): ParametersFactory {
  const learnable = fn.inputs.filter((i) => i.learnable);
  const dims = [...new Set(learnable.flatMap((i) => i.axes.map((a) => a.dim)))].filter((d) => !/^\d+$/.test(d));
  const literal = (d: string): string => (/^\d+$/.test(d) ? d : `dims${propertyAccess('', d)}`);
  const entries = learnable.map((i) => {
    const dtype = i.elem === 'real' ? 'float32' : 'int32';
    return `${propertyKey(i.name)}: tf.variable(tf.fill([${i.axes.map((a) => literal(a.dim)).join(', ')}], ${numberLiteral(i.default as number)}, '${dtype}'), true, \`\${prefix}/${i.name.replace(/[`\\$]/g, '\\$&')}\`)`;
  });
  const variableNames = `[${learnable.map((i) => JSON.stringify(i.name)).join(', ')}]`;
  return {
    name: names.scope.claim(`${functionName}_parameters`),
    dimsType: `{ ${dims.map((d) => `${propertyKey(d)}: number`).join('; ')} }`,
    returnType: `{ ${learnable.map((i) => `${propertyKey(i.name)}: tf.Variable`).join('; ')} }`,
    defaultName: fn.name,
    body: [`const prefix = freeVariablePrefix(name, ${variableNames});`, `return { ${entries.join(', ')} };`].join('\n'),
    doc: commentText(
      `Creates the learnable parameters of {@link ${functionName}} (${learnable.map((i) => `\`${i.name}\` ${shapeText(i.axes)} = ${numberLiteral(i.default as number)}`).join(', ')}) as trainable tf.Variables, named \`<name>/<parameter>\` (\`name\` defaults to \`${fn.name}\`; \`_1\`, \`_2\`… is added to it while those names are taken, so calling this again makes a second, independent set).`,
    ),
  };
}

// Plans one generated loss function: its names, options interface, parameters, JSDoc and
// body text. Pure data out; `emit-ts.ts` turns the plan into ts-morph structures.

import type { DType } from '../ir/ops.js';
import { REST, type Axis, type IrBackward, type IrFunction, type IrGradients, type IrInput, type NodeId } from '../ir/types.js';
import { lowerBody, topoOrder, type BodyContext, type LoweredBody } from './emit-body.js';
import { HELPERS, type HelperName } from './emit-ops.js';
import { describeElem, emitChecks, type Checks } from './emit-checks.js';
import { tapedPass } from './emit-grad.js';
import { checkedReturn, finiteCheck } from './emit-finite.js';
import { optionsGuard, validationOptions } from './emit-values.js';
import { commentText, isIdentifierName, numberLiteral, pascalCase, propertyAccess, propertyKey, RESERVED, Scope } from './emit-names.js';

/** Module-level names of the helpers; no user name may take or shadow them. */
const HELPER_NAMES = Object.keys(HELPERS);

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
}

export interface ParametersFactory {
  readonly name: string;
  /** `{ T: number }`: the dims the variables' shapes need. */
  readonly dimsType: string;
  readonly returnType: string;
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

function inputPlan(i: IrInput, local: string): PlannedParam {
  return {
    name: local,
    type: 'tf.Tensor',
    doc: commentText(
      `${i.name === local ? '' : `\`${i.name}\`: `}shape ${shapeText(i.axes)}${i.axes.some((a) => a.name === REST) ? " ('...' = any leading dimensions)" : ''}, ${describeElem(i)}${i.domain ? `, values in ${i.domain.text}` : ''}`,
    ),
  };
}

export interface PlanOptions {
  /**
   * Differentiate with tfjs's autodiff through every op instead of the backward pass the
   * compiler derived (`fn.gradients`, which a loss without it or with function parameters
   * never uses).
   */
  readonly autodiff?: boolean;
}

export function planLoss(fn: IrFunction, names: ModuleNames, options: PlanOptions = {}): LossPlan {
  const { functionName, exportAlias } = names.functionName(fn.name);
  const optionsName = names.scope.claim(`${pascalCase(fn.name)}Options`);
  const scope = new Scope(HELPER_NAMES);
  const params = new Map(fn.inputs.map((i) => [i.name, scope.claim(i.name)] as const));
  const fnVars = new Map((fn.functions ?? []).map((f) => [f.name, scope.claim(f.name)] as const));
  const optionsParam = scope.claim('options');

  // Optional inputs (constant defaults, learnable parameters) come in the options object.
  const optionalInputs = fn.inputs.filter((i) => i.default !== undefined);
  const prelude = optionalInputs.map((i) => `const ${params.get(i.name)!} = ${propertyAccess(optionsParam, i.name)};`);
  const checks = emitChecks(fn, scope, params, optionsParam);
  const reduction = fn.reduction;
  if (reduction) {
    const out = fn.nodes[fn.output];
    if (!out || out.op !== reduction.kind || out.args.length !== 1 || out.args[0] !== reduction.perSample) {
      throw new Error(`internal: ${fn.name}: the output is not the ${reduction.kind} of the per-sample node %${reduction.perSample}`);
    }
  }
  // With a reduction the output node is replaced by the reduction code over `perSample` (a
  // call without options may still compute it whole, to differentiate it as one: tapedBody).
  const root: NodeId = reduction ? reduction.perSample : fn.output;
  const filledVars = new Map(optionalInputs.map((i) => [i.name, scope.claim(`${params.get(i.name)!}Value`)] as const));
  const inputVars = new Map(fn.inputs.map((i) => [i.node, filledVars.get(i.name) ?? params.get(i.name)!] as const));
  const bodyContext = {
    fn,
    scope,
    inputVars,
    hyperVars: checks.hyperVars,
    dimVar: checks.dimVar,
    restVar: checks.restVar,
    names: new Map([[root, reduction ? 'perSample' : 'loss']]),
  };
  const shapeOf = (i: (typeof fn.inputs)[number]): string =>
    `[${i.axes.map((a) => (a.name === REST ? `...${checks.restVar}` : checks.dimVar(a.dim))).join(', ')}]`;
  const fills = optionalInputs.map((i) => {
    const dtype = i.elem === 'real' ? 'float32' : i.elem === 'bool' ? 'bool' : 'int32';
    return `const ${filledVars.get(i.name)!} = ${params.get(i.name)!} ?? tf.fill(${shapeOf(i)}, ${numberLiteral(i.default!)}, '${dtype}');`;
  });
  const scalar = !reduction && fn.nodes[root]!.type.axes.length === 0;
  const lowered =
    options.autodiff !== true && fn.gradients && fnVars.size === 0
      ? tapedBody(bodyContext, fn.gradients, root, fills, shapeOf, optionsParam, checks)
      : autodiffBody(bodyContext, fnVars, root, fills, optionsParam, checks, scalar);
  const { inner, finiteNames } = lowered;
  const fnChecks = [...fnVars].map(
    ([name, local]) => `if (typeof ${local} !== 'function') {\nthrow new TypeError(${JSON.stringify(`${fn.name}: argument '${name}' must be a function (a tensor to a tensor or to a list of tensors)`)});\n}`,
  );
  const bodyText = [optionsGuard(fn, optionsParam), ...prelude, ...fnChecks, ...checks.lines, ...checkedReturn(inner, finiteNames, scalar)].join('\n');

  const optionsProps: PlannedProperty[] = fn.hypers.map((h) => {
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
      ? `Learnable parameter \`${i.name}\`: pass the variable from \`${functionName}_parameters\` to train it; left out, it is ${numberLiteral(i.default!)} everywhere (its initial value).`
      : `Optional input \`${i.name}\`; left out, it is ${numberLiteral(i.default!)} everywhere.`;
    optionsProps.push({
      key: propertyKey(i.name),
      type: 'tf.Tensor',
      optional: true,
      doc: commentText(`${what} Shape ${shapeText(i.axes)}, ${describeElem(i)}${i.domain ? `, values in ${i.domain.text}` : ''}.`),
    });
  }
  if (reduction) {
    const ps = fn.nodes[reduction.perSample]!.type.axes;
    optionsProps.push(
      {
        key: 'reduction',
        type: "'mean' | 'sum' | 'none'",
        optional: true,
        doc: commentText(
          `How the per-sample losses ${shapeText(ps)} are combined: '${reduction.kind}' (default)${reduction.kind === 'mean' ? ", 'sum'" : ", 'mean'"}, or 'none' to return them.`,
        ),
      },
      {
        key: 'weights',
        type: 'tf.Tensor',
        optional: true,
        doc: commentText(
          `Per-sample weights, of shape ${shapeText(ps)} or a leading part of it (broadcast over the rest), multiplied into the losses before reducing; 'mean' then divides by the sum of the broadcast weights.`,
        ),
      },
    );
  }

  optionsProps.push(...validationOptions(finiteNames !== undefined));

  const positional = fn.order ?? fn.inputs.filter((i) => i.default === undefined).map((i) => i.name);
  const paramPlans: PlannedParam[] = positional.map((name) => {
    const f = fn.functions?.find((x) => x.name === name);
    if (!f) return inputPlan(fn.inputs.find((i) => i.name === name)!, params.get(name)!);
    return {
      name: fnVars.get(name)!,
      type: '(x: tf.Tensor) => tf.Tensor | tf.Tensor[]',
      doc: commentText(`a function from ${shapeText(f.param)} to ${shapeText(f.result)} (e.g. a tfjs model's feature maps); with several results, the loss is their mean`),
    };
  });

  // A doc line starting with `@` would read as a JSDoc tag.
  const docText = fn.doc ? `${fn.doc.trim().replace(/^(\s*)@/gm, '$1\\@')}\n\n` : '';
  const outAxes = fn.nodes[fn.output]?.type.axes ?? [];
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
          `the ${reduction.kind} of the per-sample losses ${shapeText(fn.nodes[reduction.perSample]!.type.axes)} (the ${reduction.kind === 'mean' ? 'sum' : 'mean'} with \`reduction: '${reduction.kind === 'mean' ? 'sum' : 'mean'}'\`; weighted when \`weights\` are given), a scalar`,
        )
      : outAxes.length === 0
        ? 'the loss, a scalar'
        : commentText(`the loss, shape ${shapeText(outAxes)}`),
    noneReturnsDoc: reduction
      ? commentText(`with \`reduction: 'none'\`, the per-sample losses ${shapeText(fn.nodes[reduction.perSample]!.type.axes)} (times the weights, if given); otherwise a scalar`)
      : '',
    body: bodyText,
    helpers: new Set([...lowered.helpers, ...checks.helpers, ...(finiteNames ? (['nonFinite', 'noGrad'] as const) : [])]),
    ...(fn.inputs.some((i) => i.learnable) ? { parameters: parametersFactory(fn, functionName, names) } : {}),
  };
}

/** The statements inside the loss's `tf.tidy` (or its `compute`), and what they need. */
interface LoweredLoss {
  readonly inner: string[];
  /** The locals of the checkFinite run; undefined when the loss has none (function parameters). */
  readonly finiteNames: { readonly compute: string; readonly check: string; readonly options: string } | undefined;
  readonly helpers: ReadonlySet<HelperName>;
}

/**
 * The body differentiated by tfjs's autodiff: the forward pass alone, every op on the tape
 * (comparisons cut off it with `noGrad`). Losses with function parameters always take it.
 */
function autodiffBody(
  ctx: BodyContext,
  fnVars: ReadonlyMap<string, string>,
  root: NodeId,
  fills: readonly string[],
  optionsParam: string,
  checks: Checks,
  scalar: boolean,
): LoweredLoss {
  const { fn, scope } = ctx;
  const layered = fnVars.size > 0 ? layeredBody(ctx, fnVars) : undefined;
  const body = layered ?? lowerBody(ctx, [root]);
  const out = body.value(root);
  // Layered bodies (function parameters) return inside their loop: no place for the check.
  const finiteNames = layered ? undefined : { compute: scope.claim('compute'), check: scope.claim('check'), options: optionsParam };
  const inner = [
    ...fills,
    ...body.lines,
    ...(finiteNames ? [finiteCheck(fn, body, root, ctx.inputVars, ctx.hyperVars, finiteNames.check)] : []),
  ];
  // Returning an input from tf.tidy would hand the caller's own tensor back as "the result".
  const result = out.isInput ? `tf.clone(${out.expr})` : out.expr;
  if (layered) {
    // body.lines already end with the average over layers, returned.
  } else if (!fn.reduction) {
    inner.push(`return ${result}${scalar ? ' as tf.Scalar' : ''};`);
  } else {
    inner.push(...reductionLines(scope, checks, out, result));
  }
  return { inner, finiteNames, helpers: body.helpers };
}

/**
 * The body differentiated by the compiler's backward pass (emit-grad.ts): without
 * `reduction` or `weights` options the whole loss is one tf.customGrad; with them the
 * per-sample losses are, and the reduction after it is left to tfjs's autodiff (sum, mean
 * and mul have gradients everywhere).
 */
function tapedBody(
  ctx: BodyContext,
  gradients: IrGradients,
  root: NodeId,
  fills: readonly string[],
  shapeOf: (input: IrInput) => string,
  optionsParam: string,
  checks: Checks,
): LoweredLoss {
  const { fn, scope } = ctx;
  // Claimed before the passes fork the scope, so that their closures can read `check`.
  const finiteNames = { compute: scope.claim('compute'), check: scope.claim('check'), options: optionsParam };
  const check = { root, flag: finiteNames.check };
  const helpers = new Set<HelperName>();
  const pass = (p: IrBackward, names: ReadonlyMap<NodeId, string>): string => {
    const taped = tapedPass({ ...ctx, names }, p, shapeOf, check);
    for (const h of taped.helpers) helpers.add(h);
    return taped.expr;
  };
  const reduction = fn.reduction;
  if (!reduction) {
    return { inner: [...fills, `return ${pass(gradients.output, new Map([[fn.output, 'loss']]))};`], finiteNames, helpers };
  }
  if (!gradients.perSample) throw new Error(`internal: ${fn.name}: no backward pass of the per-sample losses`);
  const whole = pass(gradients.output, new Map([[fn.output, 'loss'], [reduction.perSample, 'perSample']]));
  const each = pass(gradients.perSample, new Map([[reduction.perSample, 'perSample']]));
  const perSample = scope.claim('perSample');
  const inner = [
    ...fills,
    // The loss's own reduction, unweighted, is its output: the backward pass of the whole.
    `if (${checks.reduction!.mode} === '${reduction.kind}' && ${checks.reduction!.weights} === undefined) {\nreturn ${whole};\n}`,
    `const ${perSample} = ${each};`,
    ...reductionLines(scope, checks, { expr: perSample, dtype: fn.nodes[reduction.perSample]!.type.dtype }, perSample),
  ];
  return { inner, finiteNames, helpers };
}

/** The per-sample losses `out` reduced as the options say, with weights; `result` for 'none'. */
function reductionLines(scope: Scope, checks: Checks, out: { readonly expr: string; readonly dtype: DType }, result: string): string[] {
  const { mode, weights } = checks.reduction!;
  const ps = out.dtype === 'real' ? out.expr : `tf.cast(${out.expr}, 'float32')`;
  const w = scope.claim('w');
  const weighted = scope.claim('weighted');
  return [
    `if (${weights} === undefined) {\n` +
      `if (${mode} === 'none') return ${result};\n` +
      `return ${mode} === 'sum' ? tf.sum(${ps}) : tf.mean(${ps});\n}`,
    '// Weights of a leading part of the per-sample shape broadcast over the rest.',
    `const ${w} = tf.reshape(tf.cast(${weights}, 'float32'), [...${weights}.shape, ...Array<number>(${out.expr}.rank - ${weights}.rank).fill(1)]);`,
    `const ${weighted} = tf.mul(${ps}, ${w});`,
    `if (${mode} === 'none') return ${weighted};`,
    `if (${mode} === 'sum') return tf.sum(${weighted});`,
    '// Mean over the weights (tf.losses Reduction.MEAN): sum(w * l) / sum(w broadcast to l).',
    `return tf.div(tf.sum(${weighted}), tf.sum(tf.mul(${w}, tf.onesLike(${ps}))));`,
  ];
}

/**
 * The learnable parameters as tf.Variables, initialised as declared, so a tfjs optimizer can
 * train them: `optimizer.minimize(() => loss(x, { ...params }), false, Object.values(params))`.
 */
function parametersFactory(fn: IrFunction, functionName: string, names: ModuleNames): ParametersFactory {
  const learnable = fn.inputs.filter((i) => i.learnable);
  const dims = [...new Set(learnable.flatMap((i) => i.axes.map((a) => a.dim)))].filter((d) => !/^\d+$/.test(d));
  const literal = (d: string): string => (/^\d+$/.test(d) ? d : `dims${propertyAccess('', d)}`);
  const entries = learnable.map((i) => {
    const dtype = i.elem === 'real' ? 'float32' : 'int32';
    return `${propertyKey(i.name)}: tf.variable(tf.fill([${i.axes.map((a) => literal(a.dim)).join(', ')}], ${numberLiteral(i.default!)}, '${dtype}'), true, ${JSON.stringify(`${fn.name}/${i.name}`)})`;
  });
  return {
    name: names.scope.claim(`${functionName}_parameters`),
    dimsType: `{ ${dims.map((d) => `${propertyKey(d)}: number`).join('; ')} }`,
    returnType: `{ ${learnable.map((i) => `${propertyKey(i.name)}: tf.Variable`).join('; ')} }`,
    body: `return { ${entries.join(', ')} };`,
    doc: commentText(
      `Creates the learnable parameters of {@link ${functionName}} (${learnable.map((i) => `\`${i.name}\` ${shapeText(i.axes)} = ${numberLiteral(i.default!)}`).join(', ')}) as trainable tf.Variables.`,
    ),
  };
}

/**
 * The body of a loss with function parameters: call each once on its argument, then compute
 * the loss with the k-th tensor each returned (their dims read from it) and average over k.
 */
function layeredBody(ctx: BodyContext, fnVars: ReadonlyMap<string, string>): LoweredBody {
  const { fn, scope } = ctx;
  const calls = [...topoOrder(fn, [fn.output])].filter((n) => n.op === 'apply');
  const first = lowerBody(ctx, calls.map((n) => n.args[0]!));
  const lines = [...first.lines];
  const lists = calls.map((node) => {
    const out = scope.claim(`${node.attrs.name}Out`);
    const list = scope.claim(`${node.attrs.name}Layers`);
    lines.push(`const ${out} = ${fnVars.get(node.attrs.name!)!}(${first.value(node.args[0]!).expr});`, `const ${list} = Array.isArray(${out}) ? ${out} : [${out}];`);
    return list;
  });
  const counts = lists.map((l) => `${l}.length`);
  lines.push(
    `if (${counts[0]} === 0${counts.slice(1).map((c) => ` || ${c} !== ${counts[0]}`).join('')}) {\n` +
      `throw new Error(${JSON.stringify(`${fn.name}: the function parameters must return the same number of tensors, at least one`)});\n}`,
  );
  const k = scope.claim('k');
  const values = scope.claim('layerLosses');
  const layerVars = calls.map((node) => scope.claim(`${node.attrs.name}Layer`));
  // Result dims no input fixes are read from each layer's tensor; the others are checked.
  const resultDims = new Map<string, string>();
  const loop: string[] = [];
  calls.forEach((node, j) => {
    const v = layerVars[j]!;
    loop.push(`const ${v} = tf.cast(${lists[j]}[${k}]!, 'float32');`);
    loop.push(`if (${v}.rank !== ${node.type.axes.length}) {\nthrow new Error(\`${fn.name}: '${node.attrs.name}' returned shape [\${${v}.shape.join(', ')}], not [${node.type.axes.map((a) => a.dim).join(', ')}]\`);\n}`);
    node.type.axes.forEach((a, i) => {
      const known = resultDims.get(a.dim) ?? (fn.functions!.some((f) => f.resultDims.includes(a.dim)) ? undefined : ctx.dimVar(a.dim));
      if (known === undefined) {
        const local = scope.claim(a.dim);
        resultDims.set(a.dim, local);
        loop.push(`const ${local} = ${v}.shape[${i}]!;`);
      } else {
        loop.push(`if (${v}.shape[${i}] !== ${known}) {\nthrow new Error(\`${fn.name}: dimension ${a.dim} of what '${node.attrs.name}' returned is \${${v}.shape[${i}]}, but it is \${${known}} elsewhere\`);\n}`);
      }
    });
  });
  const per = lowerBody(
    { ...ctx, dimVar: (d) => resultDims.get(d) ?? ctx.dimVar(d), given: new Map(calls.map((n, j) => [n.id, layerVars[j]!] as const)) },
    [fn.output],
  );
  const loss = per.value(fn.output);
  lines.push(
    `const ${values}: tf.Tensor[] = [];`,
    `for (let ${k} = 0; ${k} < ${counts[0]}; ${k}++) {\n${[...loop, ...per.lines, `${values}.push(${loss.dtype === 'real' ? loss.expr : `tf.cast(${loss.expr}, 'float32')`});`].join('\n')}\n}`,
    `return (${values}.length === 1 ? ${values}[0]! : tf.div(tf.addN(${values}), ${values}.length))${fn.nodes[fn.output]!.type.axes.length === 0 ? ' as tf.Scalar' : ''};`,
  );
  return {
    lines,
    value: () => ({ ...loss, isInput: false }),
    expand: () => {
      throw new Error(`internal: ${fn.name}: a loss with function parameters has no derived gradients`);
    },
    helpers: new Set([...first.helpers, ...per.helpers]),
  };
}

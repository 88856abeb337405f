// Plans one generated loss function: its names, options interface, parameters, JSDoc and
// body text. Pure data out; `emit-ts.ts` turns the plan into ts-morph structures.

import { REST, type Axis, type IrFunction, type NodeId } from '../ir/types.js';
import { lowerBody } from './emit-body.js';
import { HELPERS, type HelperName } from './emit-ops.js';
import { describeElem, emitChecks } from './emit-checks.js';
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

export function planLoss(fn: IrFunction, names: ModuleNames): LossPlan {
  const { functionName, exportAlias } = names.functionName(fn.name);
  const optionsName = names.scope.claim(`${pascalCase(fn.name)}Options`);
  const scope = new Scope(HELPER_NAMES);
  const params = new Map(fn.inputs.map((i) => [i.name, scope.claim(i.name)] as const));
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
  // With a reduction the output node is replaced by the reduction code over `perSample`.
  const root: NodeId = reduction ? reduction.perSample : fn.output;
  const filledVars = new Map(optionalInputs.map((i) => [i.name, scope.claim(`${params.get(i.name)!}Value`)] as const));
  const inputVars = new Map(fn.inputs.map((i) => [i.node, filledVars.get(i.name) ?? params.get(i.name)!] as const));
  const body = lowerBody(
    {
      fn,
      scope,
      inputVars,
      hyperVars: checks.hyperVars,
      dimVar: checks.dimVar,
      restVar: checks.restVar,
      names: new Map([[root, reduction ? 'perSample' : 'loss']]),
    },
    [root],
  );

  const out = body.value(root);
  const outNode = fn.nodes[root]!;
  const scalar = !reduction && outNode.type.axes.length === 0;
  const shapeOf = (i: (typeof fn.inputs)[number]): string =>
    `[${i.axes.map((a) => (a.name === REST ? `...${checks.restVar}` : checks.dimVar(a.dim))).join(', ')}]`;
  const inner = [
    ...optionalInputs.map((i) => {
      const dtype = i.elem === 'real' ? 'float32' : i.elem === 'bool' ? 'bool' : 'int32';
      return `const ${filledVars.get(i.name)!} = ${params.get(i.name)!} ?? tf.fill(${shapeOf(i)}, ${numberLiteral(i.default!)}, '${dtype}');`;
    }),
    ...body.lines,
  ];
  // Returning an input from tf.tidy would hand the caller's own tensor back as "the result".
  const result = out.isInput ? `tf.clone(${out.expr})` : out.expr;
  if (!reduction) {
    inner.push(`return ${result}${scalar ? ' as tf.Scalar' : ''};`);
  } else {
    const { mode, weights } = checks.reduction!;
    const ps = out.dtype === 'real' ? out.expr : `tf.cast(${out.expr}, 'float32')`;
    const w = scope.claim('w');
    const weighted = scope.claim('weighted');
    inner.push(
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
    );
  }
  const bodyText = [...prelude, ...checks.lines, `return tf.tidy(() => {\n${inner.join('\n')}\n});`].join('\n');

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

  const paramPlans: PlannedParam[] = fn.inputs.filter((i) => i.default === undefined).map((i) => ({
    name: params.get(i.name)!,
    type: 'tf.Tensor',
    doc: commentText(
      `${i.name === params.get(i.name) ? '' : `\`${i.name}\`: `}shape ${shapeText(i.axes)}${i.axes.some((a) => a.name === REST) ? " ('...' = any leading dimensions)" : ''}, ${describeElem(i)}${i.domain ? `, values in ${i.domain.text}` : ''}`,
    ),
  }));

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
    helpers: body.helpers,
    ...(fn.inputs.some((i) => i.learnable) ? { parameters: parametersFactory(fn, functionName, names) } : {}),
  };
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

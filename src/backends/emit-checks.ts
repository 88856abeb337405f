// The run-time validation at the top of a generated loss, before `tf.tidy`: ranks, dtypes,
// dimensions agreeing across inputs, class indices in range, hyperparameter domains, the
// reduction options. It mirrors `dims.ts` (the evaluator's rules and messages), and creates
// no tensor, so a throw leaks nothing.

import type { DType } from '../ir/ops.js';
import { REST, type DomainInfo, type IrFunction, type IrInput, type NodeId } from '../ir/types.js';
import { code, numberLiteral, propertyAccess, template, type Scope } from './emit-names.js';
import { describeValue, hyperGuard, nanChecks, tensorGuard } from './emit-values.js';

export interface Checks {
  readonly lines: string[];
  readonly dimVar: (dim: string) => string;
  readonly restVar: string | undefined;
  readonly hyperVars: ReadonlyMap<NodeId, { readonly local: string; readonly elem: DType }>;
  /** Locals holding the `reduction` and `weights` options, when the loss has a reduction. */
  readonly reduction?: { readonly mode: string; readonly weights: string; readonly expectedShape: string };
  /** Module helpers the checks call. */
  readonly helpers: ReadonlySet<'nanAt' | 'valueKind'>;
}

const TF_OF_ELEM = { real: 'float32', int: 'int32', index: 'int32', bool: 'bool' } as const;

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

/** The JS condition "value lies in the domain", or undefined when any value does. */
export function domainCondition(v: string, d: DomainInfo): string | undefined {
  if (d.kind === 'set') return `[${(d.values ?? []).map(numberLiteral).join(', ')}].includes(${v})`;
  const parts: string[] = [];
  if (d.lo !== undefined && d.lo !== -Infinity) parts.push(`${v} ${d.loClosed ? '>=' : '>'} ${numberLiteral(d.lo)}`);
  if (d.hi !== undefined && d.hi !== Infinity) parts.push(`${v} ${d.hiClosed ? '<=' : '<'} ${numberLiteral(d.hi)}`);
  return parts.length > 0 ? parts.join(' && ') : undefined;
}

const throwIf = (cond: string, kind: 'Error' | 'TypeError' | 'RangeError', message: string): string =>
  `if (${cond}) {\nthrow new ${kind}(${message});\n}`;

export function emitChecks(
  fn: IrFunction,
  scope: Scope,
  params: ReadonlyMap<string, string>,
  optionsVar: string,
): Checks {
  const lines: string[] = [];
  const dimVars = new Map<string, string>();
  const fixedBy = new Map<string, string>();
  let restVar: string | undefined;
  let restFrom = '';
  const loss = fn.name;

  for (const input of fn.inputs) {
    const p = params.get(input.name)!;
    // An optional input (`weight: [C] = 1`) is checked only when given; the required inputs,
    // which come first, have fixed its dims already.
    const start = lines.length;
    const hasRest = input.axes[0]?.name === REST;
    const namedAxes = input.axes.filter((a) => a.name !== REST);
    const n = namedAxes.length;
    const expected = `[${input.axes.map((a) => a.dim).join(', ')}]`;
    lines.push(tensorGuard(fn, input, p, expected));
    // `[...]` alone takes any rank.
    if (!hasRest || n > 0) {
      lines.push(
        throwIf(
          hasRest ? `${p}.rank < ${n}` : `${p}.rank !== ${n}`,
          'Error',
          template(
            `${loss}: input '${input.name}' should have ${hasRest ? 'at least ' : ''}${n} dimension${n === 1 ? '' : 's'} ${expected}, but has shape [`,
            code(`${p}.shape.join(', ')`),
            ']',
          ),
        ),
      );
    }
    const dtype = TF_OF_ELEM[input.elem];
    lines.push(
      throwIf(
        `${p}.dtype !== '${dtype}'`,
        'TypeError',
        template(`${loss}: input '${input.name}' must be ${describeElem(input)}, but has dtype `, code(`${p}.dtype`)),
      ),
    );
    if (hasRest) {
      const lead = n === 0 ? `${p}.shape.slice()` : `${p}.shape.slice(0, ${p}.rank - ${n})`;
      const leadRank = n === 0 ? `${p}.rank` : `${p}.rank - ${n}`;
      if (restVar === undefined) {
        restVar = scope.claim('rest');
        restFrom = input.name;
        lines.push(`const ${restVar} = ${lead};`);
      } else {
        const r = restVar;
        lines.push(
          throwIf(
            `${leadRank} !== ${r}.length || ${lead}.some((s, i) => s !== ${r}[i])`,
            'Error',
            template(
              `${loss}: the leading '...' dimensions of '${input.name}' are [`,
              code(`${lead}.join(', ')`),
              `] but those of '${restFrom}' are [`,
              code(`${r}.join(', ')`),
              ']',
            ),
          ),
        );
      }
    }
    namedAxes.forEach((axis, i) => {
      const at = hasRest ? `${p}.shape[${p}.rank - ${n - i}]` : `${p}.shape[${i}]`;
      const known = dimVars.get(axis.dim);
      if (known === undefined) {
        const v = scope.claim(axis.dim);
        dimVars.set(axis.dim, v);
        fixedBy.set(axis.dim, input.name);
        // The rank was checked just above, so the position exists.
        lines.push(`const ${v} = ${at}!;`);
      } else {
        lines.push(
          throwIf(
            `${at} !== ${known}`,
            'Error',
            template(
              `${loss}: dimension ${axis.dim} of input '${input.name}' is `,
              code(at),
              ', but it is ',
              code(known),
              ` in '${fixedBy.get(axis.dim)}' (shape ${expected})`,
            ),
          ),
        );
      }
    });
    if (input.default !== undefined) lines.push(`if (${p} !== undefined) {\n${lines.splice(start).join('\n')}\n}`);
  }

  for (const source of fn.dims) {
    if (!('size' in source)) continue;
    const known = dimVars.get(source.dim);
    if (known === undefined) {
      const v = scope.claim(source.dim);
      dimVars.set(source.dim, v);
      lines.push(`const ${v} = ${source.size};`);
    } else {
      lines.push(
        throwIf(
          `${known} !== ${source.size}`,
          'Error',
          template(`${loss}: dimension ${source.dim} must be ${source.size}, but '${fixedBy.get(source.dim)}' gives `, code(known)),
        ),
      );
    }
  }

  const dimVar = (dim: string): string => {
    const v = dimVars.get(dim);
    if (v === undefined) throw new Error(`${loss}: no input or declaration gives the size of dimension ${dim}`);
    return v;
  };

  // Class indices: whole by dtype; the range needs the values (a small tensor, read once).
  const checkValues = scope.claim('checkValues');
  lines.push(`const ${checkValues} = ${optionsVar}.checkValues !== false;`);
  for (const input of fn.inputs) {
    if (input.elem !== 'index' || !input.indexOf) continue;
    const p = params.get(input.name)!;
    const size = dimVar(input.indexOf);
    const v = scope.claim('v');
    lines.push(
      `if (${checkValues}) for (const ${v} of ${input.default === undefined ? p : `${p}?.dataSync<'int32'>() ?? []`}${input.default === undefined ? ".dataSync<'int32'>()" : ''}) {\n` +
        throwIf(
          `${v} < 0 || ${v} >= ${size}`,
          'RangeError',
          template(`${loss}: input '${input.name}' holds `, code(v), `, which is not a class index of ${input.indexOf} in [0, `, code(size), ')'),
        ) +
        '\n}',
    );
  }

  const hyperVars = new Map<NodeId, { local: string; elem: DType }>();
  for (const h of fn.hypers) {
    const local = scope.claim(h.name);
    hyperVars.set(h.node, { local, elem: h.elem });
    const access = propertyAccess(optionsVar, h.name);
    const dflt = h.default === undefined ? undefined : h.elem === 'bool' ? String(h.default !== 0) : numberLiteral(h.default);
    lines.push(`const ${local} = ${dflt === undefined ? access : `${access} ?? ${dflt}`};`);
    if (dflt === undefined) {
      // Typed as required; a JavaScript caller may still leave it out.
      lines.push(throwIf(`${local} === undefined`, 'TypeError', template(`${loss}: option '${h.name}' is required (it has no default)`)));
    }

    if (h.elem === 'int') {
      lines.push(throwIf(`!Number.isInteger(${local})`, 'RangeError', template(`${loss}: option '${h.name}' must be a whole number, but is `, code(local))));
    }
    const cond = h.domain && h.elem !== 'bool' ? domainCondition(local, h.domain) : undefined;
    lines.push(hyperGuard(fn, h, local, cond !== undefined));
    if (cond) {
      lines.push(
        throwIf(`!(${cond})`, 'RangeError', template(`${loss}: option '${h.name}' must lie in ${h.domain!.text}, but is `, code(local))),
      );
    }
  }

  // Fixed positions (`x[..., 0]`) must exist along their axis.
  const seenPicks = new Set<string>();
  for (const node of fn.nodes) {
    if (node.op !== 'pick') continue;
    const axis = fn.nodes[node.args[0]!]?.type.axes.find((a) => a.name === node.attrs.axis);
    const index = node.attrs.index ?? 0;
    if (!axis || seenPicks.has(`${axis.dim}:${index}`) || !dimVars.has(axis.dim)) continue;
    seenPicks.add(`${axis.dim}:${index}`);
    const size = dimVar(axis.dim);
    // Position -k counts from the end: it needs k elements, position k needs k + 1.
    const tooSmall = index >= 0 ? `${size} <= ${index}` : `${size} < ${-index}`;
    lines.push(
      throwIf(tooSmall, 'RangeError', template(`${loss}: position ${index} along ${axis.dim} does not exist: ${axis.dim} is `, code(size))),
    );
  }

  let reduction: Checks['reduction'];
  if (fn.reduction) {
    const mode = scope.claim('reduction');
    const weights = scope.claim('weights');
    const perSample = fn.nodes[fn.reduction.perSample];
    if (!perSample) throw new Error(`internal: ${loss}: no per-sample node %${fn.reduction.perSample}`);
    const axes = perSample.type.axes;
    const expectedShape = `[${[...(axes.some((a) => a.name === REST) ? [`...${restVar}`] : []), ...axes.filter((a) => a.name !== REST).map((a) => dimVar(a.dim))].join(', ')}]`;
    const shapeText = `[${axes.map((a) => a.dim).join(', ')}]`;
    lines.push(`const ${mode} = ${optionsVar}.reduction ?? '${fn.reduction.kind}';`);
    lines.push(
      throwIf(
        `${mode} !== 'mean' && ${mode} !== 'sum' && ${mode} !== 'none'`,
        'RangeError',
        template(`${loss}: option 'reduction' must be 'mean', 'sum' or 'none', but is `, code(`String(${mode})`)),
      ),
    );
    lines.push(`const ${weights} = ${optionsVar}.weights;`);
    const expected = scope.claim('perSampleShape');
    lines.push(
      `if (${weights} !== undefined) {\n` +
        throwIf(`!(${weights} instanceof tf.Tensor)`, 'TypeError', template(`${loss}: option 'weights' must be a tf.Tensor of the per-sample shape ${shapeText}, but is `, code(describeValue(weights)))) +
        `\nconst ${expected} = ${expectedShape};\n` +
        throwIf(
          `${weights}.rank > ${expected}.length || ${weights}.shape.some((s, i) => s !== ${expected}[i])`,
          'Error',
          template(
            `${loss}: option 'weights' has shape [`,
            code(`${weights}.shape.join(', ')`),
            `], but it must be the per-sample shape ${shapeText} = [`,
            code(`${expected}.join(', ')`),
            '] or a leading part of it',
          ),
        ) +
        '\n}',
    );
    reduction = { mode, weights, expectedShape };
  }

  const scanned = fn.inputs
    .filter((i) => i.elem === 'real')
    .map((i) => ({ what: `input '${i.name}'`, local: params.get(i.name)!, optional: i.default !== undefined }));
  if (reduction) scanned.push({ what: "option 'weights'", local: reduction.weights, optional: true });
  lines.push(...nanChecks(fn, scanned, checkValues));
  const helpers = new Set<'nanAt' | 'valueKind'>(['valueKind', ...(scanned.length > 0 ? (['nanAt'] as const) : [])]);
  return { lines, dimVar, restVar, hyperVars, helpers, ...(reduction ? { reduction } : {}) };
}

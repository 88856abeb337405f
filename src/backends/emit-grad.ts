// The compiler's own backward pass in generated code: one pass (`fn.gradients.output` or
// `.perSample`, derived in src/grad) becomes a `tf.customGrad` whose forward computes the
// pass's root from the real tensor inputs (its arguments, in order) and saves the forward
// values the backward reads, and whose gradFunc evaluates the gradient nodes from `dy` and
// those saved tensors. Both halves are lowered by `lowerBody`, off the tape. Generated code
// then needs no tfjs gradient for any op it uses (comparisons, gathers on wasm, ...).
//
// As `runDerived` in tfjs-eval.ts: tfjs may dispose the inputs and the forward's
// intermediates before the backward runs, so gradFunc reads only what was saved (clones tfjs
// keeps until the backward is done) and what it rebuilds: constants, positions, sizes and
// hyperparameters (plain numbers here).

import { savedForBackward } from '../grad/saved.js';
import type { IrBackward, IrFunction, IrInput, NodeId } from '../ir/types.js';
import { lowerBody, type BodyContext } from './emit-body.js';
import { finiteCheck } from './emit-finite.js';
import { isIdentifierName } from './emit-names.js';
import type { HelperName } from './emit-ops.js';

export interface TapedPass {
  /** `tf.customGrad(...)(inputs)`: an expression (of several lines) of the pass's root. */
  readonly expr: string;
  readonly helpers: ReadonlySet<HelperName>;
}

/**
 * `pass` as a tf.customGrad applied to the real tensor inputs. `ctx` is the loss's body
 * context (its scope is forked: the closure's locals stay its own); `inputShape` gives an
 * input's run-time shape as a JS expression; with `check`, the forward runs the checkFinite
 * test of `check.root` when the local `check.flag` is true.
 */
export function tapedPass(
  ctx: BodyContext,
  pass: IrBackward,
  inputShape: (input: IrInput) => string,
  check?: { readonly root: NodeId; readonly flag: string },
): TapedPass {
  const { fn } = ctx;
  const scope = ctx.scope.fork();
  const real = fn.inputs.filter((i) => i.elem === 'real');
  // Inside the closure the arguments take the names of the locals passed in (shadowing them:
  // the same tensors), so the forward reads its arguments.
  const argNames = real.map((i) => ctx.inputVars.get(i.node)!);
  const argsVar = scope.claim('args');
  const saveVar = scope.claim('save');
  const dyVar = scope.claim('dy');
  const savedVar = scope.claim('saved');

  const forward = lowerBody({ ...ctx, scope, untaped: true }, [pass.root]);
  const helpers = new Set<HelperName>(forward.helpers);
  const root = forward.value(pass.root);
  const value = root.isInput ? `tf.clone(${root.expr})` : root.expr;

  // Each saved tensor once (a renamed node shares its operand's local), under its forward
  // name: inside gradFunc that name is the saved copy, so no forward local can be reached.
  const savedNames: string[] = [];
  const given = new Map<NodeId, string>([[pass.seed, dyVar]]);
  for (const id of savedForBackward(fn, pass, true)) {
    const expr = forward.value(id).expr;
    // Written inline (`tf.scalar(C)`, a hyperparameter as a real): made of numbers alone, so
    // the backward writes it again.
    if (!isIdentifierName(expr)) continue;
    if (!savedNames.includes(expr)) savedNames.push(expr);
    given.set(id, expr);
  }
  const backward = lowerBody({ ...ctx, scope, inputVars: new Map(), names: new Map(), given, untaped: true }, pass.grads.map((s) => s.node));
  for (const h of backward.helpers) helpers.add(h);

  // One gradient per argument, of its exact shape; a fresh tensor each (tfjs disposes the
  // saved ones after the backward, and two arguments may be the same tensor).
  const fresh = new Set<string>();
  const kept = new Set([dyVar, ...savedNames]);
  const grads = real.map((input) => {
    const share = pass.grads.find((s) => s.input === input.name);
    if (!share) return `tf.fill(${inputShape(input)}, 0)`;
    const expr = backward.expand(share.node, input.axes);
    if (!isIdentifierName(expr)) return expr;
    const reused = kept.has(expr) || fresh.has(expr);
    fresh.add(expr);
    return reused ? `tf.clone(${expr})` : expr;
  });

  const types = real.map(() => 'tf.Tensor');
  const bind =
    savedNames.length > 0
      ? [`const [${[...argNames, saveVar].join(', ')}] = ${argsVar} as [${[...types, 'tf.GradSaveFunc'].join(', ')}];`]
      : real.length > 0
        ? [`const [${argNames.join(', ')}] = ${argsVar} as [${types.join(', ')}];`]
        : [];
  const gradFunc =
    real.length === 0
      ? '(): tf.Tensor[] => []'
      : `(${dyVar}: tf.Tensor${savedNames.length > 0 ? `, ${savedVar}: tf.Tensor[]` : ''}): tf.Tensor[] =>\ntf.tidy(() => {\n${[
          ...savedNames.map((name, k) => `const ${name} = ${savedVar}[${k}]!;`),
          ...backward.lines,
          `return [${grads.join(', ')}];`,
        ].join('\n')}\n})`;
  const body = [
    ...bind,
    ...forward.lines,
    ...(check ? [finiteCheck(fn, forward, check.root, ctx.inputVars, ctx.hyperVars, check.flag)] : []),
    ...(savedNames.length > 0 ? [`${saveVar}([${savedNames.join(', ')}]);`] : []),
    `return {\nvalue: ${value},\ngradFunc: ${gradFunc},\n};`,
  ];
  const expr = `tf.customGrad((...${argsVar}: (tf.Tensor | tf.GradSaveFunc)[]) => {\n${body.join('\n')}\n})(${argNames.join(', ')})`;
  return { expr, helpers };
}

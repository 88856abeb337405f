// The optimizer's entry: every pass over one lowered loss, in order, with a record of what it
// changed (shown by `lossc explain` and the playground).
//   1. rewrite to a fixed point: the rule table (rules.ts) by the engine (engine.ts), with
//      constant folding and common subexpressions shared by hash-consing
//   2. choices between equivalent stable forms by the measured cost of each op on the target
//      backend (choose.ts, choices.ts, op-costs.ts)
//   3. an outer `by:` mean whose denominators are all 1 made a plain masked mean (denominator.ts)
//   4. dead code: nodes the result no longer uses

import type { IrFunction } from '../ir/types.js';
import type { AppliedRewrite } from './applied.js';
import { eliminateDeadCode } from './dead-code.js';
import { rewriteToFixedPoint } from './engine.js';
import { chooseForms } from './choose.js';
import { plainDenominator } from './denominator.js';
import type { CostBackend } from './op-costs.js';

export type { AppliedRewrite } from './applied.js';

export interface OptimizeResult {
  readonly fn: IrFunction;
  readonly rewrites: readonly AppliedRewrite[];
}

export interface OptimizeOptions {
  /** The backend whose measured op costs decide between equivalent forms (default wasm). */
  readonly target?: CostBackend;
}

export function optimizeFunction(fn: IrFunction, options: OptimizeOptions = {}): OptimizeResult {
  const rewritten = rewriteToFixedPoint(fn);
  const rewrites = [...rewritten.rewrites];
  if (rewritten.exhausted) rewrites.push({ rule: 'budget', detail: `stopped after ${rewrites.length} rewrites, before a fixed point` });
  const chosen = chooseForms(eliminateDeadCode(plainDenominator(rewritten.fn, rewrites)), options.target ?? 'wasm', rewrites);
  return { fn: { ...eliminateDeadCode(chosen), optimized: true }, rewrites };
}

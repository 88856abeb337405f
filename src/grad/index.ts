// The differentiate phase of the pipeline (src/pipeline.ts): the backward pass of each loss is
// built as IR beside the forward pass (derive.ts, by the table in derivatives.ts), then the
// optimizer simplifies both together, so that e.g. the gradient of BCE with logits becomes
// (σ(x) − y)/N and forward values are shared rather than recomputed. It runs for what needs
// gradients (code generation, evaluation, `explain --grad`), not for `check`.

import { IrBuilder } from '../ir/graph.js';
import type { IrFunction } from '../ir/types.js';
import { optimizeFunction } from '../opt/index.js';
import type { CostBackend } from '../opt/op-costs.js';
import { deriveBackward, NotDifferentiable } from './derive.js';

export { compileDerivatives, deriveBackward, differentiableInputs, NotDifferentiable } from './derive.js';
export { DERIVATIVES, NOT_REAL, type DerivativeRow } from './derivatives.js';

/** Names of the seed inputs: `%` cannot start a name in the language. */
export const SEED_OUTPUT = '%dloss';
export const SEED_PER_SAMPLE = '%dsample';
export const SEED_DENOMINATOR = '%ddenominator';

export interface GradientOptions {
  /** Simplify the backward pass with the optimizer (default: when the loss was optimized). */
  readonly optimize?: boolean;
  /** The backend whose op costs decide between equivalent forms (default wasm). */
  readonly target?: CostBackend;
}

export type Differentiated = { readonly fn: IrFunction; readonly reason?: undefined } | { readonly fn?: undefined; readonly reason: string };

const cache = new WeakMap<IrFunction, Map<string, Differentiated>>();

/**
 * `fn` with its backward passes (`fn.gradients`): of the output and, when the loss has a
 * reduction, of the per-sample losses; simplified by the optimizer when `fn` was optimized
 * (so `--no-opt` changes neither pass). A loss the compiler cannot differentiate (one with
 * function parameters) gets the reason instead; its backends use tfjs's autodiff.
 */
export function differentiate(fn: IrFunction, options: GradientOptions = {}): Differentiated {
  const target = options.target ?? 'wasm';
  const optimize = options.optimize ?? fn.optimized === true;
  const key = optimize ? target : 'plain';
  const entry = cache.get(fn) ?? new Map<string, Differentiated>();
  const hit = entry.get(key);
  if (hit) return hit;
  const result = derive(fn, optimize, target);
  entry.set(key, result);
  cache.set(fn, entry);
  return result;
}

function derive(fn: IrFunction, optimize: boolean, target: CostBackend): Differentiated {
  if (fn.gradients) return { fn };
  const b = new IrBuilder(fn.nodes);
  try {
    const output = deriveBackward(fn, b, fn.output, SEED_OUTPUT);
    const perSample = fn.reduction ? deriveBackward(fn, b, fn.reduction.perSample, SEED_PER_SAMPLE) : undefined;
    const denominator = fn.reduction?.denominator !== undefined ? deriveBackward(fn, b, fn.reduction.denominator, SEED_DENOMINATOR) : undefined;
    const derived: IrFunction = { ...fn, nodes: [...b.nodes], gradients: { output, ...(perSample ? { perSample } : {}), ...(denominator ? { denominator } : {}) } };
    return { fn: optimize ? optimizeFunction(derived, { target }).fn : derived };
  } catch (err) {
    if (err instanceof NotDifferentiable) return { reason: err.message };
    throw err;
  }
}

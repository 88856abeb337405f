// The optimizer's entry: every pass over one lowered loss, in order, with a record of what it
// changed (shown by `lossc explain` and the playground).

import type { Span } from '../../grammar/ast.js';
import type { IrFunction } from '../ir/types.js';
import { eliminateDeadCode } from './dead-code.js';

/** One rewrite the optimizer applied, for `lossc explain`. */
export interface AppliedRewrite {
  /** The rule's name in the rule table, or the pass's name (`dead-code`). */
  readonly rule: string;
  /** The source span of the expression it changed, when known. */
  readonly span?: Span;
  /** A short human-readable before → after. */
  readonly detail?: string;
}

export interface OptimizeResult {
  readonly fn: IrFunction;
  readonly rewrites: readonly AppliedRewrite[];
}

export function optimizeFunction(fn: IrFunction): OptimizeResult {
  return { fn: eliminateDeadCode(fn), rewrites: [] };
}

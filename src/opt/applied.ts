import type { Span } from '../diagnostics/span.js';

/** One rewrite the optimizer applied, for `lossc explain` and the playground. */
export interface AppliedRewrite {
  /** The rule's name in the rule table (rules.ts), or `fold` for constant folding. */
  readonly rule: string;
  /** algebra, stability, cost (rules.ts), or fold. */
  readonly category?: string;
  /** The source span of the expression it changed, when known. */
  readonly span?: Span;
  /** A short human-readable before → after. */
  readonly detail?: string;
}

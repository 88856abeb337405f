// Numeric-stability analysis of one lowered (and optimized) loss: findings are diagnostics
// from the shared table (W6xxx), pointing at the source span of the offending expression.

import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IrFunction } from '../ir/types.js';

export function analyzeStability(_fn: IrFunction): Diagnostic[] {
  return [];
}

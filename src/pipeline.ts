// The one place that knows the order of the phases:
//   parse → check (names, types, named axes; lowers to IR) → optimize → backends.

import { checkSource, type CheckResult } from './check/module.js';
import type { SourceHost } from './check/program.js';
import type { IrFunction } from './ir/types.js';
import { eliminateDeadCode } from './opt/dead-code.js';

export interface PipelineOptions {
  /** Resolves imports; without it, a module can import nothing. */
  readonly host?: SourceHost;
  /** Run the optimizer (default true); `--no-opt` turns it off. */
  readonly optimize?: boolean;
}

export function optimize(fn: IrFunction): IrFunction {
  return eliminateDeadCode(fn);
}

/** Checks a source and returns its losses ready for a backend. */
export function frontEnd(text: string, file: string, options: PipelineOptions = {}): CheckResult {
  const checked = checkSource(text, file, options.host);
  if (options.optimize === false) return checked;
  return { ...checked, losses: checked.losses.map(optimize) };
}

// The one place that knows the order of the phases:
//   parse → check (names, types, named axes; lowers to IR) → optimize → stability analysis
//   → backends.

import { checkSource, type CheckResult } from './check/module.js';
import type { SourceHost } from './check/program.js';
import { sortDiagnostics } from './diagnostics/diagnostic.js';
import type { IrFunction } from './ir/types.js';
import { optimizeFunction, type AppliedRewrite } from './opt/index.js';
import { analyzeStability } from './stability/index.js';
import type { CostBackend } from './opt/op-costs.js';

export interface PipelineOptions {
  /** Resolves imports; without it, a module can import nothing. */
  readonly host?: SourceHost;
  /** Run the optimizer (default true); `--no-opt` turns it off. */
  readonly optimize?: boolean;
  /** Run the stability analysis (default true). */
  readonly stability?: boolean;
  /** The backend whose measured op costs decide between equivalent forms (default wasm). */
  readonly target?: CostBackend;
}

export interface FrontEndResult extends CheckResult {
  /** What the optimizer did to each loss, by loss name. */
  readonly rewrites: ReadonlyMap<string, readonly AppliedRewrite[]>;
}

/** Checks a source and returns its losses ready for a backend. */
export function frontEnd(text: string, file: string, options: PipelineOptions = {}): FrontEndResult {
  const checked = checkSource(text, file, options.host);
  const rewrites = new Map<string, readonly AppliedRewrite[]>();
  let losses: IrFunction[] = checked.losses;
  if (options.optimize !== false) {
    losses = checked.losses.map((fn) => {
      const r = optimizeFunction(fn, options.target ? { target: options.target } : {});
      rewrites.set(fn.name, r.rewrites);
      return r.fn;
    });
  }
  const findings = options.stability === false ? [] : losses.flatMap(analyzeStability);
  return { ...checked, losses, rewrites, diagnostics: sortDiagnostics([...checked.diagnostics, ...findings]) };
}

// The one place that knows the order of the phases:
//   parse → check (names, types, named axes; lowers to IR) → optimize → differentiate
//   (each also with its defaulted inputs left out and options at their defaults, src/opt/specialise.ts)
//   → analyze (numeric stability) → lower (src/lower: generated code or the evaluator).
// One cost target per run: the optimizer's choices and the backward pass's use the same.

import { checkSource, type CheckResult } from './check/module.js';
import type { SourceHost } from './check/program.js';
import { sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import type { IrFunction } from './ir/types.js';
import { specialisations } from './opt/specialise.js';
import { differentiate } from './grad/index.js';
import { optimizeFunction, type AppliedRewrite } from './opt/index.js';
import { analyzeStability } from './stability/index.js';
import { repairedForms } from './stability/repaired.js';
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
  /**
   * Derive each loss's backward pass (default false: checking needs none). A loss the
   * compiler cannot differentiate (one with function parameters) keeps none, and its reason.
   */
  readonly gradients?: boolean;
  /**
   * Prepare the bodies for calls that leave defaulted inputs out or options at their defaults
   * (src/opt/specialise.ts), which the generated code and the evaluator run (default: when
   * `gradients` is on). Checking needs none, and an editor's check then does less.
   */
  readonly specialise?: boolean;
  /**
   * Notes (info, I6030) on the naive forms the optimizer repaired (default true). `explain`
   * leaves them out: it lists every rewrite itself.
   */
  readonly notes?: boolean;
}

export interface FrontEndResult extends CheckResult {
  /** What the optimizer did to each loss, by loss name. */
  readonly rewrites: ReadonlyMap<string, readonly AppliedRewrite[]>;
  /** With `gradients`: why a loss has none, by loss name. */
  readonly notDifferentiable: ReadonlyMap<string, string>;
}

/** Checks a source and returns its losses ready for a backend. */
export function frontEnd(text: string, file: string, options: PipelineOptions = {}): FrontEndResult {
  const checked = checkSource(text, file, options.host);
  const rewrites = new Map<string, readonly AppliedRewrite[]>();
  const optimized = (fn: IrFunction): IrFunction => (options.optimize !== false ? optimizeFunction(fn, options.target ? { target: options.target } : {}).fn : fn);
  let losses: IrFunction[] = checked.losses;
  if (options.optimize !== false) {
    losses = checked.losses.map((fn) => {
      const r = optimizeFunction(fn, options.target ? { target: options.target } : {});
      rewrites.set(fn.name, r.rewrites);
      return r.fn;
    });
  }
  const forward = losses;
  const notDifferentiable = new Map<string, string>();
  const differentiated = (fn: IrFunction): IrFunction | undefined => {
    if (options.gradients !== true) return fn;
    return differentiate(fn, { optimize: options.optimize !== false, ...(options.target ? { target: options.target } : {}) }).fn;
  };
  if (options.gradients === true) {
    losses = losses.map((fn) => {
      const d = differentiate(fn, { optimize: options.optimize !== false, ...(options.target ? { target: options.target } : {}) });
      if (d.reason !== undefined) notDifferentiable.set(fn.name, d.reason);
      return d.fn ?? fn;
    });
  }
  // Each loss with inputs that default to a constant, or options whose defaults fold, keeps
  // bodies for calls that leave them so, those constants folded (src/opt/specialise.ts); only
  // bodies differentiable as the loss is.
  if (options.specialise ?? options.gradients === true) losses = losses.map((fn, k) => {
    const prepare = (body: IrFunction): IrFunction | undefined => {
      const ready = differentiated(optimized(body));
      return ready && (ready.gradients !== undefined) === (fn.gradients !== undefined) ? ready : undefined;
    };
    const specialised = specialisations(checked.losses[k]!, fn, { optimize: optimized, prepare }, options.target);
    return specialised.length > 0 ? { ...fn, specialised } : fn;
  });
  // The analysis reads the forward pass: its gradient rules know where a backward pass breaks.
  // Messages quote the sources; a def used by several losses is reported once, at the def.
  const source = (f: string): string | undefined => (f === file ? text : options.host?.readFile(f));
  const findings = options.stability === false ? [] : onePerPlace(forward.flatMap((fn) => analyzeStability(fn, { source })));
  // Notes on the naive forms the optimizer repaired, so that the user learns the stable form.
  const repaired = options.stability === false || options.notes === false ? [] : onePerPlace(forward.flatMap((fn) => repairedForms(fn, rewrites.get(fn.name) ?? [], file, source)));
  return { ...checked, losses, rewrites, notDifferentiable, diagnostics: sortDiagnostics([...checked.diagnostics, ...findings, ...repaired]) };
}

/** The first finding of each code at each place: losses that inline one def find the same. */
function onePerPlace(findings: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return findings.filter((d) => {
    if (!d.span) return true;
    const key = `${d.code}@${d.span.file}:${d.span.start.offset}-${d.span.end.offset}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

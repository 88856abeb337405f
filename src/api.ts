// The library API: what the CLI and the playground use, and nothing else does.
// ts-morph and tfjs are loaded on demand, so `parse` and `check` stay fast. They are peer
// dependencies of the package (ts-morph an optional one: only `compile` needs it), so a
// missing one comes back as a diagnostic naming the command that installs it.

import type { ReductionMode } from './ir/reduction.js';
import type { Module } from '../grammar/ast.js';
import { parseModule } from '../grammar/index.js';
import type { CheckResult } from './check/module.js';
import { errorsLeaveLossIntact } from './check/unaffected.js';
import { hint } from './check/values.js';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import type { IrFunction } from './ir/types.js';
import { denseDtype, prepareInputs, toDense, type NestedArray } from './eval/inputs.js';
import { differentiate } from './grad/index.js';
import { memoryReport, type PassMemory } from './grad/memory-report.js';
import { frontEnd, type PipelineOptions } from './pipeline.js';
import { cachedFrontEnd } from './front-end-cache.js';
import type { SampleReport } from './sample/sample.js';
import { footprint, type Footprint } from './ir/footprint.js';
import { printIr } from './ir/print.js';
import type { AppliedRewrite } from './opt/index.js';
import { countOps, type OpCounts } from './opt/stats.js';

export interface ParseResult {
  readonly module: Module;
  readonly diagnostics: Diagnostic[];
}

/** Syntax only: the AST with spans, and syntax errors. */
export function parse(text: string, file = 'input.loss'): ParseResult {
  return parseModule(text, file);
}

/** Names, types, shapes and domains; every loss that checks is lowered to IR. */
export function check(text: string, file = 'input.loss', options: PipelineOptions = {}): CheckResult {
  return frontEnd(text, file, options);
}

export interface CompileResult {
  /** The TypeScript module, when the source has no errors. */
  readonly code?: string;
  readonly diagnostics: Diagnostic[];
  readonly losses: IrFunction[];
}

export interface CompileOptions extends PipelineOptions {
  /**
   * Leave gradients to TensorFlow.js's autodiff instead of emitting the backward pass the
   * compiler derives (with tf.customGrad). For comparison and benchmarks.
   */
  readonly autodiff?: boolean;
}

/** Packages loaded on demand, and the command that installs each (the package's peer dependencies). */
const ON_DEMAND: Readonly<Record<string, string>> = {
  'ts-morph': 'npm install ts-morph',
  '@tensorflow/tfjs': 'npm install @tensorflow/tfjs',
};

/** `what needs X, which is not installed: npm install X` when `err` is X failing to load. */
function notInstalled(err: unknown, what: string): string | undefined {
  const message = err instanceof Error ? err.message : '';
  const name = /^Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  const install = name === undefined ? undefined : ON_DEMAND[name];
  return install && `${what} needs the ${name} package, which is not installed: ${install}`;
}

/** Source to a TypeScript module for TensorFlow.js. */
export async function compile(text: string, file = 'input.loss', options: CompileOptions = {}): Promise<CompileResult> {
  const checked = frontEnd(text, file, { ...options, gradients: options.autodiff !== true, specialise: true });
  if (hasErrors(checked.diagnostics)) return { diagnostics: checked.diagnostics, losses: checked.losses };
  let code: string;
  try {
    const { emitModule } = await import('./emit/module.js');
    code = await emitModule({ file, losses: checked.losses, ...(options.autodiff ? { autodiff: true } : {}) });
  } catch (err) {
    // ts-morph is an optional peer dependency: a project that only runs losses goes without.
    const problem = notInstalled(err, 'compile');
    if (problem === undefined) throw err;
    return { diagnostics: [...checked.diagnostics, diagnostic('BadUsage', undefined, { problem })], losses: checked.losses };
  }
  return { code, diagnostics: checked.diagnostics, losses: checked.losses };
}

export interface EvaluateOptions extends PipelineOptions {
  /** The loss to run. */
  readonly loss: string;
  /** Tensor inputs (nested arrays or `{shape, data}`) and, optionally, hyperparameters. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Hyperparameter values, winning over `inputs` (`--set NAME=VALUE`). */
  readonly set?: Readonly<Record<string, number | string>>;
  /** Also return d loss / d input for every real input (a non-scalar loss is summed first). */
  readonly grad?: boolean;
  /** Gradients by TensorFlow.js's autodiff instead of the compiler's derived backward pass. */
  readonly autodiff?: boolean;
  readonly backend?: 'wasm' | 'cpu';
  readonly reduction?: ReductionMode;
  /** Per-sample weights (a nested array or `{shape, data}`), as the generated function's `weights` option. */
  readonly weights?: unknown;
  /**
   * Fail (an E7008 diagnostic with the module's checkFinite message: which input or step led
   * there) when the loss holds NaN or an infinity, instead of returning it (default false).
   */
  readonly checkFinite?: boolean;
}

export interface EvaluateResult {
  readonly loss?: NestedArray;
  readonly grads?: Record<string, NestedArray>;
  readonly diagnostics: Diagnostic[];
  /** The backend that actually ran. */
  readonly backend?: string;
}

/** Runs one loss on TensorFlow.js. Problems come back as diagnostics, never as exceptions. */
export async function evaluate(text: string, file: string, options: EvaluateOptions): Promise<EvaluateResult> {
  // Equivalent forms are chosen by the measured op costs of the backend that runs them.
  // A JavaScript caller outside the types ('webgl'): refused, never run on another backend.
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'cpu') {
    return { diagnostics: [diagnostic('EvaluationFailed', undefined, { reason: unknownBackend(options.backend) })] };
  }
  const target = options.target ?? options.backend ?? 'wasm';
  // Kept between calls: a sweep or a training run evaluates one source at many points.
  const checked = cachedFrontEnd(text, file, { ...options, target, gradients: options.autodiff !== true, specialise: true });
  const fn = checked.losses.find((l) => l.name === options.loss);
  // Errors in other losses of the file, which this one does not use, do not stop it.
  if (hasErrors(checked.diagnostics) && !(fn && errorsLeaveLossIntact(checked.module, text, checked.diagnostics, options.loss))) return { diagnostics: checked.diagnostics };
  if (!fn) {
    const names = checked.module.definitions.filter((d) => d.defKind === 'loss').map((d) => d.name.name);
    const more = hint(options.loss, names) || (names.length ? ` (it has: ${names.join(', ')})` : ' (it defines no loss)');
    return { diagnostics: [...checked.diagnostics, diagnostic('NoSuchLoss', undefined, { name: options.loss, file, hint: more })] };
  }
  const prepared = prepareInputs(fn, options.inputs, options.set);
  if (prepared.diagnostics.length > 0) return { diagnostics: [...checked.diagnostics, ...prepared.diagnostics] };
  const weights = options.weights === undefined ? undefined : toDense(options.weights);
  if (typeof weights === 'string') return { diagnostics: [...checked.diagnostics, diagnostic('BadInputsFile', undefined, { problem: `the weights: ${weights}` })] };
  let tf: typeof import('@tensorflow/tfjs');
  let runtime: [typeof import('./eval/setup.js'), typeof import('./eval/evaluate.js')];
  try {
    tf = await import('@tensorflow/tfjs');
    runtime = await Promise.all([import('./eval/setup.js'), import('./eval/evaluate.js')]);
  } catch (err) {
    const reason = notInstalled(err, 'evaluate');
    if (reason === undefined) throw err;
    return { diagnostics: [...checked.diagnostics, diagnostic('EvaluationFailed', undefined, { reason })] };
  }
  const [{ onBackend }, { evaluateTfjs, valueAndGradsTfjs }] = runtime;
  // The caller's backend is active again afterwards.
  return onBackend(options.backend ?? 'wasm', async (backend) => {
    const tensors: Record<string, import('@tensorflow/tfjs').Tensor> = {};
    let weightTensor: import('@tensorflow/tfjs').Tensor | undefined;
    const lists: Record<string, import('@tensorflow/tfjs').Tensor[]> = {};
    try {
      const denseShapes = Object.fromEntries(Object.entries(prepared.tensors).map(([k, v]) => [k, v.shape]));
      for (const input of fn.inputs) {
        const v = prepared.tensors[input.name];
        if (!v) continue; // an optional input left out: the evaluator fills it
        tensors[input.name] = tf.tensor(v.data, v.shape, denseDtype(fn, input, denseShapes, v.data));
      }
      if (weights) weightTensor = tf.tensor(weights.data, weights.shape, 'float32');
      for (const [name, elements] of Object.entries(prepared.elements)) {
        const input = fn.inputs.find((i) => i.name === name)!;
        lists[name] = elements.map((v) => tf.tensor(v.data, v.shape, input.elem === 'real' ? 'float32' : input.elem === 'bool' ? 'bool' : 'int32'));
      }
      const evalOptions = {
        ...(Object.keys(lists).length > 0 ? { lists } : {}),
        ...(weightTensor ? { weights: weightTensor } : {}),
        ...(options.reduction ? { reduction: options.reduction } : {}),
        ...(options.autodiff ? { autodiff: true } : {}),
        ...(options.checkFinite ? { checkFinite: true } : {}),
      };
      if (options.grad) {
        // Every real input given, but a union given as class indices (no gradient); an
        // optional input left out is no input: a constant fills it, or the tensor of the
        // input it defaults to, whose gradient then counts both uses.
        const given = (i: (typeof fn.inputs)[number]): boolean => tensors[i.name] !== undefined && !(i.orIndices && tensors[i.name]!.dtype === 'int32');
        const wrt = fn.inputs.filter((i) => i.elem === 'real' && (given(i) || lists[i.name] !== undefined)).map((i) => i.name);
        const { value, grads, listGrads } = valueAndGradsTfjs(fn, tensors, prepared.hypers, wrt, evalOptions);
        const out: Record<string, NestedArray> = {};
        for (const [name, g] of Object.entries(grads)) {
          out[name] = (await g.array()) as NestedArray;
          g.dispose();
        }
        // A ragged list: one gradient per element, each of its element's shape.
        for (const [name, gs] of Object.entries(listGrads)) {
          out[name] = (await Promise.all(gs.map((g) => g.array()))) as NestedArray;
          tf.dispose(gs);
        }
        const loss = (await value.array()) as NestedArray;
        value.dispose();
        return { loss, grads: out, diagnostics: checked.diagnostics, backend };
      }
      const value = evaluateTfjs(fn, tensors, prepared.hypers, evalOptions);
      const loss = (await value.array()) as NestedArray;
      value.dispose();
      return { loss, diagnostics: checked.diagnostics, backend };
    } catch (err) {
      // Shape and index errors from the evaluator already name the loss and the input.
      const reason = err instanceof Error ? err.message : String(err);
      return { diagnostics: [...checked.diagnostics, diagnostic('EvaluationFailed', undefined, { reason })] };
    } finally {
      Object.values(tensors).forEach((t) => t.dispose());
      Object.values(lists).forEach((ts) => tf.dispose(ts));
      weightTensor?.dispose();
    }
  });
}

export interface ExplainResult {
  readonly diagnostics: Diagnostic[];
  /** The loss's IR as lowered from the source, before optimization. */
  readonly before?: string;
  /** The IR after optimization (absent with `optimize: false`). */
  readonly after?: string;
  /** Each rewrite applied, with the source span of the expression it changed. */
  readonly rewrites: readonly AppliedRewrite[];
  /** Op counts before and after optimization. */
  readonly stats?: { readonly before: OpCounts; readonly after: OpCounts };
  /** With `grad`: the IR of the loss with its derived backward passes, simplified. */
  readonly gradients?: string;
  /** With `grad`, when the compiler cannot derive the gradient: why. */
  readonly noGradients?: string;
  /** Contractions and largest values of the loss as computed, forward only. */
  readonly footprint?: Footprint;
  /** The same for a training step, forward and the derived backward pass (when derivable). */
  readonly trainingFootprint?: Footprint;
  /** What each derived backward pass has the forward save, and what it recomputes instead (when derivable). */
  readonly memory?: readonly PassMemory[];
}

export interface ExplainOptions extends PipelineOptions {
  /** Also derive the backward pass and show it. */
  readonly grad?: boolean;
}

/** What the optimizer did to one loss: IR before and after, and every rewrite it applied. */
export function explain(text: string, file: string, loss: string, options: ExplainOptions = {}): ExplainResult {
  const asWritten = frontEnd(text, file, { ...options, optimize: false });
  const optimized = options.optimize === false ? undefined : frontEnd(text, file, { ...options, notes: false });
  const diagnostics = (optimized ?? asWritten).diagnostics;
  const fn = asWritten.losses.find((l) => l.name === loss);
  if (!fn) {
    if (hasErrors(diagnostics)) return { diagnostics, rewrites: [] };
    const names = asWritten.losses.map((l) => l.name);
    const more = hint(loss, names) || (names.length ? ` (it has: ${names.join(', ')})` : ' (it defines no loss)');
    return { diagnostics: [...diagnostics, diagnostic('NoSuchLoss', undefined, { name: loss, file, hint: more })], rewrites: [] };
  }
  const after = optimized?.losses.find((l) => l.name === loss);
  // Derived also without `grad`: the footprint of a training step includes the backward pass.
  const derived = differentiate(after ?? fn, { optimize: options.optimize !== false, ...(options.target ? { target: options.target } : {}) });
  return {
    diagnostics,
    before: printIr(fn),
    rewrites: optimized?.rewrites.get(loss) ?? [],
    ...(after ? { after: printIr(after), stats: { before: countOps(fn), after: countOps(after) } } : {}),
    ...(!options.grad ? {} : derived.fn ? { gradients: printIr(derived.fn) } : { noGradients: derived.reason }),
    footprint: footprint(after ?? fn),
    ...(derived.fn ? { trainingFootprint: footprint(derived.fn), memory: memoryReport(derived.fn) } : {}),
  };
}

export interface SampleCheckOptions extends PipelineOptions {
  /** Inputs drawn per loss (default 100). */
  readonly samples?: number;
  /** Seed of the draws: the same seed gives the same inputs. */
  readonly seed?: number;
  /** Only these losses (default: every loss of the file). */
  readonly losses?: readonly string[];
  readonly backend?: 'wasm' | 'cpu';
}

export interface SampleCheckResult {
  /** The checker's diagnostics and a W6020 warning per loss with non-finite float32 results. */
  readonly diagnostics: Diagnostic[];
  readonly reports: SampleReport[];
}

/**
 * The sampled stability check (`lossc check --sample N`): each loss and its gradients at inputs
 * drawn from the declared domains, in float32 (tfjs) against float64 (the reference evaluator).
 */
export async function sampleCheck(text: string, file: string, options: SampleCheckOptions = {}): Promise<SampleCheckResult> {
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'cpu') {
    return { diagnostics: [diagnostic('EvaluationFailed', undefined, { reason: unknownBackend(options.backend) })], reports: [] };
  }
  const checked = frontEnd(text, file, options);
  if (hasErrors(checked.diagnostics)) return { diagnostics: checked.diagnostics, reports: [] };
  const { onBackend } = await import('./eval/setup.js');
  const { DEFAULT_SAMPLE_OPTIONS, sampleLoss } = await import('./sample/sample.js');
  const { sampledFindings } = await import('./sample/sample-findings.js');
  const settings = { ...DEFAULT_SAMPLE_OPTIONS, ...(options.samples !== undefined ? { samples: options.samples } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const losses = checked.losses.filter((l) => !options.losses || options.losses.includes(l.name));
  const reports = await onBackend(options.backend ?? 'wasm', async () => losses.map((fn) => sampleLoss(fn, settings)));
  const findings = losses.flatMap((fn, i) => sampledFindings(fn, reports[i]!));
  return { diagnostics: sortDiagnostics([...checked.diagnostics, ...findings]), reports };
}

/** Why `backend` is refused: evaluate and the sampled check start wasm or cpu only. */
function unknownBackend(backend: unknown): string {
  return `backend ${JSON.stringify(backend)} is not one lossc starts: 'wasm' or 'cpu' (a browser's webgl runs the generated module, or evaluateTfjs on a backend the page started)`;
}

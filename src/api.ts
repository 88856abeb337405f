// The library API: what the CLI and the playground use, and nothing else does.
// ts-morph and tfjs are loaded on demand, so `parse` and `check` stay fast.

import type { Module } from '../grammar/ast.js';
import { parseModule } from '../grammar/index.js';
import type { CheckResult } from './check/module.js';
import type { SourceHost } from './check/program.js';
import { hint } from './check/values.js';
import { diagnostic, hasErrors, type Diagnostic } from './diagnostics/diagnostic.js';
import type { IrFunction } from './ir/types.js';
import { prepareInputs, type NestedArray } from './inputs.js';
import { frontEnd, type PipelineOptions } from './pipeline.js';

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

/** Source to a TypeScript module for TensorFlow.js. */
export async function compile(text: string, file = 'input.loss', options: PipelineOptions = {}): Promise<CompileResult> {
  const checked = frontEnd(text, file, options);
  if (hasErrors(checked.diagnostics)) return { diagnostics: checked.diagnostics, losses: checked.losses };
  const { emitModule } = await import('./backends/emit-ts.js');
  const code = await emitModule({ file, losses: checked.losses });
  return { code, diagnostics: checked.diagnostics, losses: checked.losses };
}

export interface EvaluateOptions extends PipelineOptions {
  /** The loss to run. */
  readonly loss: string;
  /** Tensor inputs (nested arrays or `{shape, data}`) and, optionally, hyperparameters. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Hyperparameter values, winning over `inputs` (`--set NAME=VALUE`). */
  readonly set?: Readonly<Record<string, number>>;
  /** Also return d loss / d input for every real input. */
  readonly grad?: boolean;
  readonly backend?: 'wasm' | 'cpu';
  readonly reduction?: 'mean' | 'sum' | 'none';
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
  const checked = frontEnd(text, file, options);
  if (hasErrors(checked.diagnostics)) return { diagnostics: checked.diagnostics };
  const fn = checked.losses.find((l) => l.name === options.loss);
  if (!fn) {
    const names = checked.module.definitions.filter((d) => d.defKind === 'loss').map((d) => d.name.name);
    const more = hint(options.loss, names) || (names.length ? ` (it has: ${names.join(', ')})` : ' (it defines no loss)');
    return { diagnostics: [...checked.diagnostics, diagnostic('NoSuchLoss', undefined, { name: options.loss, file, hint: more })] };
  }
  const prepared = prepareInputs(fn, options.inputs, options.set);
  if (prepared.diagnostics.length > 0) return { diagnostics: [...checked.diagnostics, ...prepared.diagnostics] };
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import('./backends/tfjs-setup.js');
  const { evaluateTfjs, valueAndGradsTfjs } = await import('./backends/tfjs-eval.js');
  const backend = await initBackend(options.backend ?? 'wasm');
  const tensors: Record<string, import('@tensorflow/tfjs').Tensor> = {};
  try {
    for (const input of fn.inputs) {
      const v = prepared.tensors[input.name];
      if (!v) continue; // an optional input left out: the evaluator fills it
      const dtype = input.elem === 'real' ? 'float32' : input.elem === 'bool' ? 'bool' : 'int32';
      tensors[input.name] = tf.tensor(v.data, v.shape, dtype);
    }
    const evalOptions = options.reduction ? { reduction: options.reduction } : {};
    if (options.grad) {
      const wrt = fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);
      const { value, grads } = valueAndGradsTfjs(fn, tensors, prepared.hypers, wrt, evalOptions);
      const out: Record<string, NestedArray> = {};
      for (const [name, g] of Object.entries(grads)) {
        out[name] = (await g.array()) as NestedArray;
        g.dispose();
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
  }
}

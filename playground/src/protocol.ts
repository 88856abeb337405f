// What the workers send back: plain, structured-cloneable data.
import type { Diagnostic } from '../../src/index.js';

export interface InputSummary {
  readonly name: string;
  readonly elem: 'real' | 'int' | 'bool' | 'index';
  readonly indexOf?: string;
  /** Dimension names of the declared shape, `...` first when present. */
  readonly dims: readonly string[];
  readonly domain?: { readonly kind: 'interval' | 'set'; readonly lo?: number; readonly hi?: number; readonly loClosed?: boolean; readonly hiClosed?: boolean; readonly values?: readonly number[]; readonly text: string };
  /** An input that may be left out (it has a default). */
  readonly optional: boolean;
  /** `y: [N] = x`: left out, it is the tensor of this input. */
  readonly defaultsTo?: string;
  /** `preds: list[K] of [N, C]`: given as an array of K tensors; `dims` is the stacked shape [K, N, C]. */
  readonly list?: true;
}

export interface HyperSummary {
  readonly name: string;
  readonly elem: 'real' | 'int' | 'bool';
  readonly default?: number;
  readonly domain?: InputSummary['domain'];
  /** A hyperparameter of strings: its strings (`default` is the position of one). */
  readonly values?: readonly string[];
}

export interface LossSummary {
  readonly name: string;
  readonly file: string;
  readonly doc?: string;
  readonly formula: string;
  readonly inputs: readonly InputSummary[];
  readonly hypers: readonly HyperSummary[];
  /** Dimensions of fixed size (`[N, 4]`, `dim Box = {…}`). */
  readonly fixedDims: Readonly<Record<string, number>>;
  /** 'mean' or 'sum' when the loss takes a `reduction` option. */
  readonly reduction?: 'mean' | 'sum';
}

export interface RewriteSummary {
  readonly rule: string;
  readonly detail?: string;
  readonly line?: number;
  readonly col?: number;
}

export interface LossIr {
  readonly before: string;
  readonly after: string;
  readonly rewrites: readonly RewriteSummary[];
  /** The IR with the backward pass the compiler derives, or why there is none. */
  readonly gradients?: string;
  readonly noGradients?: string;
}

export interface Analysis {
  readonly version: number;
  readonly diagnostics: readonly Diagnostic[];
  readonly losses: readonly LossSummary[];
  readonly checkMs: number;
  /** False for the quick first pass, before the stability analysis has run. */
  readonly complete: boolean;
}

export interface IrReport {
  /** By loss name. */
  readonly ir: Readonly<Record<string, LossIr>>;
  /** How it was produced: the library's `explain`, or `printIr` of `check`. */
  readonly source: 'explain' | 'printIr';
}

export interface CompileReply {
  readonly version: number;
  readonly code?: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly ms: number;
}

/** One loss to run: its file's text, its name, input values and hyperparameters. */
export interface LossRef {
  readonly text: string;
  readonly file: string;
  readonly loss: string;
}

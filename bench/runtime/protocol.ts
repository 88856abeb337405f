// Messages between the bench (parent) and a runtime worker (a child process per backend, so a
// crash or an exhausted wasm heap costs one task, not the run).
import type { Backend, MeasureSettings, Mode, TaskResult, VariantName } from './types.js';

export interface InitMessage {
  readonly type: 'init';
  readonly backend: Backend;
  /** Directory of the generated stdlib modules (`lossc compile stdlib --out DIR`). */
  readonly stdlibDir: string;
  /** The same compiled with `--autodiff` (no derived backward pass), for the 'autodiff' variant. */
  readonly autodiffDir?: string;
  readonly settings: MeasureSettings;
}

export interface TaskMessage {
  readonly type: 'task';
  readonly loss: string;
  readonly size: number;
  /** Only these modes (default: both). */
  readonly modes?: readonly Mode[];
  /** Variants not to run (they aborted the wasm heap of an earlier worker). */
  readonly exclude?: readonly { readonly mode: Mode; readonly variant: VariantName }[];
  /** Only these variants (default: every one the loss has). */
  readonly variants?: readonly VariantName[];
  /** Profile each variant once after timing it (default true). */
  readonly profile?: boolean;
}

/** A request and its reply carry the same id, so a late reply from a killed worker is ignored. */
export type ToWorker = (InitMessage | TaskMessage | { readonly type: 'exit' }) & { readonly id: number };

export interface BackendInfo {
  readonly backend: string;
  readonly tfjs: string;
  readonly wasmSimd?: boolean;
  readonly wasmThreads?: boolean;
}

export type FromWorker = (
  | { readonly type: 'ready'; readonly info: BackendInfo }
  | { readonly type: 'result'; readonly result: TaskResult; readonly aborted?: { readonly mode: Mode; readonly variant: VariantName } }
  | { readonly type: 'failed'; readonly error: string }
) & { readonly id: number };

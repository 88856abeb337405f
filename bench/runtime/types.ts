// What the runtime bench measures, as it is stored in bench/results/runtime.json.

export type Backend = 'wasm' | 'cpu';
export type Mode = 'forward' | 'forward+backward';
/**
 * compiled: the generated module with default options, its gradients the backward pass the
 * compiler derives (build/stdlib); compiled-nocheck: the same with checkValues: false;
 * autodiff: the same loss compiled with `--autodiff` (build/stdlib-autodiff), its gradients
 * left to tfjs's autodiff, timed forward+backward only.
 */
export type VariantName = 'compiled' | 'compiled-nocheck' | 'autodiff' | 'baseline' | 'tf.losses' | 'loop';
export const VARIANTS: readonly VariantName[] = ['compiled', 'compiled-nocheck', 'autodiff', 'baseline', 'tf.losses', 'loop'];

export interface VariantResult {
  /** Median wall time of one call, ms (compute on the device plus one scalar read). */
  readonly medianMs?: number;
  readonly minMs?: number;
  /** Timed calls; 1 with `single`: one call (the second, or the first when it took very long). */
  readonly reps: number;
  readonly single?: boolean;
  /** Tensors left behind per call (tf.memory().numTensors after minus before). */
  readonly leakPerCall?: number;
  /** High-water mark of tensor bytes during one call, above what was allocated before it. */
  readonly peakBytes?: number;
  /** Kernels dispatched by one call, and how many of each. */
  readonly kernels?: number;
  readonly kernelCounts?: Readonly<Record<string, number>>;
  /** Time per kernel name in the profiled call (profiling adds overhead: compare, don't add up). */
  readonly kernelMs?: Readonly<Record<string, number>>;
  /** Wall time of the profiled call; minus the kernels' time, it is JavaScript outside kernels. */
  readonly profiledMs?: number;
  /** Why the variant did not run or was not timed. */
  readonly error?: string;
  /** Why the profiling call failed (the timings stand). */
  readonly profileError?: string;
}

export interface ModeResult {
  readonly mode: Mode;
  readonly variants: Partial<Record<VariantName, VariantResult>>;
}

export interface TaskResult {
  readonly backend: Backend;
  readonly loss: string;
  readonly file: string;
  /** Nominal size class, in the case's unit. */
  readonly size: number;
  readonly elements: number;
  readonly dims: Readonly<Record<string, number>>;
  readonly unit: string;
  readonly modes: readonly ModeResult[];
  /** Wall time of the whole task (inputs, warm-up, timing, profiling), s. */
  readonly seconds: number;
  /** Set when the task did not run (skipped for time, or its worker crashed). */
  readonly skipped?: string;
}

/** How hard to measure: warm-up calls, repetitions and a time budget per (loss, size, mode). */
export interface MeasureSettings {
  readonly warmup: number;
  readonly minReps: number;
  readonly maxReps: number;
  /** Stop adding rounds after this long once minReps rounds are done. */
  readonly budgetMs: number;
  /** A variant whose warm-up call takes longer than this gets one warm-up only. */
  readonly slowCallMs: number;
  /** A variant whose first call takes longer than this is measured by that one call. */
  readonly singleCallMs: number;
}

// What bench/pairwise/driver.ts and one worker process (bench/pairwise/worker.ts) say to each
// other. The parent writes commands to the worker's stdin, one a line; the worker answers on
// stdout, one JSON message a line after TAG (so anything else a library prints there is ignored).

export const TAG = '@pairwise ';

export type Command = 'round' | 'exit';

/** One implementation of one loss at one N on one backend, in a process of its own. */
export interface WorkerSpec {
  readonly loss: string;
  readonly n: number;
  readonly backend: 'wasm' | 'cpu';
  /** 'expert' for baselines/metric.ts; otherwise the name of a build of lossc's modules. */
  readonly impl: string;
  /** The directory holding that build's metric.ts and user.ts; absent for the expert. */
  readonly dir?: string;
}

/** Value and gradient summaries of one call, to check that every implementation computes the same. */
export interface Check {
  readonly value: number;
  /** ‖∂loss/∂w‖₂ per differentiated input, in the case's `wrt` order. */
  readonly gradNorms: readonly number[];
}

export type Message =
  | {
      readonly kind: 'ready';
      readonly check: Check;
      /** tf.profile's peakBytes of one forward+backward call, in MB (2^20 bytes). */
      readonly peakMB: number;
      /** Kernels that call ran (tf.profile). */
      readonly kernels: number;
      /** Tensors still alive after that call that were not before it (a leak grows the heap each round). */
      readonly leakedTensors: number;
      /** Wall time of starting the backend, loading the module, making inputs and the two untimed calls. */
      readonly setupMs: number;
      readonly setupCpuMs: number;
    }
  /** Wall time of one call, and the CPU time the process spent in it (on a loaded machine, near a quiet machine's wall time). */
  | { readonly kind: 'time'; readonly ms: number; readonly cpuMs: number }
  /** The process's peak resident memory (the wasm heap never shrinks, so this is its high-water mark). */
  | { readonly kind: 'done'; readonly maxRssMB: number }
  /** `aborted`: a WebAssembly trap or an emscripten abort (the wasm heap), after which the backend is unusable. */
  | { readonly kind: 'error'; readonly phase: string; readonly message: string; readonly aborted: boolean };

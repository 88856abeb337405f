// Runs every (loss, size) task of one backend through a worker, in an order that lets a time
// budget drop the largest sizes first, and prints a line per task as it finishes.
import type { BenchCase } from '../cases/types.js';
import { RuntimeWorker } from './pool.js';
import type { BackendInfo } from './protocol.js';
import type { Backend, MeasureSettings, Mode, TaskResult, VariantName } from './types.js';

export interface BackendPlan {
  readonly backend: Backend;
  /** Sizes above this are not run in full (and are reported as such). */
  readonly maxSize: number;
  /**
   * Above maxSize and up to this size, forward+backward only, of the variants in BACKWARD_ONLY,
   * without profiling: the derived gradients against autodiff, the baseline and tf.losses.
   */
  readonly backwardMaxSize?: number;
  /** Start no new task after this many seconds on this backend. */
  readonly budgetS: number;
  /** Skip a task whose shortest possible run, predicted from the previous size, exceeds this. */
  readonly taskCapS: number;
  /** Kill a worker that takes longer than this on one task. */
  readonly taskTimeoutS: number;
  readonly settings: MeasureSettings;
}

export interface BackendRun {
  readonly info?: BackendInfo;
  readonly results: TaskResult[];
  readonly seconds: number;
}

type Log = (line: string) => void;

/** The variants timed at sizes between a plan's maxSize and backwardMaxSize. */
export const BACKWARD_ONLY: readonly VariantName[] = ['compiled', 'autodiff', 'baseline', 'tf.losses'];

/** What a task runs: every mode and variant, or forward+backward of BACKWARD_ONLY. */
interface Scope {
  readonly modes?: readonly Mode[];
  readonly variants?: readonly VariantName[];
  readonly profile?: boolean;
}

/**
 * The least a task can cost at `size`, from its timings at a smaller size (calls scale with
 * size): warm-up and minReps calls of each variant it will run, or two calls of one that will
 * be measured by a single call.
 */
function predictedSeconds(prev: TaskResult, size: number, s: MeasureSettings, scope: Scope): number {
  const growth = size / prev.size;
  let ms = 0;
  for (const m of prev.modes) {
    if (scope.modes && !scope.modes.includes(m.mode)) continue;
    for (const [name, v] of Object.entries(m.variants) as [VariantName, TaskResult['modes'][number]['variants'][VariantName]][]) {
      if (!v?.medianMs || (scope.variants && !scope.variants.includes(name))) continue;
      const call = v.medianMs * growth;
      ms += call > s.singleCallMs ? 2 * call : call * (s.minReps + (call < s.slowCallMs ? s.warmup : 1));
    }
  }
  return ms / 1000;
}

const fmtSize = (n: number): string => (n >= 1000 ? n.toExponential(0).replace('+', '') : String(n));

function summary(r: TaskResult): string {
  const part = (mode: string): string => {
    const m = r.modes.find((x) => x.mode === mode);
    const c = m?.variants.compiled?.medianMs;
    const b = m?.variants.baseline?.medianMs;
    if (c === undefined || b === undefined) return `${mode} -`;
    const a = m?.variants.autodiff?.medianMs;
    return `${mode} ${c.toFixed(2)} ms (×${(c / b).toFixed(2)}${a !== undefined ? `; autodiff ${a.toFixed(2)} ms, ×${(a / c).toFixed(2)} of derived` : ''})`;
  };
  return `${part('forward')}  ${part('forward+backward')}`;
}

/**
 * Runs a task; after a wasm abort, reruns the mode it happened in and the modes after it, in a
 * fresh worker, without the variant that caused it (and its checkValues twin), which keeps its
 * error.
 */
async function runWithRetry(worker: RuntimeWorker, c: BenchCase, size: number, timeoutMs: number, scope: Scope): Promise<TaskResult> {
  const first = await worker.run({ loss: c.loss, size, ...scope }, timeoutMs);
  if (!first.aborted) return first.result;
  const { mode, variant } = first.aborted;
  const all = first.result.modes.map((m) => m.mode);
  const modes = all.slice(all.indexOf(mode));
  const twin: VariantName[] = variant === 'compiled' ? ['compiled', 'compiled-nocheck'] : [variant];
  const exclude = modes.flatMap((m) => twin.map((v) => ({ mode: m, variant: v })));
  const again = await worker.run({ loss: c.loss, size, ...scope, modes, exclude }, timeoutMs);
  return {
    ...first.result,
    seconds: first.result.seconds + again.result.seconds,
    modes: first.result.modes.map((m) => {
      const redone = again.result.modes.find((x) => x.mode === m.mode);
      if (!redone) return m;
      const kept = Object.fromEntries(
        twin.map((v) => [v, m.mode === mode && m.variants[v] ? m.variants[v]! : { reps: 0, error: `not run: it aborted the wasm heap in ${mode}` }]),
      );
      return { mode: m.mode, variants: { ...redone.variants, ...kept } };
    }),
  };
}

export async function runBackend(plan: BackendPlan, cases: readonly BenchCase[], stdlibDir: string, log: Log, autodiffDir?: string): Promise<BackendRun> {
  const worker = new RuntimeWorker({ type: 'init', backend: plan.backend, stdlibDir, ...(autodiffDir ? { autodiffDir } : {}), settings: plan.settings });
  const largest = Math.max(plan.maxSize, plan.backwardMaxSize ?? 0);
  const sizes = [...new Set(cases.flatMap((c) => c.sizes))].sort((a, b) => a - b);
  const results: TaskResult[] = [];
  const t0 = performance.now();
  const skip = (c: BenchCase, size: number, why: string): void => {
    const d = c.dims(size);
    results.push({ backend: plan.backend, loss: c.loss, file: c.file, size, elements: c.elements(d), dims: d, unit: c.unit, modes: [], seconds: 0, skipped: why });
    log(`${plan.backend.padEnd(4)} ${c.loss.padEnd(22)} ${fmtSize(size).padStart(4)}  skipped: ${why}`);
  };
  const previous = (c: BenchCase, size: number): TaskResult | undefined => results.filter((r) => r.loss === c.loss && !r.skipped && r.size < size).at(-1);
  let unavailable: string | undefined;
  try {
    // Smallest sizes first, and within a size the cheapest losses first, so that a time budget
    // cuts the largest and most expensive tasks.
    for (const size of sizes) {
      const group = cases.filter((c) => c.sizes.includes(size));
      const cost = (c: BenchCase): number => previous(c, size)?.seconds ?? 0;
      for (const c of [...group].sort((a, b) => cost(a) - cost(b))) {
        if (unavailable) {
          skip(c, size, unavailable);
          continue;
        }
        if (size > largest) {
          skip(c, size, `above this backend's largest size (${fmtSize(largest)})`);
          continue;
        }
        const scope: Scope = size > plan.maxSize ? { modes: ['forward+backward'], variants: BACKWARD_ONLY, profile: false } : {};
        if ((performance.now() - t0) / 1000 > plan.budgetS) {
          skip(c, size, `time budget of ${plan.budgetS} s for ${plan.backend} used up`);
          continue;
        }
        const prev = previous(c, size);
        const predicted = prev ? predictedSeconds(prev, size, plan.settings, scope) : 0;
        if (predicted > plan.taskCapS) {
          skip(c, size, `predicted ≥ ${predicted.toFixed(0)} s from its time at ${fmtSize(prev!.size)} (cap ${plan.taskCapS} s)`);
          continue;
        }
        if (c.freshWorkerFrom !== undefined && size >= c.freshWorkerFrom) worker.kill();
        try {
          const r = await runWithRetry(worker, c, size, plan.taskTimeoutS * 1000, scope);
          results.push(r);
          log(`${plan.backend.padEnd(4)} ${c.loss.padEnd(22)} ${fmtSize(size).padStart(4)}  ${summary(r)}  [${r.seconds.toFixed(1)} s]`);
        } catch (e) {
          const message = (e instanceof Error ? e.message : String(e)).slice(0, 300);
          skip(c, size, `failed: ${message}`);
          if (/unavailable/.test(message)) unavailable = `the ${plan.backend} backend is unavailable: ${message}`;
        }
      }
    }
  } finally {
    worker.stop();
  }
  return { ...(worker.info ? { info: worker.info } : {}), results, seconds: (performance.now() - t0) / 1000 };
}

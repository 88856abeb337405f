// Timing one (loss, size, mode) group: every variant warmed up, then timed in interleaved
// rounds (so load on the machine hits all of them alike), then profiled once for its peak
// memory and kernel count. On wasm and cpu every op runs synchronously, so a call's wall time
// is its compute; each call reads back one scalar, reduced on the device.
import * as tf from '@tensorflow/tfjs';
import type { Inputs, LossFn } from '../cases/types.js';
import { median, min } from '../stats.js';
import type { MeasureSettings, Mode, VariantName, VariantResult } from './types.js';

export interface Timed {
  readonly name: VariantName;
  readonly call: () => void;
  /** Not worth timing when a call is this slow (its cost is then noise in the total). */
  readonly skipAboveMs?: number;
}

/**
 * One call of `fn` as a training step makes it: the loss ('forward'), or the loss and its
 * gradients with respect to `wrt` ('forward+backward'), the gradients summed to one number
 * on the device before the single read.
 */
export function callOf(fn: LossFn, mode: Mode, x: Inputs, wrt: readonly string[]): () => void {
  if (mode === 'forward') {
    return () => {
      const y = fn(x);
      y.dataSync();
      y.dispose();
    };
  }
  const withGrads = tf.valueAndGrads((...ts: tf.Tensor[]) => fn({ ...x, ...Object.fromEntries(wrt.map((n, i) => [n, ts[i]!])) }));
  const xs = wrt.map((n) => x[n]!);
  return () => {
    const { value, grads } = withGrads(xs);
    const total = tf.tidy(() => tf.addN([value, ...grads.map((g) => tf.sum(g))]));
    total.dataSync();
    tf.dispose([value, ...grads, total]);
  };
}

interface State {
  readonly v: Timed;
  readonly samples: number[];
  leaked: number;
  calls: number;
  error?: string;
  /** Measured by its first call alone. */
  single?: boolean;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);

/** An out-of-memory abort leaves the wasm module unusable: nothing runs after it in this process. */
const ABORT = /Aborted|RuntimeError|out of memory|memory access out of bounds/i;
let abortedBy: VariantName | undefined;

/** The variant whose call aborted the wasm module in this process, if one did. */
export const aborted = (): VariantName | undefined => abortedBy;

function timeOne(s: State): number | undefined {
  if (abortedBy) {
    s.error = `not run: the wasm heap aborted in ${abortedBy} earlier in this worker`;
    return undefined;
  }
  const before = tf.memory().numTensors;
  try {
    const t0 = performance.now();
    s.v.call();
    const ms = performance.now() - t0;
    s.leaked += tf.memory().numTensors - before;
    s.calls++;
    return ms;
  } catch (e) {
    s.error = firstLine(e);
    if (ABORT.test(s.error)) abortedBy = s.v.name;
    return undefined;
  }
}

type Profile = Pick<VariantResult, 'peakBytes' | 'kernels' | 'kernelCounts' | 'kernelMs' | 'profiledMs'>;

async function profileOne(s: State): Promise<Profile> {
  const before = tf.memory().numBytes;
  const t0 = performance.now();
  const info = await tf.profile(() => s.v.call());
  const profiledMs = performance.now() - t0;
  const kernelCounts: Record<string, number> = {};
  const kernelMs: Record<string, number> = {};
  for (const k of info.kernels) {
    kernelCounts[k.name] = (kernelCounts[k.name] ?? 0) + 1;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs[k.name] = (kernelMs[k.name] ?? 0) + ms;
  }
  return { peakBytes: info.kernels.length > 0 ? Math.max(0, info.peakBytes - before) : 0, kernels: info.kernels.length, kernelCounts, kernelMs, profiledMs };
}

/**
 * Times every variant of one group; a variant that throws is reported with its error. Without
 * `profile`, no profiling call (the timings only: for tasks whose calls take seconds).
 */
export async function measureGroup(variants: readonly Timed[], settings: MeasureSettings, profile = true): Promise<Partial<Record<VariantName, VariantResult>>> {
  const states: State[] = variants.map((v) => ({ v, samples: [], leaked: 0, calls: 0 }));
  for (const s of states) {
    const first = timeOne(s);
    if (first === undefined) continue;
    if (s.v.skipAboveMs !== undefined && first > s.v.skipAboveMs) {
      s.error = `not timed: one call takes ${first.toFixed(0)} ms`;
      continue;
    }
    if (first > settings.singleCallMs) {
      // One more call unless the first was far over: a first call also pays for heap growth.
      const second = first > 3 * settings.singleCallMs ? undefined : timeOne(s);
      if (s.error) continue;
      s.single = true;
      s.samples.push(second ?? first);
      continue;
    }
    for (let i = 1; i < settings.warmup && first < settings.slowCallMs && !s.error; i++) timeOne(s);
  }
  const live = (): State[] => states.filter((s) => !s.error && !s.single);
  const start = performance.now();
  for (let round = 0; live().length > 0; round++) {
    const order = live();
    for (let k = 0; k < order.length; k++) {
      const s = order[(k + round) % order.length]!;
      const ms = timeOne(s);
      if (ms !== undefined) s.samples.push(ms);
    }
    const done = round + 1;
    if (done >= settings.minReps && (done >= settings.maxReps || performance.now() - start >= settings.budgetMs)) break;
  }
  const out: Partial<Record<VariantName, VariantResult>> = {};
  for (const s of states) {
    if (s.error) {
      out[s.v.name] = { reps: s.samples.length, error: s.error };
      continue;
    }
    let profiled: Profile | { profileError: string };
    try {
      if (abortedBy) throw new Error(`not profiled: the wasm heap aborted in ${abortedBy}`);
      if (s.single) throw new Error('not profiled: one call is all the time budget allows');
      if (!profile) throw new Error('not profiled: timings only at this size');
      profiled = await profileOne(s);
    } catch (e) {
      profiled = { profileError: firstLine(e) };
    }
    out[s.v.name] = {
      medianMs: median(s.samples),
      minMs: min(s.samples),
      reps: s.samples.length,
      ...(s.single ? { single: true } : {}),
      leakPerCall: s.calls > 0 ? s.leaked / s.calls : 0,
      ...profiled,
    };
  }
  return out;
}

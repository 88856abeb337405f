// The sampled check, in the spirit of Herbie: the loss and its gradients at inputs drawn from
// the declared domains (sample-draw.ts), in float32 (TensorFlow.js, as the generated code
// runs) against float64 (the reference evaluator, with finite differences for gradients).
// Per loss: how many samples gave a non-finite float32 loss or gradient, the error in bits
// (error-bits.ts), and the worst input. Loads tfjs: import this module dynamically.

import * as tf from '@tensorflow/tfjs';
import { evaluateReference, type RefTensor } from '../reference/evaluate.js';
import { valueAndGradsTfjs } from '../eval/evaluate.js';
import { denseDtype, type NestedArray } from '../eval/inputs.js';
import type { DomainInfo, IrFunction } from '../ir/types.js';
import { errorBits, MAX_BITS } from './error-bits.js';
import { derivative, type Derivative } from './finite-diff.js';
import { drawSamples, rng, type Sample } from './sample-draw.js';

export interface SampleOptions {
  readonly samples: number;
  readonly seed: number;
  /** Cut for unbounded domains (default 1e4). */
  readonly maxMagnitude: number;
  /** Most elements of one input (default 12). */
  readonly maxElements: number;
  /** Gradient elements per input compared with finite differences (default 4). */
  readonly fdElements: number;
}

export const DEFAULT_SAMPLE_OPTIONS: SampleOptions = { samples: 100, seed: 1, maxMagnitude: 1e4, maxElements: 12, fdElements: 4 };

export interface BitsSummary {
  readonly max: number;
  readonly mean: number;
}

export interface WorstInput {
  readonly inputs: Record<string, NestedArray>;
  readonly hypers: Record<string, number>;
  /** 'loss', or the input whose gradient was worst. */
  readonly what: string;
  readonly float32: number;
  readonly float64: number;
  readonly bits: number;
}

export interface SampleReport {
  readonly loss: string;
  readonly samples: number;
  /** Samples whose float32 loss (or some gradient element) is NaN or infinite. */
  readonly nonFinite: { readonly loss: number; readonly grad: number };
  /** Samples whose float64 loss is not finite either: the formula itself is infinite there. */
  readonly referenceNonFinite: number;
  readonly lossBits: BitsSummary;
  readonly gradBits: BitsSummary;
  /** The sample with the most bits of error (a non-finite one first). */
  readonly worst?: WorstInput;
  /** Samples that could not be evaluated, with the first reason. */
  readonly failures: number;
  readonly failure?: string;
  /** Why the loss was not sampled at all. */
  readonly skipped?: string;
}

class Stats {
  max = 0;
  sum = 0;
  n = 0;
  add(bits: number): void {
    this.max = Math.max(this.max, bits);
    this.sum += bits;
    this.n++;
  }
  summary(): BitsSummary {
    return { max: round2(this.max), mean: round2(this.n ? this.sum / this.n : 0) };
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function inDomain(domain: DomainInfo | undefined): (x: number) => boolean {
  if (!domain || domain.kind === 'set') return () => true;
  const lo = domain.lo ?? -Infinity;
  const hi = domain.hi ?? Infinity;
  return (x) => (domain.loClosed ? x >= lo : x > lo) && (domain.hiClosed ? x <= hi : x < hi);
}

export function nest(shape: readonly number[], data: ArrayLike<number>): NestedArray {
  if (shape.length === 0) return data[0]!;
  const [n, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n! }, (_, i) => nest(rest, Array.prototype.slice.call(data, i * size, (i + 1) * size) as number[]));
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function refInputs(sample: Sample): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  for (const [k, v] of Object.entries(sample.inputs)) out[k] = { shape: [...v.shape], data: Float64Array.from(v.data) };
  return out;
}

/** The reference's options for a sample's ragged lists (their elements, by name). */
function refLists(lists: Sample['lists']): { lists?: Record<string, RefTensor[]> } {
  if (!lists) return {};
  return { lists: Object.fromEntries(Object.entries(lists).map(([k, es]) => [k, es.map((e) => ({ shape: [...e.shape], data: Float64Array.from(e.data) }))])) };
}

/**
 * `fn` with each detach(x) replaced by an input holding x's value at this sample, so that finite
 * differences hold it constant, as the gradient does.
 */
function freezeDetached(fn: IrFunction, ref: Record<string, RefTensor>, hypers: Record<string, number>): { fn: IrFunction; inputs: Record<string, RefTensor> } {
  const detached = fn.nodes.filter((n) => n.op === 'detach');
  if (detached.length === 0) return { fn, inputs: ref };
  const inputs = { ...ref };
  const decls = [...fn.inputs];
  for (const n of detached) {
    const name = `\u0000detach${n.id}`;
    inputs[name] = evaluateReference(fn, ref, hypers, { node: n.id });
    decls.push({ name, elem: 'real', axes: n.type.axes, node: n.id });
  }
  const nodes = fn.nodes.map((n) => (n.op === 'detach' ? { ...n, op: 'input' as const, args: [], attrs: { name: `\u0000detach${n.id}` } } : n));
  return { fn: { ...fn, nodes, inputs: decls }, inputs };
}

interface Worst {
  readonly what: string;
  readonly float32: number;
  readonly float64: number;
  readonly bits: number;
}

interface Measured {
  readonly nonFiniteLoss: boolean;
  readonly nonFiniteGrad: boolean;
  readonly refNonFinite: boolean;
  readonly lossBits: number;
  readonly gradBits: number | undefined;
  readonly worst: Worst;
}

const nonFinite = (xs: ArrayLike<number>): number | undefined => Array.prototype.find.call(xs, (x: number) => !Number.isFinite(x)) as number | undefined;

/** The loss and its gradients in float32, as the generated code computes them. */
function float32Run(fn: IrFunction, sample: Sample, wrt: readonly string[]): { value: Float32Array; grads: Record<string, Float32Array> } {
  const tensors: Record<string, tf.Tensor> = {};
  const grads: Record<string, Float32Array> = {};
  const lists: Record<string, tf.Tensor[]> = {};
  try {
    for (const [name, es] of Object.entries(sample.lists ?? {})) {
      // Each element in its declared dtype: the loss refuses a float32 one for a bool list.
      const elem = fn.inputs.find((i) => i.name === name)?.elem;
      lists[name] = es.map((e) => tf.tensor(e.data, e.shape, elem === 'bool' ? 'bool' : elem === 'int' || elem === 'index' ? 'int32' : 'float32'));
    }
    const shapes = Object.fromEntries(Object.entries(sample.inputs).map(([k, v]) => [k, v.shape]));
    for (const input of fn.inputs) {
      const v = sample.inputs[input.name];
      if (!v) continue; // an optional input left out: the loss fills it, as a caller's would
      tensors[input.name] = tf.tensor(v.data, v.shape, denseDtype(fn, input, shapes, v.data));
    }
    const r = valueAndGradsTfjs(fn, tensors, sample.hypers, wrt, { lists });
    const value = r.value.dataSync() as Float32Array;
    r.value.dispose();
    for (const [k, g] of Object.entries(r.grads)) {
      grads[k] = g.dataSync() as Float32Array;
      g.dispose();
    }
    // A ragged list's gradient: its elements' gradients one after the other, as the sample's data.
    for (const [k, gs] of Object.entries(r.listGrads)) {
      grads[k] = Float32Array.from(gs.flatMap((g) => Array.from(g.dataSync())));
      gs.forEach((g) => g.dispose());
    }
    return { value, grads };
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
    Object.values(lists).forEach((es) => es.forEach((t) => t.dispose()));
  }
}

/** float64 slopes by finite differences at up to `fdElements` elements of each real input. */
function float64Slopes(fn: IrFunction, sample: Sample, ref: Record<string, RefTensor>, options: SampleOptions, random: () => number): { name: string; k: number; d: Derivative }[] {
  // A detach inside a ragged list's per-element part has a value per element, which no input
  // can stand for: such a loss's gradients are only counted, not measured.
  if (sample.lists && fn.nodes.some((n) => n.op === 'detach')) return [];
  const frozen = freezeDetached(fn, ref, sample.hypers);
  const lists = refLists(sample.lists).lists ?? {};
  const total = (inputs: Record<string, RefTensor>, changed: Record<string, RefTensor[]> = {}): number =>
    evaluateReference(frozen.fn, { ...frozen.inputs, ...inputs }, sample.hypers, sample.lists ? { lists: { ...lists, ...changed } } : {}).data.reduce((a, b) => a + b, 0);
  const out: { name: string; k: number; d: Derivative }[] = [];
  for (const decl of fn.inputs) {
    // Labels from a set are not differentiated in earnest; their gradients are only counted.
    if (decl.elem !== 'real' || decl.domain?.kind === 'set') continue;
    const elements = lists[decl.name];
    if (elements) {
      // A ragged list: position k of its elements' data one after the other (the gradient's order).
      const flat = Float64Array.from(elements.flatMap((e) => Array.from(e.data)));
      for (const k of shuffle([...flat.keys()], random).slice(0, options.fdElements)) {
        const at = (x: number): number => {
          let start = 0;
          const moved = elements.map((e) => {
            const data = Float64Array.from(e.data);
            if (k >= start && k < start + data.length) data[k - start] = x;
            start += data.length;
            return { shape: e.shape, data };
          });
          return total({}, { [decl.name]: moved });
        };
        const d = derivative(at, flat[k]!, inDomain(decl.domain));
        if (d) out.push({ name: decl.name, k, d });
      }
      continue;
    }
    const base = ref[decl.name];
    if (!base) continue; // left out: its default moves with the input it names, if any
    for (const k of shuffle([...base.data.keys()], random).slice(0, options.fdElements)) {
      const at = (x: number): number => {
        const data = Float64Array.from(base.data);
        data[k] = x;
        return total({ [decl.name]: { shape: base.shape, data } });
      };
      const d = derivative(at, base.data[k]!, inDomain(decl.domain));
      if (d) out.push({ name: decl.name, k, d });
    }
  }
  return out;
}

/** One sample: float32 loss and gradients against float64 ones. */
function measure(fn: IrFunction, sample: Sample, options: SampleOptions, random: () => number): Measured {
  const ref = refInputs(sample);
  const exact = evaluateReference(fn, ref, sample.hypers, refLists(sample.lists)).data;
  // The inputs given; one left out that defaults to another adds to that input's gradient.
  const wrt = fn.inputs.filter((i) => i.elem === 'real' && (sample.inputs[i.name] !== undefined || sample.lists?.[i.name] !== undefined)).map((i) => i.name);
  const { value, grads } = float32Run(fn, sample, wrt);
  let worst: Worst = { what: 'loss', float32: value[0] ?? NaN, float64: exact[0] ?? NaN, bits: -1 };
  let lossBits = 0;
  value.forEach((v, i) => {
    const bits = errorBits(v, exact[i]!);
    if (bits > worst.bits) worst = { what: 'loss', float32: v, float64: exact[i]!, bits };
    lossBits = Math.max(lossBits, bits);
  });
  const slopes = float64Slopes(fn, sample, ref, options, random);
  // Elements are measured at the scale of the whole gradient, as a training step sees it;
  // an element whose float64 slope is too uncertain at that scale is not measured.
  const scale = Math.max(0, ...slopes.map((e) => Math.abs(e.d.value)));
  let gradBits: number | undefined;
  for (const { name, k, d } of slopes) {
    const v = grads[name]![k]!;
    if (d.noise > 2 ** -12 * scale && Number.isFinite(v)) continue;
    const bits = v >= d.lo && v <= d.hi ? 0 : errorBits(v, v < d.lo ? d.lo : d.hi, scale);
    gradBits = Math.max(gradBits ?? 0, bits);
    if (bits > worst.bits) worst = { what: `d/d${name}`, float32: v, float64: d.value, bits };
  }
  const badGrad = wrt.find((n) => nonFinite(grads[n]!) !== undefined);
  if (badGrad !== undefined && worst.bits < MAX_BITS) {
    const slope = slopes.find((e) => e.name === badGrad && !Number.isFinite(grads[badGrad]![e.k]!));
    worst = { what: `d/d${badGrad}`, float32: nonFinite(grads[badGrad]!)!, float64: slope?.d.value ?? NaN, bits: MAX_BITS };
  }
  const nonFiniteLoss = nonFinite(value) !== undefined;
  return { nonFiniteLoss, nonFiniteGrad: badGrad !== undefined, refNonFinite: !exact.every(Number.isFinite), lossBits, gradBits, worst };
}

/** The sampled check of one loss. tfjs must be initialised (initBackend). */
export function sampleLoss(fn: IrFunction, options: SampleOptions = DEFAULT_SAMPLE_OPTIONS): SampleReport {
  const empty = { loss: fn.name, samples: 0, nonFinite: { loss: 0, grad: 0 }, referenceNonFinite: 0, lossBits: { max: 0, mean: 0 }, gradBits: { max: 0, mean: 0 }, failures: 0 };
  if (fn.functions && fn.functions.length > 0) return { ...empty, skipped: 'it takes a function argument, which cannot be sampled' };
  const samples = drawSamples(fn, options.samples, options.seed, options);
  const pickRandom = rng(options.seed ^ 0x5eed);
  const lossStats = new Stats();
  const gradStats = new Stats();
  let nonFiniteLoss = 0;
  let nonFiniteGrad = 0;
  let refNonFinite = 0;
  let failures = 0;
  let failure: string | undefined;
  let worst: WorstInput | undefined;
  let worstNonFinite = false;
  for (const sample of samples) {
    let m: Measured;
    try {
      m = measure(fn, sample, options, pickRandom);
    } catch (err) {
      failures++;
      failure ??= err instanceof Error ? err.message : String(err);
      continue;
    }
    if (m.nonFiniteLoss) nonFiniteLoss++;
    if (m.nonFiniteGrad) nonFiniteGrad++;
    if (m.refNonFinite) refNonFinite++;
    lossStats.add(m.lossBits);
    if (m.gradBits !== undefined) gradStats.add(m.gradBits);
    const broken = m.nonFiniteLoss || m.nonFiniteGrad;
    // A non-finite result is worse than any finite error.
    const better = !worst || (broken && !worstNonFinite) || (broken === worstNonFinite && m.worst.bits > worst.bits);
    if (better) {
      worstNonFinite = broken;
      const inputs: Record<string, NestedArray> = {};
      for (const input of fn.inputs) {
        const v = sample.inputs[input.name];
        const es = sample.lists?.[input.name];
        if (v) inputs[input.name] = nest(v.shape, v.data);
        else if (es) inputs[input.name] = es.map((e) => nest(e.shape, e.data));
      }
      worst = { inputs, hypers: sample.hypers, ...m.worst, bits: broken ? MAX_BITS : round2(m.worst.bits) };
    }
  }
  return {
    loss: fn.name,
    samples: samples.length - failures,
    nonFinite: { loss: nonFiniteLoss, grad: nonFiniteGrad },
    referenceNonFinite: refNonFinite,
    lossBits: lossStats.summary(),
    gradBits: gradStats.summary(),
    ...(worst ? { worst } : {}),
    failures,
    ...(failure ? { failure } : {}),
  };
}

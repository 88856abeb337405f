// The elementwise losses against their targets (issue 15), forward+backward at 1M elements, as a
// training step makes each call (tf.valueAndGrad, the gradient summed on the device, one number
// read back), the median of interleaved rounds in one process per backend:
//   - mse with default options (the input scan on) against `checkValues: false`: target ≤ 1.3×;
//   - bce_with_logits (default options) against tf.losses.sigmoidCrossEntropy: target ≤ 1.0×;
//   - cross_entropy on [N, 10] logits and class indices, without and with torch's class `weight`,
//     against tf.losses.softmaxCrossEntropy on one-hot labels (made once, outside the timing;
//     weighted: per-sample weights w[t] with Reduction.MEAN, Σ w[t]·l / Σ w[t], torch's mean),
//     and without a weight against cross_entropy as written before it took one
//     (bench/cross-entropy-unweighted.loss): what the weight's path costs when none is given;
//   - each against one fused JavaScript loop over the data computing value and gradient in a
//     single pass (the bound no tensor program beats): the remaining distance to one fused pass;
//   - the same targets for a training step that only applies the gradient and reads nothing
//     (optimizer.minimize without returnCost, an asynchronous loop): the loss's own read (its
//     input scan) is then a sync the caller did not ask for.
// Wall time and the process's CPU time per call, both medians of the same rounds.
// Every implementation's value and gradient are checked against the fused loop's (float64) first:
// a ratio between different computations would mean nothing.
//
//   npx tsx bench/cheap-forms.ts                     compiles stdlib/regression.loss,
//                                                    classification.loss and
//                                                    bench/cross-entropy-unweighted.loss fresh from src/
//   npx tsx bench/cheap-forms.ts --quick             a smoke run (1e5 elements, 5 rounds)
//   --backends wasm,cpu  --rounds 21  --size 1000000  --compiler dist (the last npm run build)
//   --after dir  --before dir   time prebuilt modules (directories holding regression.ts and
//                               classification.ts, e.g. an older checkout's build/stdlib, and for
//                               --after cross-entropy-unweighted.ts), both in the same rounds
//   --out file.json  (default bench/results/cheap-forms.json; --quick: cheap-forms-quick.json)
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend, type BackendName } from '../src/eval/setup.js';
import { mulberry32 } from './cases/random.js';
import { compileFresh, type Compiler } from './compile-fresh.js';
import { median } from './stats.js';

type Loss = (a: tf.Tensor, b: tf.Tensor, options?: Record<string, unknown>) => tf.Tensor;
interface Modules {
  readonly mse: Loss;
  readonly bce_with_logits: Loss;
  readonly cross_entropy: Loss;
  /** cross_entropy as written before it took a class weight; only in --after's directory. */
  readonly ce_unweighted?: Loss;
}
/** The classes of the cross_entropy rows. */
const CE_CLASSES = 10;

/** Issue 15's targets. */
const MSE_TARGET = 1.3;
const BCE_TARGET = 1.0;
/**
 * tfjs's float32 sums over 1M terms against the loop's float64: 5e-4 apart was seen (every tfjs
 * implementation gave the same float32 value); a different computation is further off.
 */
const RTOL = 2e-3;

interface Options {
  quick: boolean;
  size: number;
  rounds: number;
  backends: BackendName[];
  compiler: Compiler;
  after?: string;
  before?: string;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { quick: false, size: 1e6, rounds: 21, backends: ['wasm'], compiler: 'src', out: 'bench/results/cheap-forms.json' };
  const sized = new Set<string>();
  for (let k = 0; k < argv.length; k++) {
    const [flag, inline] = argv[k]!.includes('=') ? (argv[k]!.split(/=(.*)/s) as [string, string]) : [argv[k]!, undefined];
    const value = (): string => {
      const v = inline ?? argv[++k];
      if (v === undefined) throw new Error(`${flag} wants a value`);
      return v;
    };
    sized.add(flag);
    if (flag === '--quick') o.quick = true;
    else if (flag === '--size') o.size = Number(value());
    else if (flag === '--rounds') o.rounds = Number(value());
    else if (flag === '--backends') o.backends = value().split(',') as BackendName[];
    else if (flag === '--compiler') o.compiler = value() as Compiler;
    else if (flag === '--after') o.after = value();
    else if (flag === '--before') o.before = value();
    else if (flag === '--out') o.out = value();
    else throw new Error(`unknown argument '${argv[k]}' (see the comment at the top of bench/cheap-forms.ts)`);
  }
  if (o.quick) {
    if (!sized.has('--size')) o.size = 1e5;
    if (!sized.has('--rounds')) o.rounds = 5;
    if (!sized.has('--out')) o.out = 'bench/results/cheap-forms-quick.json';
  }
  if (!Number.isInteger(o.size) || o.size < 1) throw new Error(`--size wants a positive integer`);
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error(`--rounds wants a positive integer`);
  if (o.backends.some((b) => b !== 'wasm' && b !== 'cpu')) throw new Error(`--backends takes wasm and cpu`);
  if (o.compiler !== 'src' && o.compiler !== 'dist') throw new Error(`--compiler takes src or dist`);
  return o;
}

async function modulesIn(dir: string): Promise<Modules> {
  const load = async (file: string): Promise<Record<string, Loss>> => (await import(pathToFileURL(resolve(dir, `${file}.ts`)).href)) as Record<string, Loss>;
  const cls = await load('classification');
  const unweighted = existsSync(resolve(dir, 'cross-entropy-unweighted.ts')) ? (await load('cross-entropy-unweighted')).cross_entropy : undefined;
  return { mse: (await load('regression')).mse!, bce_with_logits: cls.bce_with_logits!, cross_entropy: cls.cross_entropy!, ...(unweighted ? { ce_unweighted: unweighted } : {}) };
}

/** What one call computes, for the agreement check: the value and Σ|gradient|. */
interface Result {
  readonly value: number;
  readonly gradL1: number;
}

interface Impl {
  /** One training step, timed. */
  readonly call: () => void;
  /** The same computation once, read back in full, for the check. */
  readonly result: () => Result;
}

/** A training step of `f` in its first argument: value and gradient, one number read. */
function tensorImpl(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Impl {
  const vg = tf.valueAndGrad(f);
  return {
    call: () => {
      const { value, grad } = vg(x);
      const total = tf.tidy(() => tf.add(value, tf.sum(grad)));
      total.dataSync();
      tf.dispose([value, grad, total]);
    },
    result: () => {
      const { value, grad } = vg(x);
      const read = tf.tidy(() => tf.stack([value, tf.sum(tf.abs(grad))]).dataSync());
      tf.dispose([value, grad]);
      return { value: read[0]!, gradL1: read[1]! };
    },
  };
}

/**
 * A training step that only applies the gradient, as `optimizer.minimize(f)` without
 * `returnCost` does in an asynchronous training loop: nothing is read back by the caller, so a
 * read the loss makes itself (its input scan) is a sync the caller would not have made. SGD at
 * learning rate 0 keeps the variable as it was, so every call computes the same thing.
 */
function gradientsOnlyImpl(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, check: Impl): Impl {
  const v = tf.variable(x.clone());
  const sgd = tf.train.sgd(0);
  return {
    call: () => {
      const cost = sgd.minimize(() => f(v) as tf.Scalar, false);
      if (cost) cost.dispose();
    },
    result: check.result,
  };
}

/**
 * A loss's value and gradient in one JavaScript loop over data already in JavaScript arrays: the
 * bound of one fused pass (reading the tensors back and making the gradient a tensor excluded).
 * `pass(x, y, g)` fills g with the gradient and returns the value; written out per loss, with no
 * call or allocation per element, so that the bound is a tight one.
 */
function fusedImpl(name: string, a: tf.Tensor, b: tf.Tensor, pass: (x: Float32Array, y: Float32Array, g: Float32Array) => number): Impl {
  const x = a.dataSync().slice() as Float32Array;
  const y = b.dataSync().slice() as Float32Array;
  const g = new Float32Array(x.length);
  const run = (): number => {
    const value = pass(x, y, g);
    if (!Number.isFinite(value + g[0]!)) throw new Error(`${name} loop: not finite`);
    return value;
  };
  return {
    call: () => void run(),
    result: () => {
      const value = run();
      let gradL1 = 0;
      for (let i = 0; i < g.length; i++) gradL1 += Math.abs(g[i]!);
      return { value, gradL1 };
    },
  };
}

/** mean((p - t)²) and its gradient 2(p - t)/n. */
function msePass(p: Float32Array, t: Float32Array, g: Float32Array): number {
  const n = p.length;
  const scale = 2 / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i]! - t[i]!;
    s += d * d;
    g[i] = scale * d;
  }
  return s / n;
}

/** mean(softplus(x) - y·x) in the stable form max(x, 0) - x·y + log1p(e^-|x|), and its gradient (sigmoid(x) - y)/n. */
function bcePass(x: Float32Array, y: Float32Array, g: Float32Array): number {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const e = Math.exp(-Math.abs(xi));
    const r = 1 / (1 + e);
    s += (xi > 0 ? xi : 0) - xi * y[i]! + Math.log1p(e);
    g[i] = ((xi >= 0 ? r : e * r) - y[i]!) / n;
  }
  return s / n;
}

/**
 * torch's cross_entropy of logits x [N, C] (rows) against class indices t (as floats), with
 * class weights w: Σ w[t]·(lse - x[t]) / Σ w[t], and its gradient w[t]·(softmax - onehot(t)) / Σ w[t].
 */
function cePass(w: Float32Array): (x: Float32Array, t: Float32Array, g: Float32Array) => number {
  return (x, t, g) => {
    const C = w.length;
    const n = t.length;
    let den = 0;
    for (let i = 0; i < n; i++) den += w[t[i]!]!;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const o = i * C;
      const ti = t[i]!;
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]!);
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(x[o + c]! - m);
      const wi = w[ti]!;
      s += wi * (m + Math.log(z) - x[o + ti]!);
      const k = wi / den;
      for (let c = 0; c < C; c++) g[o + c] = (k * Math.exp(x[o + c]! - m)) / z - (c === ti ? k : 0);
    }
    return s / den;
  };
}

/**
 * Median and fastest call of each, in interleaved rounds (a loaded machine slows all alike), and
 * the median CPU time of the process per call (user + system: what other work on the machine
 * moves less).
 */
function timeInterleaved(impls: Record<string, Impl>, rounds: number): Record<string, { median: number; min: number; cpu: number; samples: number[]; cpuSamples: number[] }> {
  const names = Object.keys(impls);
  for (let w = 0; w < 3; w++) for (const k of names) impls[k]!.call();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  const cpuSamples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate who goes first, so none always runs right after another.
    for (let j = 0; j < names.length; j++) {
      const k = names[(j + r) % names.length]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      impls[k]!.call();
      samples[k]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuSamples[k]!.push((c.user + c.system) / 1000);
    }
  }
  return Object.fromEntries(names.map((k) => [k, { median: median(samples[k]!), min: Math.min(...samples[k]!), cpu: median(cpuSamples[k]!), samples: samples[k]!, cpuSamples: cpuSamples[k]! }]));
}

/** '' when `got` computes what `want` does, else what differs. */
function differs(got: Result, want: Result): string {
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= RTOL * Math.max(Math.abs(a), Math.abs(b));
  if (close(got.value, want.value) && close(got.gradL1, want.gradL1)) return '';
  return `value ${got.value} vs ${want.value}, Σ|grad| ${got.gradL1} vs ${want.gradL1}`;
}

async function main(o: Options): Promise<void> {
  let afterDir = o.after;
  if (afterDir === undefined) {
    afterDir = 'build/cheap-forms-bench';
    await compileFresh(
      [
        ['stdlib/regression.loss', 'regression'],
        ['stdlib/classification.loss', 'classification'],
        ['bench/cross-entropy-unweighted.loss', 'cross-entropy-unweighted'],
      ],
      afterDir,
      o.compiler,
    );
  }
  const after = await modulesIn(afterDir);
  const before = o.before ? await modulesIn(o.before) : undefined;
  const report: Record<string, unknown>[] = [];
  let mismatch = false;
  for (const backend of o.backends) {
    const running = await initBackend(backend);
    if (running !== backend) throw new Error(`the ${backend} backend did not start (tfjs fell back to ${running})`);
    const rand = mulberry32(20261205);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const pred = tf.tensor1d(Float32Array.from({ length: o.size }, normal));
    const target = tf.tensor1d(Float32Array.from({ length: o.size }, normal));
    const logits = tf.tensor1d(Float32Array.from({ length: o.size }, () => 3 * normal()));
    const labels = tf.tensor1d(Float32Array.from({ length: o.size }, () => (rand() < 0.5 ? 0 : 1)));
    const mseDefault = tensorImpl((p) => after.mse(p, target), pred);
    const mseUnchecked = tensorImpl((p) => after.mse(p, target, { checkValues: false }), pred);
    const mse: Record<string, Impl> = {
      'mse default': mseDefault,
      'mse checkValues: false': mseUnchecked,
      'mse default, gradients only': gradientsOnlyImpl((p) => after.mse(p, target), pred, mseDefault),
      'mse checkValues: false, gradients only': gradientsOnlyImpl((p) => after.mse(p, target, { checkValues: false }), pred, mseUnchecked),
      'mse one fused JS loop': fusedImpl('mse', pred, target, msePass),
      ...(before
        ? {
            'mse default (before)': tensorImpl((p) => before.mse(p, target), pred),
            'mse checkValues: false (before)': tensorImpl((p) => before.mse(p, target, { checkValues: false }), pred),
            'mse default, gradients only (before)': gradientsOnlyImpl((p) => before.mse(p, target), pred, mseDefault),
          }
        : {}),
    };
    const bceDefault = tensorImpl((x) => after.bce_with_logits(x, labels), logits);
    const tfLosses = tensorImpl((x) => tf.losses.sigmoidCrossEntropy(labels, x), logits);
    const bce: Record<string, Impl> = {
      'bce_with_logits default': bceDefault,
      'bce_with_logits checkValues: false': tensorImpl((x) => after.bce_with_logits(x, labels, { checkValues: false }), logits),
      'tf.losses.sigmoidCrossEntropy': tfLosses,
      'bce_with_logits default, gradients only': gradientsOnlyImpl((x) => after.bce_with_logits(x, labels), logits, bceDefault),
      'tf.losses, gradients only': gradientsOnlyImpl((x) => tf.losses.sigmoidCrossEntropy(labels, x), logits, tfLosses),
      'bce one fused JS loop': fusedImpl('bce', logits, labels, bcePass),
      ...(before
        ? {
            'bce_with_logits default (before)': tensorImpl((x) => before.bce_with_logits(x, labels), logits),
            'bce_with_logits default, gradients only (before)': gradientsOnlyImpl((x) => before.bce_with_logits(x, labels), logits, bceDefault),
          }
        : {}),
    };
    const n = Math.max(1, Math.floor(o.size / CE_CLASSES));
    const ceLogits = tf.tensor2d(Float32Array.from({ length: n * CE_CLASSES }, () => 3 * normal()), [n, CE_CLASSES]);
    const ceIndices = Int32Array.from({ length: n }, () => Math.floor(rand() * CE_CLASSES));
    const classes = tf.tensor1d(ceIndices, 'int32');
    const classesAsReal = tf.tensor1d(Float32Array.from(ceIndices));
    const oneHot = tf.tidy(() => tf.cast(tf.oneHot(classes, CE_CLASSES), 'float32'));
    const w = Float32Array.from({ length: CE_CLASSES }, () => 0.25 + 2 * rand());
    const classWeight = tf.tensor1d(w);
    const sampleWeight = tf.tensor1d(Float32Array.from(ceIndices, (k) => w[k]!));
    const ones = new Float32Array(CE_CLASSES).fill(1);
    const ceDefault = tensorImpl((x) => after.cross_entropy(x, classes), ceLogits);
    const ce: Record<string, Impl> = {
      'cross_entropy default': ceDefault,
      'cross_entropy checkValues: false': tensorImpl((x) => after.cross_entropy(x, classes, { checkValues: false }), ceLogits),
      ...(after.ce_unweighted ? { 'cross_entropy as before the class weight': tensorImpl((x) => after.ce_unweighted!(x, classes), ceLogits) } : {}),
      'tf.losses.softmaxCrossEntropy': tensorImpl((x) => tf.losses.softmaxCrossEntropy(oneHot, x), ceLogits),
      'ce one fused JS loop': fusedImpl('ce', ceLogits, classesAsReal, cePass(ones)),
      ...(before ? { 'cross_entropy default (before)': tensorImpl((x) => before.cross_entropy(x, classes), ceLogits) } : {}),
    };
    const cew: Record<string, Impl> = {
      'cross_entropy weight': tensorImpl((x) => after.cross_entropy(x, classes, { weight: classWeight }), ceLogits),
      'tf.losses.softmaxCrossEntropy weights w[t], MEAN': tensorImpl((x) => tf.losses.softmaxCrossEntropy(oneHot, x, sampleWeight, 0, tf.Reduction.MEAN), ceLogits),
      'weighted ce one fused JS loop': fusedImpl('weighted ce', ceLogits, classesAsReal, cePass(w)),
    };
    const checks: Record<string, string> = {};
    for (const [group, bound] of [
      [mse, 'mse one fused JS loop'],
      [bce, 'bce one fused JS loop'],
      [ce, 'ce one fused JS loop'],
      [cew, 'weighted ce one fused JS loop'],
    ] as const) {
      const want = group[bound]!.result();
      for (const [name, impl] of Object.entries(group)) if (name !== bound) checks[name] = differs(impl.result(), want);
    }
    const rows = { ...timeInterleaved(mse, o.rounds), ...timeInterleaved(bce, o.rounds), ...timeInterleaved({ ...ce, ...cew }, o.rounds) };
    console.log(`\n${backend}, ${o.size} elements, forward+backward, ${o.rounds} interleaved rounds (ms): median wall, fastest wall, median CPU; ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`);
    for (const [name, ms] of Object.entries(rows)) console.log(`  ${name.padEnd(50)} ${ms.median.toFixed(2).padStart(8)} ${ms.min.toFixed(2).padStart(8)} ${ms.cpu.toFixed(2).padStart(8)}${checks[name] ? `   DIFFERS from the fused loop: ${checks[name]}` : ''}`);
    const ratio = (a: string, b: string): number => rows[a]!.median / rows[b]!.median;
    const line = (label: string, a: string, b: string, target?: number): string => {
      const r = ratio(a, b);
      const verdict = target === undefined ? '' : r <= target ? `  meets ≤ ${target.toFixed(1)}×` : `  misses ≤ ${target.toFixed(1)}×`;
      return `  ${label.padEnd(50)} ${r.toFixed(2)} (fastest: ${(rows[a]!.min / rows[b]!.min).toFixed(2)}, CPU: ${(rows[a]!.cpu / rows[b]!.cpu).toFixed(2)})${verdict}`;
    };
    console.log(line('mse default / checkValues: false', 'mse default', 'mse checkValues: false', MSE_TARGET));
    console.log(line('bce_with_logits / tf.losses', 'bce_with_logits default', 'tf.losses.sigmoidCrossEntropy', BCE_TARGET));
    console.log(line('gradients only: mse default / unchecked', 'mse default, gradients only', 'mse checkValues: false, gradients only', MSE_TARGET));
    console.log(line('gradients only: bce_with_logits / tf.losses', 'bce_with_logits default, gradients only', 'tf.losses, gradients only', BCE_TARGET));
    console.log(line(`cross_entropy / tf.losses ([${n}, ${CE_CLASSES}])`, 'cross_entropy default', 'tf.losses.softmaxCrossEntropy'));
    if (after.ce_unweighted) console.log(line('cross_entropy default / as before the weight', 'cross_entropy default', 'cross_entropy as before the class weight'));
    console.log(line('cross_entropy weight / tf.losses weighted', 'cross_entropy weight', 'tf.losses.softmaxCrossEntropy weights w[t], MEAN'));
    console.log(line('cross_entropy weight / default', 'cross_entropy weight', 'cross_entropy default'));
    console.log('  distance to one fused pass (× the JS loop):');
    for (const [name, bound] of [
      ['mse default', 'mse one fused JS loop'],
      ['mse checkValues: false', 'mse one fused JS loop'],
      ['bce_with_logits default', 'bce one fused JS loop'],
      ['bce_with_logits checkValues: false', 'bce one fused JS loop'],
      ['tf.losses.sigmoidCrossEntropy', 'bce one fused JS loop'],
      ['cross_entropy default', 'ce one fused JS loop'],
      ['tf.losses.softmaxCrossEntropy', 'ce one fused JS loop'],
      ['cross_entropy weight', 'weighted ce one fused JS loop'],
    ] as const)
      console.log(line(`  ${name}`, name, bound));
    if (before) {
      console.log(line('mse default, before / after', 'mse default (before)', 'mse default'));
      console.log(line('bce_with_logits, before / after', 'bce_with_logits default (before)', 'bce_with_logits default'));
      console.log(line('mse default, gradients only, before / after', 'mse default, gradients only (before)', 'mse default, gradients only'));
      console.log(line('bce_with_logits, gradients only, before / after', 'bce_with_logits default, gradients only (before)', 'bce_with_logits default, gradients only'));
      console.log(line('cross_entropy, before / after', 'cross_entropy default (before)', 'cross_entropy default'));
    }
    if (Object.values(checks).some(Boolean)) mismatch = true;
    report.push({
      backend,
      size: o.size,
      rounds: o.rounds,
      loadAverage: loadavg(),
      ms: rows,
      differs: Object.fromEntries(Object.entries(checks).filter(([, v]) => v)),
      ratios: {
        mseDefaultOverNoCheck: ratio('mse default', 'mse checkValues: false'),
        bceOverTfLosses: ratio('bce_with_logits default', 'tf.losses.sigmoidCrossEntropy'),
        mseDefaultOverNoCheckGradientsOnly: ratio('mse default, gradients only', 'mse checkValues: false, gradients only'),
        bceOverTfLossesGradientsOnly: ratio('bce_with_logits default, gradients only', 'tf.losses, gradients only'),
        mseDefaultOverFusedLoop: ratio('mse default', 'mse one fused JS loop'),
        bceDefaultOverFusedLoop: ratio('bce_with_logits default', 'bce one fused JS loop'),
        ceOverTfLosses: ratio('cross_entropy default', 'tf.losses.softmaxCrossEntropy'),
        ...(after.ce_unweighted ? { ceDefaultOverUnweightedForm: ratio('cross_entropy default', 'cross_entropy as before the class weight') } : {}),
        ceWeightOverTfLossesWeighted: ratio('cross_entropy weight', 'tf.losses.softmaxCrossEntropy weights w[t], MEAN'),
        ceWeightOverDefault: ratio('cross_entropy weight', 'cross_entropy default'),
      },
    });
    tf.dispose([pred, target, logits, labels, ceLogits, classes, classesAsReal, oneHot, classWeight, sampleWeight]);
  }
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), modules: { after: afterDir, ...(o.before ? { before: o.before } : {}) }, compiler: o.after === undefined ? o.compiler : 'prebuilt modules', targets: { mseDefaultOverNoCheck: MSE_TARGET, bceOverTfLosses: BCE_TARGET }, backends: report }, null, 2) + '\n');
  console.log(`\nwritten to ${o.out}`);
  if (mismatch) {
    console.log('Some implementations DIFFER from the fused loop: their ratios are not of the same computation.');
    process.exitCode = 1;
  }
}

try {
  await main(parseArgs(process.argv.slice(2)));
} catch (e) {
  console.error(`bench/cheap-forms.ts: ${(e as Error).message}`);
  process.exitCode = 2;
}

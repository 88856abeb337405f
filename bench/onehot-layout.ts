// Ways to build a class-index gather's backward, the [C, D] table gradient Σ_n onehot[n, c]·G[n, d]
// (the center loss's `centers[y]`), and the [C, N] one-hot it multiplies: what each costs in
// time and in tf.profile's peak memory, wasm and cpu. The contraction lowering wants the one-hot
// laid out [C, N] (matMul's transpose flags are slow on wasm: bench/matmul-transpose.ts).
//
//   npx tsx bench/onehot-layout.ts [wasm|cpu] [--rounds 15]
//
// Each form is timed in interleaved rounds (the form that goes first rotates), the median of
// the rounds in wall and CPU time (the process's own), its ratio to the expert's form (oneHot
// then matMul with transposeA) in the same rounds, and the peak bytes of one call.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { oneHotReal } from '../src/runtime/helpers.js';
import { median } from './stats.js';

const backend = process.argv[2] === 'cpu' ? 'cpu' : 'wasm';
const k = process.argv.indexOf('--rounds');
const rounds = k > 0 ? Number(process.argv[k + 1]) : 15;
await tf.setBackend(backend);

type Form = (t: tf.Tensor1D, g: tf.Tensor2D, C: number) => tf.Tensor;

/** The [C, N] float32 one-hot of `t`, built by each method. */
const ONE_HOT_CN: Record<string, (t: tf.Tensor1D, C: number) => tf.Tensor> = {
  'oneHotReal(t, C, 0): one scatterND (what lossc emits)': (t, C) => oneHotReal(t, C, 0),
  'oneHot, cast, transpose': (t, C) => tf.transpose(tf.cast(tf.oneHot(t, C, 1, 0, 'int32'), 'float32')),
  'Equal of range(C) against t, cast': (t, C) => tf.cast(tf.equal(tf.reshape(tf.range(0, C, 1, 'int32'), [C, 1]), tf.reshape(t, [1, -1])), 'float32'),
  'Equal, each operand tiled first, cast': (t, C) => {
    const N = t.shape[0];
    return tf.cast(tf.equal(tf.tile(tf.reshape(tf.range(0, C, 1, 'int32'), [C, 1]), [1, N]), tf.tile(tf.reshape(t, [1, N]), [C, 1])), 'float32');
  },
};

const FORMS: Record<string, Form> = {
  'expert: oneHot [N, C], cast, matMul(transposeA)': (t, g, C) => tf.matMul(tf.cast(tf.oneHot(t, C, 1, 0, 'int32'), 'float32'), g, true, false),
  ...Object.fromEntries(Object.entries(ONE_HOT_CN).map(([name, f]) => [`${name}, matMul`, ((t, g, C) => tf.matMul(f(t, C), g)) satisfies Form])),
};

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

console.log(`${backend}, C = 1000, D = 128, median of ${rounds} interleaved rounds; ratios against the expert's form in the same rounds\n`);
console.log('| N | form | wall ms | CPU ms | wall ratio | CPU ratio | peak MB | max |Δ| vs expert |');
console.log('|---|---|---|---|---|---|---|---|');
for (const N of [256, 1024, 4096]) {
  const C = 1000;
  const D = 128;
  const t = tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 7) % C), 'int32');
  const g = tf.randomNormal([N, D], 0, 1, 'float32', 1) as tf.Tensor2D;
  const names = Object.keys(FORMS);
  const reference = tf.tidy(() => FORMS[names[0]!]!(t, g, C));
  const wall = new Map<string, number[]>(names.map((n) => [n, []]));
  const cpu = new Map<string, number[]>(names.map((n) => [n, []]));
  const peak = new Map<string, number>();
  const diff = new Map<string, number>();
  for (const name of names) {
    const f = FORMS[name]!;
    diff.set(name, tf.tidy(() => tf.max(tf.abs(tf.sub(f(t, g, C), reference))).dataSync()[0]!));
    peak.set(name, (await tf.profile(() => void tf.tidy(() => f(t, g, C).dataSync()))).peakBytes);
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      const f = FORMS[name]!;
      const w0 = performance.now();
      const c0 = cpuMs();
      tf.tidy(() => f(t, g, C).dataSync());
      cpu.get(name)!.push(cpuMs() - c0);
      wall.get(name)!.push(performance.now() - w0);
    }
  }
  const w0 = median(wall.get(names[0]!)!);
  const c0 = median(cpu.get(names[0]!)!);
  for (const name of names) {
    const w = median(wall.get(name)!);
    const c = median(cpu.get(name)!);
    console.log(`| ${N} | ${name} | ${w.toFixed(2)} | ${c.toFixed(2)} | ${(w / w0).toFixed(2)}× | ${(c / c0).toFixed(2)}× | ${(peak.get(name)! / 2 ** 20).toFixed(2)} | ${diff.get(name)!.toExponential(1)} |`);
  }
  tf.dispose([t, g, reference]);
}

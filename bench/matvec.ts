// Matrix-vector contractions, `sum(A * v, K)` with A [N, K] and v [K] (a linear score, a
// weighted sum of features, `dot(a[i], w, D)`): the broadcast multiply and sum lossc lowers
// today against one tf.matMul of A with v as a [K, 1] matrix, forward and forward+backward
// (tf.valueAndGrads with respect to A and v, gradients summed on the device, one number read
// back), on wasm and cpu. Median of ROUNDS interleaved rounds. It decides whether a
// matrix-vector rule belongs in src/opt/rules.ts: the product [N, K] is no larger than A, so
// only time can speak for it. `npx tsx bench/matvec.ts`; prints a table and writes
// bench/results/matvec.json. The forward+backward column is tfjs's autodiff of each form (the
// broadcast's gradient sums over N through tfjs's reshape-and-sum): lossc's derived backward
// pass of the written form is itself a multiply and a sum, so that column overstates what the
// rule would save a compiled loss; the forward column is what it changes directly.
//
// Measured (2 cores, shared machine, 9 rounds): on wasm, matMul's forward is 1.36× the
// multiply-and-sum at N = 4096, K = 16 and 1.55× at K = 128, faster from N·K ≈ 1M up (0.06× at
// 65536 × 16, 0.78× at 16384 × 128, 0.50× at 1024 × 1024); on cpu it is faster everywhere
// (0.03×-0.64×). No stdlib loss has a matrix-vector sum, and at the sizes losses have wasm is
// slower: the rule stays out of the table (src/opt/rules.ts).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { initBackend } from '../src/eval/setup.js';

const ROUNDS = Number(process.env.MATVEC_ROUNDS ?? 9);
const SHAPES: readonly (readonly [number, number])[] = [
  [4096, 16],
  [4096, 128],
  [65536, 16],
  [16384, 128],
  [1024, 1024],
];

type Form = (a: tf.Tensor, v: tf.Tensor) => tf.Tensor;
const FORMS: Record<string, Form> = {
  'mul+sum': (a, v) => tf.sum(tf.mul(a, v), 1),
  matMul: (a, v) => tf.reshape(tf.matMul(a, tf.reshape(v, [-1, 1])), [-1]),
};

/** Milliseconds of one call of `f`, a number read back at its end. */
function time(f: () => number): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

const rows: { backend: string; N: number; K: number; form: string; forwardMs: number; trainMs: number }[] = [];
for (const backend of ['wasm', 'cpu'] as const) {
  await initBackend(backend);
  for (const [N, K] of SHAPES) {
    const a = tf.randomNormal([N, K], 0, 1, 'float32', 1);
    const v = tf.randomNormal([K], 0, 1, 'float32', 2);
    const forward = (form: Form) => (): number => {
      const t = tf.tidy(() => tf.sum(form(a, v)));
      const x = t.dataSync()[0]!;
      t.dispose();
      return x;
    };
    const train = (form: Form) => (): number => {
      const t = tf.tidy(() => {
        const r = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(form(x, y))) as tf.Scalar)([a, v]);
        return tf.addN([r.value, ...r.grads.map((g) => tf.sum(g))]);
      });
      const x = t.dataSync()[0]!;
      t.dispose();
      return x;
    };
    // The forms agree before they are timed.
    const [p, q] = Object.values(FORMS).map((f) => forward(f)());
    if (Math.abs(p! - q!) > 1e-3 * (1 + Math.abs(p!))) throw new Error(`matvec: the forms disagree at ${N}×${K}: ${p} against ${q}`);
    const times: Record<string, { f: number[]; t: number[] }> = Object.fromEntries(Object.keys(FORMS).map((k) => [k, { f: [], t: [] }]));
    for (const f of Object.values(FORMS)) forward(f)(), train(f)(); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, f] of Object.entries(FORMS)) {
        times[name]!.f.push(time(forward(f)));
        times[name]!.t.push(time(train(f)));
      }
    }
    for (const [name, t] of Object.entries(times)) rows.push({ backend, N, K, form: name, forwardMs: median(t.f), trainMs: median(t.t) });
    tf.dispose([a, v]);
  }
}

const fmt = (x: number): string => x.toFixed(3).padStart(9);
console.log(`backend  ${'N'.padStart(6)} ${'K'.padStart(5)}  form     ${'forward ms'.padStart(10)} ${'fwd+bwd ms'.padStart(10)}  matMul/mul+sum (fwd, fwd+bwd)`);
for (let k = 0; k < rows.length; k += 2) {
  const [m, g] = [rows[k]!, rows[k + 1]!];
  for (const r of [m, g]) console.log(`${r.backend.padEnd(8)} ${String(r.N).padStart(6)} ${String(r.K).padStart(5)}  ${r.form.padEnd(8)} ${fmt(r.forwardMs)}  ${fmt(r.trainMs)}`);
  console.log(`${''.padEnd(30)}ratio ${(g.forwardMs / m.forwardMs).toFixed(2)}, ${(g.trainMs / m.trainMs).toFixed(2)}`);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/matvec.json', `${JSON.stringify({ rounds: ROUNDS, rows }, null, 2)}\n`);

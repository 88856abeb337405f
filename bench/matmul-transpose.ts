// tf.matMul with its transpose flags against an explicit tf.transpose then tf.matMul, the two
// shapes a contraction's lowering meets: Aᵀ·B (a class-index gather's backward, [N, C]ᵀ·[N, D])
// and E·Eᵀ (a similarity matrix). The contraction lowering (`contract` in src/lower/body.ts)
// transposes explicitly; this measures why, and what it costs in memory terms (one copy of
// the transposed operand).
//
//   npx tsx bench/matmul-transpose.ts [wasm|cpu]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const backend = process.argv[2] ?? 'wasm';
await tf.setBackend(backend);

/** Median milliseconds of `n` calls, each read back. */
function time(f: () => tf.Tensor, n = 15): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = f();
    r.dataSync();
    r.dispose();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[n >> 1]!;
}

console.log(`${backend}, median of 15 calls (ms)\n`);
console.log('| N | C | D | Aᵀ·B flag | Aᵀ·B explicit | ratio | E·Eᵀ flag | E·Eᵀ explicit | ratio |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [N, C, D] of [[256, 1000, 128], [1024, 1000, 128], [4096, 1000, 128], [1024, 1024, 128]] as const) {
  const a = tf.randomNormal([N, C]);
  const b = tf.randomNormal([N, D]);
  const e = tf.randomNormal([N, D]);
  const flagA = time(() => tf.matMul(a, b, true, false));
  const explicitA = time(() => tf.tidy(() => tf.matMul(tf.transpose(a), b)));
  const flagB = time(() => tf.matMul(e, e, false, true));
  const explicitB = time(() => tf.tidy(() => tf.matMul(e, tf.transpose(e))));
  console.log(`| ${N} | ${C} | ${D} | ${flagA.toFixed(1)} | ${explicitA.toFixed(1)} | ${(flagA / explicitA).toFixed(2)}× | ${flagB.toFixed(1)} | ${explicitB.toFixed(1)} | ${(flagB / explicitB).toFixed(2)}× |`);
  tf.dispose([a, b, e]);
}

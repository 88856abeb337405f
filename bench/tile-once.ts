// Tiled pairwise losses at N = 1024, D = 128 with small row blocks (wasm, evaluator, forward +
// backward through valueAndGradsTfjs, gradients summed on the device and one number read back):
// the time and peak memory (tf.profile) of one call, median of ROUNDS. Written to compare the
// tiling before and after the values that do not depend on the rows were computed once per
// pass (and the blocks differentiated by the compiler's derived backward pass): run it in each
// tree, `npx tsx bench/tile-once.ts [label]`; it prints a table and writes
// bench/results/tile-once-<label>.json. TILE_N, TILE_ROUNDS, TILE_BLOCK_ROWS (16,128) and
// TILE_LOSSES choose the sizes, rounds, block sizes and losses.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { check } from '../src/api.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';

const label = process.argv[2] ?? 'now';
const N = Number(process.env.TILE_N ?? 1024);
const D = 128;
const ROUNDS = Number(process.env.TILE_ROUNDS ?? 3);
const BLOCKS = (process.env.TILE_BLOCK_ROWS ?? '16,128').split(',').map(Number);
const ONLY = process.env.TILE_LOSSES?.split(',');

await initBackend('wasm');
const losses = check(readFileSync('stdlib/metric.loss', 'utf8'), 'stdlib/metric.loss').losses;
const rand = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);
const cases = [
  { loss: 'info_nce', inputs: () => ({ zi: rand([N, D], 1), zj: rand([N, D], 2) }), wrt: ['zi', 'zj'] },
  { loss: 'nt_xent_simple', inputs: () => ({ zi: rand([N, D], 1), zj: rand([N, D], 2) }), wrt: ['zi', 'zj'] },
  { loss: 'batch_hard_triplet', inputs: () => ({ e: rand([N, D], 3), label: tf.tensor1d(Array.from({ length: N }, (_, k) => k % 16), 'int32') }), wrt: ['e'] },
];

const rows: { loss: string; blockRows: number; ms: number; peakMB: number }[] = [];
for (const c of cases.filter((x) => !ONLY || ONLY.includes(x.loss))) {
  const fn = losses.find((l) => l.name === c.loss)!;
  const inputs = c.inputs();
  for (const blockRows of BLOCKS) {
    const call = (): number => {
      const r = valueAndGradsTfjs(fn, inputs, {}, c.wrt, { blockRows });
      const total = tf.tidy(() => tf.addN([r.value, ...c.wrt.map((n) => tf.sum(r.grads[n]!))]));
      const v = total.dataSync()[0]!;
      tf.dispose([r.value, ...Object.values(r.grads), total]);
      return v;
    };
    call(); // warm up
    const times: number[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      const t0 = performance.now();
      call();
      times.push(performance.now() - t0);
    }
    const info = await tf.profile(() => {
      call();
    });
    const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    rows.push({ loss: c.loss, blockRows, ms, peakMB: info.peakBytes / 2 ** 20 });
    process.stderr.write(`${label} ${c.loss} blockRows ${blockRows}: ${ms.toFixed(0)} ms, peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MB\n`);
  }
  tf.dispose(Object.values(inputs));
}
console.log(`| loss | N | blockRows | ${label} ms | ${label} peak MB |\n|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.loss} | ${N} | ${r.blockRows} | ${r.ms.toFixed(0)} | ${r.peakMB.toFixed(1)} |`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/tile-once-${label}.json`, JSON.stringify({ label, N, D, rounds: ROUNDS, backend: 'wasm', rows }, null, 2) + '\n');

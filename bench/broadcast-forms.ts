// What a broadcast and a transposed matMul operand cost per backend, at the size of info_nce's
// pairwise tensor at N = 256 ([2, 256, 2, 256], 262 144 elements): the forms the lowering
// chooses between at run time (broadcastFull, broadcastOperand and matMulT in
// src/runtime/helpers.ts). CPU time of the process per call (user + system), median of
// interleaved rounds, each result read back.
//
//   npx tsx bench/broadcast-forms.ts [cpu|wasm] [--rounds 15]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/eval/setup.js';
import { broadcastFull, matMulT } from '../src/runtime/helpers.js';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 15;
const backend = args.find((a) => a === 'cpu' || a === 'wasm') ?? 'cpu';
if ((await initBackend(backend)) !== backend) throw new Error(`the ${backend} backend did not start`);

const big = tf.randomNormal([2, 256, 2, 256]);
const column = tf.randomNormal([2, 256, 1, 1]);
const middle = tf.randomNormal([256, 1, 256]);
const corner = tf.randomNormal([2, 2, 1, 1]);
const square = tf.randomNormal([256, 256]);
const flat = tf.reshape(big, [512, 512]);
const rhs = tf.randomNormal([512, 128]);
const FULL = [2, 256, 2, 256];

const FORMS: Record<string, () => tf.Tensor> = {
  'Add, same shapes': () => tf.add(big, big),
  'Add, [256, 256] + [2, 2, 256, 256] (missing leading dims)': () => tf.add(square, tf.reshape(big, [2, 2, 256, 256])),
  'Add, [2, 256, 1, 1] + [2, 256, 2, 256] (size-1 dims broadcast)': () => tf.add(column, big),
  'Add, [256, 1, 256] + [2, 256, 2, 256]': () => tf.add(middle, big),
  'Add, [2, 2, 1, 1] + [256, 256]': () => tf.add(corner, square),
  'x + fill(0): [2, 256, 1, 1] in full': () => tf.add(column, tf.fill(FULL, 0)),
  'tf.broadcastTo: [2, 256, 1, 1] in full': () => tf.broadcastTo(column, FULL),
  'broadcastFull: [2, 256, 1, 1] in full': () => broadcastFull(column, FULL),
  'broadcastFull: [256, 1, 256] in full': () => broadcastFull(middle, FULL),
  'broadcastFull: [2, 2, 1, 1] to [2, 2, 256, 256]': () => broadcastFull(corner, [2, 2, 256, 256]),
  'Transpose, 4-d [2, 256, 2, 256] by [1, 3, 0, 2]': () => tf.transpose(big, [1, 3, 0, 2]),
  'Transpose, 2-d [512, 512]': () => tf.transpose(flat),
  'matMul [512, 512]·[512, 128]': () => tf.matMul(flat, rhs),
  'matMul with transposeA': () => tf.matMul(flat, rhs, true, false),
  'matMulT(transposeA)': () => matMulT(flat, rhs, true, false),
  'transpose, then matMul': () => tf.matMul(tf.transpose(flat), rhs),
};

const names = Object.keys(FORMS);
const times = new Map(names.map((n) => [n, [] as number[]]));
for (let r = 0; r <= rounds; r++) {
  for (const name of names) {
    const before = process.cpuUsage();
    tf.tidy(() => void FORMS[name]!().dataSync());
    const used = process.cpuUsage(before);
    if (r > 0) times.get(name)!.push((used.user + used.system) / 1000); // round 0 warms up
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times.get('Add, same shapes')!);
console.log(`${backend}, ${rounds} rounds, CPU ms per call (median), and as a multiple of a same-shape Add`);
console.log('| form | CPU ms | × same-shape Add |\n|---|---|---|');
for (const name of names) console.log(`| ${name} | ${median(times.get(name)!).toFixed(2)} | ${(median(times.get(name)!) / base).toFixed(1)} |`);

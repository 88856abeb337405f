// What the transposes of `...` anywhere cost (docs/language.md "The rest dims"): MONAI's sigmoid
// Dice on a MONAI-size volume, [B, C, D, H, W] = [2, 4, 64, 64, 64], value and gradients of
// both inputs (the evaluator, which runs the generated module's lowering, on wasm), written
//   rest-last   `x: [B, C, ...]`: the inputs transposed to the rest dims first on the way in;
//   rest-first  `x: [..., B, C]`: the same loss on the same data already laid out [D, H, W, B, C];
//   flattened   `x: [B, C, S]`: the caller's reshape to [B, C, D·H·W] (free), as the stdlib did.
// Median of ROUNDS timed calls after a warm-up, and tf.profile's peak bytes of one call.
// `npx tsx bench/rest-layout.ts [label]` prints a table and writes bench/results/rest-layout-<label>.json.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { compile } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { initBackend } from '../src/eval/setup.js';

const label = process.argv[2] ?? 'now';
const BACKEND = (process.env.REST_BACKEND ?? 'wasm') as 'wasm' | 'cpu';
const ROUNDS = Number(process.env.REST_ROUNDS ?? 5);
const SHAPE = (process.env.REST_SHAPE ?? '2,4,64,64,64').split(',').map(Number);

const dice = (shape: string): string => `
def per_class(p: ${shape}, y: ${shape}) = 1 - (2 * sum(p * y, SP) + 1e-5) / (sum(p, SP) + sum(y, SP) + 1e-5)
loss dice(x: ${shape}, y: ${shape} in [0, 1]) = mean(per_class(sigmoid(x), y))
`;
const FORMS = [
  { form: 'rest-last', source: dice('[B, C, ...]').replaceAll('SP', '...'), layout: (t: tf.Tensor): tf.Tensor => t },
  { form: 'rest-first', source: dice('[..., B, C]').replaceAll('SP', '...'), layout: (t: tf.Tensor): tf.Tensor => tf.transpose(t, [2, 3, 4, 0, 1]) },
  { form: 'flattened', source: dice('[B, C, S]').replaceAll('SP', 'S'), layout: (t: tf.Tensor): tf.Tensor => tf.reshape(t, [SHAPE[0]!, SHAPE[1]!, -1]) },
];

await initBackend(BACKEND);
const x0 = tf.randomNormal(SHAPE, 0, 1, 'float32', 1);
const y0 = tf.randomUniform(SHAPE, 0, 1, 'float32', 2);
const rows: { form: string; ms: number; peakMB: number; value: number }[] = [];
for (const { form, source, layout } of FORMS) {
  const r = await compile(source, `${form}.loss`);
  if (r.diagnostics.length > 0) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  const fn = r.losses.find((l) => l.name === 'dice')!;
  const inputs = { x: layout(x0), y: layout(y0) };
  const call = (): number => {
    const out = valueAndGradsTfjs(fn, inputs, {}, ['x', 'y']);
    const total = tf.tidy(() => tf.addN([out.value, tf.sum(out.grads.x!), tf.sum(out.grads.y!)]));
    const v = out.value.dataSync()[0]!;
    total.dataSync();
    tf.dispose([out.value, ...Object.values(out.grads), total]);
    return v;
  };
  call(); // warm up
  const times: number[] = [];
  let value = NaN;
  for (let k = 0; k < ROUNDS; k++) {
    const t0 = performance.now();
    value = call();
    times.push(performance.now() - t0);
  }
  const info = await tf.profile(() => {
    call();
  });
  const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  rows.push({ form, ms, peakMB: info.peakBytes / 2 ** 20, value });
  process.stderr.write(`${label} ${form}: ${ms.toFixed(1)} ms, peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MB, value ${value}\n`);
  tf.dispose(Object.values(inputs).filter((t) => t !== x0 && t !== y0));
}
// The three forms compute one loss on one volume: a different value is a bug, not noise.
const spread = Math.max(...rows.map((r) => r.value)) - Math.min(...rows.map((r) => r.value));
if (!(spread <= 1e-5)) throw new Error(`the forms disagree: ${rows.map((r) => `${r.form} ${r.value}`).join(', ')}`);
const base = rows.find((r) => r.form === 'rest-first')!;
console.log(`| form (${BACKEND}, [${SHAPE.join(', ')}]) | ${label} ms | vs rest-first | peak MB |\n|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.form} | ${r.ms.toFixed(1)} | ${(r.ms / base.ms).toFixed(2)}× | ${r.peakMB.toFixed(1)} |`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/rest-layout-${label}.json`, JSON.stringify({ label, backend: BACKEND, shape: SHAPE, rounds: ROUNDS, rows }, null, 2) + '\n');

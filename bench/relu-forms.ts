// What max(x, 0) costs in the forms that could keep NaN on wasm, against the bare Relu kernel:
// `npx tsx bench/relu-forms.ts` (a few minutes; RELU_BACKENDS=wasm[,cpu], RELU_ROUNDS=N). The
// helper the lowering calls (src/runtime/helpers.ts `relu`) must keep a NaN of either sign,
// which tfjs-wasm's Relu does not (it returns 0 when the sign bit is set).
//
// On [1000, 1000] float32 (normal-ish values in [-2, 2]): forward, tf.sum(f(x)) read back; and
// forward+backward, tf.sum(tf.grad(f)(x, dy)) read back, dy given (no ones tensor built); both
// minus the same read-back of tf.sum(x). Every form once per round, the order rotating, after a
// warm-up; the median over the rounds. Each form's values on the special floats (NaN of both
// signs, ±∞, ±0) are checked against plain JS on the same backend, and the table says whether it
// keeps every NaN and is exact.
//
// Then in a loss: stdlib's hinge, mean(relu(1 - (2 * labels - 1) * x)) on 1M elements, compiled
// with derived gradients (the forward alone goes through the helper, off the tape) and with
// --autodiff (tfjs differentiates through it), with the helper as it is and with the NaN test
// and select it was, swapped into the same generated module: forward (the loss read back) and
// a training step (tf.valueAndGrad with respect to x, the gradient summed on the device).
// Writes bench/results/relu-forms.json and prints the tables.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../src/api.js';
import { initBackend } from '../src/eval/setup.js';
import { relu as helperRelu } from '../src/runtime/helpers.js';
import { machine } from './report/machine.js';
import { median } from './stats.js';

type Backend = 'wasm' | 'cpu';
const ROOT = resolve(import.meta.dirname, '..');
const BACKENDS = (process.env.RELU_BACKENDS ?? 'wasm,cpu').split(',') as Backend[];
const ROUNDS = Math.max(9, Number(process.env.RELU_ROUNDS ?? 25));
const WARMUP = 3;

/** relu(x) · step(x) under a custom gradient that saves the step as the mask: the helper's form. */
function reluStepSaved(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    const step = tf.step(t);
    (save as (ts: tf.Tensor[]) => void)([step]);
    return { value: tf.mul(tf.relu(t), step), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!) };
  })(x);
}

const FORMS: readonly { name: string; f: (x: tf.Tensor) => tf.Tensor }[] = [
  { name: 'tf.relu (bare kernel)', f: (x) => tf.relu(x) },
  { name: 'where(isNaN(x), x, relu(x)) (the helper before)', f: (x) => tf.where(tf.isNaN(x), x, tf.relu(x)) },
  { name: 'tf.maximum(x, 0)', f: (x) => tf.maximum(x, tf.scalar(0)) },
  { name: 'relu(x) · step(x), autodiff', f: (x) => tf.mul(tf.relu(x), tf.step(x)) },
  { name: 'relu(x) · step(x), customGrad saving the step', f: reluStepSaved },
  { name: 'x · step(x)', f: (x) => tf.mul(x, tf.step(x)) },
  { name: 'the helper now (src/runtime/helpers.ts)', f: helperRelu },
];

/** NaN of both signs (0xffc00000 is what ∞ − ∞ gives on x86), ±∞, ±0, a subnormal, finite values. */
const SPECIAL = (() => {
  const values = [Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 2, -2, 3e38, -3e38];
  const all = new Float32Array(4 + values.length);
  // Bit for bit (through a float64 a signalling NaN would come out quieted).
  all.set(new Float32Array(new Uint32Array([0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001]).buffer));
  all.set(values, 4);
  return all;
})();

/** Where the form differs from max(x, 0) (NaN for NaN, +0 at and below 0) on the special floats. */
function wrongAt(f: (x: tf.Tensor) => tf.Tensor): string[] {
  const got = tf.tidy(() => f(tf.tensor1d(SPECIAL)).dataSync());
  const bits = new Uint32Array(SPECIAL.buffer);
  const wrong: string[] = [];
  SPECIAL.forEach((x, i) => {
    const want = Number.isNaN(x) ? NaN : x > 0 ? x : 0;
    if (!Object.is(got[i], want)) wrong.push(`${Number.isNaN(x) ? `NaN 0x${bits[i]!.toString(16)}` : Object.is(x, -0) ? '-0' : String(x)} → ${Object.is(got[i], -0) ? '-0' : got[i]}`);
  });
  return wrong;
}

/** Wall and process CPU milliseconds: on a shared machine the CPU time is the steadier. */
interface Ms {
  readonly wall: number;
  readonly cpu: number;
}

/** Every run once per round, the order rotating, after a warm-up: the median of each. */
function interleaved(runs: readonly (() => void)[]): Ms[] {
  const wall: number[][] = runs.map(() => []);
  const cpu: number[][] = runs.map(() => []);
  for (let round = -WARMUP; round < ROUNDS; round++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (k + round + WARMUP) % runs.length;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      runs[i]!();
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      if (round >= 0) {
        wall[i]!.push(t1 - t0);
        cpu[i]!.push((c.user + c.system) / 1000);
      }
    }
  }
  return runs.map((_, i) => ({ wall: median(wall[i]!), cpu: median(cpu[i]!) }));
}

const minus = (a: Ms, b: Ms): Ms => ({ wall: a.wall - b.wall, cpu: a.cpu - b.cpu });
const over = (a: Ms, b: Ms): Ms => ({ wall: a.wall / b.wall, cpu: a.cpu / b.cpu });

interface Row {
  readonly form: string;
  readonly forwardMs: Ms;
  readonly stepMs: Ms;
  readonly forwardVsRelu: Ms;
  readonly stepVsRelu: Ms;
  /** Empty: keeps every NaN and is exact on the special floats. */
  readonly wrong: readonly string[];
}

async function measure(backend: Backend): Promise<{ readBackMs: Ms; rows: Row[] }> {
  await initBackend(backend);
  const n = 1e6;
  const values = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    values[i] = (s / 2147483647 - 0.5) * 4;
  }
  const x = tf.tensor2d(values, [1000, 1000]);
  const dy = tf.tensor2d(values.map((v) => 1 + v / 8), [1000, 1000]);
  const readBack = (): unknown => tf.tidy(() => tf.sum(x).dataSync());
  const forward = (f: (x: tf.Tensor) => tf.Tensor) => (): unknown => tf.tidy(() => tf.sum(f(x)).dataSync());
  const step = (f: (x: tf.Tensor) => tf.Tensor) => (): unknown => tf.tidy(() => tf.sum(tf.grad(f)(x, dy)).dataSync());
  const ms = interleaved([readBack, ...FORMS.flatMap((form) => [forward(form.f), step(form.f)])]);
  const readBackMs = ms[0]!;
  const rows = FORMS.map((form, k) => ({ form: form.name, forwardMs: minus(ms[1 + 2 * k]!, readBackMs), stepMs: minus(ms[2 + 2 * k]!, readBackMs), wrong: wrongAt(form.f) }));
  const [bare] = rows;
  tf.dispose([x, dy]);
  return { readBackMs, rows: rows.map((r) => ({ ...r, forwardVsRelu: over(r.forwardMs, bare!.forwardMs), stepVsRelu: over(r.stepMs, bare!.stepMs) })) };
}

const HINGE = 'loss hinge(x: [...], labels: [...] in {0, 1}) = mean(relu(1 - (2 * labels - 1) * x))\n';
/** The helper as it was before relu(x) · step(x): an isNaN test and a select on wasm. */
const SELECT_HELPER = `function relu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || tf.getBackend() !== 'wasm') return tf.relu(x);
  return tf.tidy(() => tf.where(tf.isNaN(x), x, tf.relu(x)));
}
`;

type Hinge = (x: tf.Tensor, labels: tf.Tensor, options?: { checkValues?: boolean }) => tf.Tensor;
interface InLossRow {
  readonly build: string;
  readonly helper: string;
  /** The default call scans the inputs (labels in {0, 1}, no NaN); checkValues: false does not. */
  readonly checkValues: boolean;
  readonly forwardMs: Ms;
  readonly stepMs: Ms;
  readonly value: number;
}

/** The hinge loss compiled both ways, each with both helpers: modules under build/relu-forms-bench/. */
async function hingeModules(): Promise<{ build: string; helper: string; hinge: Hinge }[]> {
  const dir = join(ROOT, 'build', 'relu-forms-bench');
  mkdirSync(dir, { recursive: true });
  const out: { build: string; helper: string; hinge: Hinge }[] = [];
  for (const autodiff of [false, true]) {
    const r = await compile(HINGE, 'hinge.loss', autodiff ? { autodiff: true } : {});
    if (r.code === undefined) throw new Error(`hinge.loss did not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    const start = r.code.indexOf('function relu(');
    const end = r.code.indexOf('\n}\n', start) + 3;
    if (start < 0) throw new Error('the generated hinge module defines no relu helper');
    for (const [helper, code] of [['now', r.code], ['isNaN test and select', r.code.slice(0, start) + SELECT_HELPER + r.code.slice(end)]] as const) {
      const file = join(dir, `hinge-${autodiff ? 'autodiff' : 'derived'}-${helper === 'now' ? 'now' : 'select'}.ts`);
      writeFileSync(file, code);
      const mod = (await import(pathToFileURL(file).href)) as { hinge: Hinge };
      out.push({ build: autodiff ? '--autodiff' : 'derived gradients', helper, hinge: mod.hinge });
    }
  }
  return out;
}

async function measureInLoss(backend: Backend): Promise<InLossRow[]> {
  await initBackend(backend);
  const modules = await hingeModules();
  const n = 1e6;
  let s = 777;
  const next = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const x = tf.tensor1d(Float32Array.from({ length: n }, () => (next() - 0.5) * 6));
  const labels = tf.tensor1d(Float32Array.from({ length: n }, () => (next() < 0.5 ? 0 : 1)));
  const cases = modules.flatMap((m) => [true, false].map((checkValues) => ({ ...m, checkValues })));
  const ms = interleaved(
    cases.flatMap((m) => [
      () => tf.tidy(() => m.hinge(x, labels, { checkValues: m.checkValues }).dataSync()),
      () =>
        tf.tidy(() => {
          const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => m.hinge(t, labels, { checkValues: m.checkValues }) as tf.Scalar)(x);
          tf.stack([value, tf.sum(grad)]).dataSync();
        }),
    ]),
  );
  const rows = cases.map((m, k) => ({ build: m.build, helper: m.helper, checkValues: m.checkValues, forwardMs: ms[2 * k]!, stepMs: ms[2 * k + 1]!, value: tf.tidy(() => m.hinge(x, labels).dataSync()[0]!) }));
  // Both helpers compute the same loss: a ratio between different computations would mean nothing.
  for (const r of rows) if (Math.abs(r.value - rows[0]!.value) > 1e-6 * Math.abs(rows[0]!.value)) throw new Error(`hinge values differ: ${rows.map((q) => q.value).join(', ')}`);
  tf.dispose([x, labels]);
  return rows;
}

const loadAtStart = machine().loadAtStart;
const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
for (const backend of BACKENDS) results[backend] = await measure(backend);
const inLoss = BACKENDS.includes('wasm') ? await measureInLoss('wasm') : [];

const f2 = (m: Ms): string => `${m.wall.toFixed(2)} / ${m.cpu.toFixed(2)}`;
const lines = [
  `max(x, 0) on 1M float32, median of ${ROUNDS} interleaved rounds, wall / CPU ms (read-back subtracted); load ${loadAtStart.toFixed(1)} at start`,
  '',
  '| backend | form | forward ms (CPU × tf.relu) | forward+backward ms (CPU × tf.relu) | keeps NaN, exact |',
  '|---|---|---|---|---|',
];
for (const [backend, r] of Object.entries(results)) {
  for (const row of r.rows) {
    lines.push(`| ${backend} | ${row.form} | ${f2(row.forwardMs)} (${row.forwardVsRelu.cpu.toFixed(2)}×) | ${f2(row.stepMs)} (${row.stepVsRelu.cpu.toFixed(2)}×) | ${row.wrong.length === 0 ? 'yes' : `no: ${row.wrong.join(', ')}`} |`);
  }
}
if (inLoss.length > 0) {
  lines.push('', `hinge on 1M elements, wasm, median of ${ROUNDS} interleaved rounds, wall / CPU ms (read-back included)`, '', '| build | call | relu helper | forward ms | training step ms |', '|---|---|---|---|---|');
  for (const r of inLoss) lines.push(`| ${r.build} | ${r.checkValues ? 'default' : 'checkValues: false'} | ${r.helper} | ${f2(r.forwardMs)} | ${f2(r.stepMs)} |`);
}
console.log(lines.join('\n'));
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'relu-forms.json'), JSON.stringify({ measured: new Date().toISOString(), machine: machine(), rounds: ROUNDS, elements: 1e6, results, hinge: inLoss }, null, 2) + '\n');
console.log('\nwrote bench/results/relu-forms.json');

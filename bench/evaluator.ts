// The evaluator (`lossc eval`, the playground's plots) against the generated module it runs the
// lowering of: per stdlib loss, on small and medium inputs, the median time of a call of each,
// forward and forward+backward, in interleaved rounds on wasm. What the ratio measures is the
// cost of reading the lowering live (and of the boundary: inputs by name) instead of running
// compiled code.
//
//   npx tsx bench/evaluator.ts        (after npm run compile:stdlib)
//
// EVALUATOR=path/to/evaluate.ts times another evaluator with the same API (evaluateTfjs,
// valueAndGradsTfjs), e.g. that of an older checkout. Prints a table and writes
// bench/results/evaluator.json.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { CASES } from './cases/index.js';
import { mulberry32 } from './cases/random.js';
import type { GeneratedModule } from './cases/types.js';
import { machine } from './report/machine.js';
import { median } from './stats.js';

type Evaluator = {
  evaluateTfjs: (fn: IrFunction, x: Record<string, tf.Tensor>, h: Record<string, number>, o?: object) => tf.Tensor;
  valueAndGradsTfjs: (fn: IrFunction, x: Record<string, tf.Tensor>, h: Record<string, number>, wrt: readonly string[], o?: object) => { value: tf.Tensor; grads: Record<string, tf.Tensor> };
};

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.EVAL_ROUNDS ?? 40);

const time = (f: () => tf.Tensor | tf.Tensor[]): number => {
  const t0 = performance.now();
  const out = f();
  const list = Array.isArray(out) ? out : [out];
  list[0]!.dataSync();
  tf.dispose(list);
  return performance.now() - t0;
};

async function main(): Promise<void> {
  await initBackend('wasm');
  const ev = (await import(pathToFileURL(resolve(process.env.EVALUATOR ?? join(ROOT, 'src/eval/evaluate.ts'))).href)) as Evaluator;
  const rows: { loss: string; size: number; forward: number[]; backward: number[] }[] = [];
  for (const c of CASES) {
    const text = readFileSync(join(ROOT, 'stdlib', `${c.file}.loss`), 'utf8');
    const checked = check(text, join('stdlib', `${c.file}.loss`), { host: fsHost, gradients: true } as never);
    const fn = checked.losses.find((l) => l.name === c.loss);
    if (!fn || (fn.functions ?? []).length > 0) continue;
    const mod = (await import(pathToFileURL(join(ROOT, 'build', 'stdlib', `${c.file}.ts`)).href)) as GeneratedModule;
    for (const size of [c.sizes[0]!, 1e4].filter((s, i, a) => a.indexOf(s) === i)) {
      const x = c.inputs(c.dims(size), mulberry32(7));
      const xs = c.wrt.map((n) => x[n]!);
      const runs = {
        module: () => c.compiled(mod, x, {}),
        evaluator: () => ev.evaluateTfjs(fn, x, {}),
        moduleGrad: () => tf.tidy(() => { const g = tf.grads((...ts: tf.Tensor[]) => c.compiled(mod, { ...x, ...Object.fromEntries(c.wrt.map((n, i) => [n, ts[i]!])) }, {}))(xs); return g; }),
        evaluatorGrad: () => { const r = ev.valueAndGradsTfjs(fn, x, {}, c.wrt); return [r.value, ...Object.values(r.grads)]; },
      };
      const samples: Record<keyof typeof runs, number[]> = { module: [], evaluator: [], moduleGrad: [], evaluatorGrad: [] };
      const keys = Object.keys(runs) as (keyof typeof runs)[];
      try {
        for (const k of keys) time(runs[k]); // warm-up
      } catch (err) {
        // A loss whose hyperparameters have no default takes them from its case only.
        process.stderr.write(`${c.loss}: skipped (${(err as Error).message})\n`);
        tf.dispose(Object.values(x));
        break;
      }
      for (let r = 0; r < ROUNDS; r++) for (const k of r % 2 ? [...keys].reverse() : keys) samples[k].push(time(runs[k]));
      tf.dispose(Object.values(x));
      const m = (k: keyof typeof runs): number => median(samples[k]);
      rows.push({ loss: c.loss, size, forward: [m('module'), m('evaluator')], backward: [m('moduleGrad'), m('evaluatorGrad')] });
      process.stderr.write(`${c.loss} ${size}: forward ${m('module').toFixed(2)} / ${m('evaluator').toFixed(2)} ms, fwd+bwd ${m('moduleGrad').toFixed(2)} / ${m('evaluatorGrad').toFixed(2)} ms\n`);
    }
  }
  const ratio = (r: (typeof rows)[number], k: 'forward' | 'backward'): number => r[k][1]! / r[k][0]!;
  console.log(`evaluator / module, median of ${ROUNDS} interleaved rounds on wasm (ms per call):`);
  console.log(['loss'.padEnd(24), 'size'.padStart(6), 'fwd module'.padStart(11), 'evaluator'.padStart(10), 'ratio'.padStart(6), 'f+b module'.padStart(11), 'evaluator'.padStart(10), 'ratio'.padStart(6)].join(' '));
  for (const r of rows) {
    console.log([r.loss.padEnd(24), String(r.size).padStart(6), r.forward[0]!.toFixed(2).padStart(11), r.forward[1]!.toFixed(2).padStart(10), ratio(r, 'forward').toFixed(2).padStart(6), r.backward[0]!.toFixed(2).padStart(11), r.backward[1]!.toFixed(2).padStart(10), ratio(r, 'backward').toFixed(2).padStart(6)].join(' '));
  }
  const med = (k: 'forward' | 'backward'): number => median(rows.map((r) => ratio(r, k)));
  console.log(`median ratio: forward ${med('forward').toFixed(2)}, forward+backward ${med('backward').toFixed(2)}`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'evaluator.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), evaluator: process.env.EVALUATOR ?? 'src/eval/evaluate.ts', rounds: ROUNDS, rows }, null, 1)}\n`);
}

await main();

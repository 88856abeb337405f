// The kernels of one forward+backward call of one pairwise case, from tf.profile: per kernel
// name its count, time and bytes, the call's peak, and the largest tensors it made — what the
// table's ratios come from (a transpose, a one-hot, a broadcasting binary kernel).
//
//   npx tsx bench/pairwise/kernels.ts center 1024 wasm [lossc|expert] [--dir build/pairwise-bench] [--all]
//
// lossc's module is read from --dir (default build/pairwise-bench, what bench/pairwise.ts last
// compiled); --all lists every kernel in the order run.
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend } from '../../src/eval/setup.js';
import { CASES, type CompiledModule } from './cases.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const k = args.indexOf(name);
  return k >= 0 ? args.splice(k, 2)[1] : undefined;
};
const dir = flag('--dir') ?? 'build/pairwise-bench';
const all = args.includes('--all');
const [loss = 'center', nArg = '1024', backend = 'wasm', impl = 'lossc'] = args.filter((a) => a !== '--all');
const c = CASES[loss];
if (!c || (backend !== 'wasm' && backend !== 'cpu') || (impl !== 'lossc' && impl !== 'expert')) {
  console.error(`usage: npx tsx bench/pairwise/kernels.ts LOSS N wasm|cpu [lossc|expert] [--dir DIR] [--all]; losses: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
if ((await initBackend(backend)) !== backend) throw new Error(`the ${backend} backend did not start`);
const f = impl === 'expert' ? c.expert : c.compiled((await import(pathToFileURL(resolve(dir, `${c.module}.ts`)).href)) as CompiledModule);
const x = c.inputs(Number(nArg));
const step = (): number =>
  tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) => f({ ...x, ...Object.fromEntries(c.wrt.map((k, i) => [k, ws[i]!])) }))(c.wrt.map((k) => x[k]!));
    return grads.reduce<tf.Tensor>((s, g) => tf.add(s, tf.sum(g)), value).dataSync()[0]!;
  });
const value = step(); // warm-up
const cpu = process.cpuUsage();
const p = await tf.profile(() => void step());
const used = process.cpuUsage(cpu);
const MB = (b: number): string => (b / 2 ** 20).toFixed(2);
const byName = new Map<string, { count: number; ms: number; bytes: number }>();
for (const k of p.kernels) {
  const e = byName.get(k.name) ?? { count: 0, ms: 0, bytes: 0 };
  e.count++;
  e.ms += Number(k.kernelTimeMs) || 0;
  e.bytes += Math.max(0, k.bytesAdded);
  byName.set(k.name, e);
}
console.log(`${loss} N=${nArg} ${backend} ${impl}: sum of gradients and value ${value}; ${p.kernels.length} kernels, peak ${MB(p.peakBytes)} MB, CPU ${((used.user + used.system) / 1000).toFixed(0)} ms under the profile`);
console.log('| kernel | count | ms | MB made |\n|---|---|---|---|');
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) console.log(`| ${name} | ${e.count} | ${e.ms.toFixed(1)} | ${MB(e.bytes)} |`);
const shapes = (k: (typeof p.kernels)[number]): string => `${k.inputShapes.map((s) => `[${s}]`).join(' ')} -> ${k.outputShapes.map((s) => `[${s}]`).join(' ')}`;
const listed = all ? p.kernels : [...p.kernels].sort((a, b) => b.bytesAdded - a.bytesAdded).slice(0, 12);
console.log(all ? '\nevery kernel, in order (ms, MB made, MB held after):' : '\nthe largest allocations (ms, MB made, MB held after):');
for (const k of listed) console.log(`  ${k.name.padEnd(18)} ${(Number(k.kernelTimeMs) || 0).toFixed(2).padStart(8)} ${MB(k.bytesAdded).padStart(7)} ${MB(k.totalBytesSnapshot).padStart(8)}  ${shapes(k)}`);

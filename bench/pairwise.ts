// Pairwise metric losses at training batch sizes, compiled by lossc (default options) against
// an expert's hand-written Gram/matMul tfjs versions (baselines/metric.ts): the stdlib's
// info_nce, nt_xent_simple and batch_hard_triplet, and losses a user writes
// (pairwise/user.loss: contrastive over all pairs, SupCon, a center loss with a [C, D] table).
// Forward+backward through tf.valueAndGrads, the value and gradients summed on the device and
// one number read back; the median of interleaved rounds, and the peak memory of one call
// (tf.profile's peakBytes). Not a test: a table to read, also written to results/pairwise.json.
//
//   npx tsx bench/pairwise.ts                 compiles stdlib/metric.loss and pairwise/user.loss
//                                             to build/pairwise-bench/ with dist/ (npm run build)
//   PAIRWISE_MODULES=before=/tmp/old,after=build/pairwise-bench   builds (directories holding
//                                             metric.ts and user.ts) in the same rounds
//   PAIRWISE_BACKEND=cpu   PAIRWISE_ROUNDS=11   PAIRWISE_SIZES=256,1024,4096   PAIRWISE_LOSSES=info_nce,supcon
//
// At N = 4096 the losses that tile (docs/language.md, Tiling: info_nce, nt_xent_simple,
// batch_hard_triplet, ...) run one block of rows at a time; the expert's versions run out of
// the wasm heap there, which the table records as their failure:
//   PAIRWISE_SIZES=4096 PAIRWISE_ROUNDS=3 PAIRWISE_LOSSES=info_nce,nt_xent_simple,batch_hard_triplet \
//   PAIRWISE_OUT=bench/results/pairwise-4096.json npx tsx bench/pairwise.ts
//   (PAIRWISE_OUT: where the JSON goes, default bench/results/pairwise.json)
//
// One process per (loss, N): a wasm build that runs out of heap can leave the backend unusable.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend } from '../src/eval/setup.js';
import * as base from './baselines/metric.js';

const D = 128;
type Impl = (x: Record<string, tf.Tensor>) => tf.Scalar;
type Module = Record<string, (...a: unknown[]) => tf.Scalar>;
interface Case {
  /** The compiled module the loss is in: stdlib/metric.loss or pairwise/user.loss. */
  readonly module: 'metric' | 'user';
  readonly inputs: (n: number) => Record<string, tf.Tensor>;
  readonly wrt: readonly string[];
  readonly baseline: Impl;
  readonly compiled: (m: Module) => Impl;
}

/** Seeded normal-ish values (sum of uniforms), as floats. */
function normal(seed: number, shape: [number, number], scale = 1): tf.Tensor {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = Float32Array.from({ length: shape[0] * shape[1] }, () => (next() + next() + next() - 1.5) * 2 * scale);
  return tf.tensor2d(data, shape);
}

const CASES: Record<string, Case> = {
  info_nce: {
    module: 'metric',
    inputs: (n) => ({ zi: normal(1, [n, D]), zj: normal(2, [n, D]) }),
    wrt: ['zi', 'zj'],
    baseline: (x) => base.infoNce(x.zi!, x.zj!, 0.07),
    compiled: (m) => (x) => m.info_nce!(x.zi, x.zj),
  },
  nt_xent_simple: {
    module: 'metric',
    inputs: (n) => ({ zi: normal(1, [n, D]), zj: normal(2, [n, D]) }),
    wrt: ['zi', 'zj'],
    baseline: (x) => base.ntXentSimple(x.zi!, x.zj!, 0.5),
    compiled: (m) => (x) => m.nt_xent_simple!(x.zi, x.zj),
  },
  batch_hard_triplet: {
    module: 'metric',
    inputs: (n) => ({ e: normal(3, [n, D], 0.1), label: labels(n, 10) }),
    wrt: ['e'],
    baseline: (x) => base.batchHardTriplet(x.e!, x.label!),
    compiled: (m) => (x) => m.batch_hard_triplet!(x.e, x.label),
  },
  contrastive_pairs: {
    module: 'user',
    inputs: (n) => ({ e: normal(4, [n, D], 0.1), label: labels(n, 10) }),
    wrt: ['e'],
    baseline: (x) => base.contrastivePairs(x.e!, x.label!),
    compiled: (m) => (x) => m.contrastive_pairs!(x.e, x.label),
  },
  supcon: {
    module: 'user',
    inputs: (n) => ({ z: normal(5, [n, D]), label: labels(n, 10) }),
    wrt: ['z'],
    baseline: (x) => base.supcon(x.z!, x.label!),
    compiled: (m) => (x) => m.supcon!(x.z, x.label),
  },
  // Wen et al.'s setting: 512-dimensional features, 1000 classes (the issue's [N, D, C] case).
  center: {
    module: 'user',
    inputs: (n) => ({ x: normal(6, [n, 512]), y: labels(n, 1000), centers: normal(7, [1000, 512]) }),
    wrt: ['x', 'centers'],
    baseline: (x) => base.center(x.x!, x.y!, x.centers!),
    compiled: (m) => (x) => m.center!(x.x, x.y, x.centers),
  },
};

/** Class labels 0..classes-1, each class about equally often. */
function labels(n: number, classes: number): tf.Tensor {
  return tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % classes), 'int32');
}

/** Forward+backward, everything reduced on the device, one number read. */
function step(c: Case, impl: Impl, x: Record<string, tf.Tensor>): number {
  return tf.tidy(() => {
    const f = (...ws: tf.Tensor[]): tf.Scalar => impl({ ...x, ...Object.fromEntries(c.wrt.map((k, i) => [k, ws[i]!])) });
    const { value, grads } = tf.valueAndGrads(f)(c.wrt.map((k) => x[k]!));
    return grads.reduce<tf.Tensor>((s, g) => tf.add(s, tf.sum(g)), value).dataSync()[0]!;
  });
}

async function child(loss: string, n: number, backend: 'wasm' | 'cpu', modules: readonly (readonly [string, string])[], rounds: number): Promise<void> {
  await initBackend(backend);
  const c = CASES[loss]!;
  const impls: [string, Impl][] = [];
  for (const [name, dir] of modules) {
    const path = resolve(dir, `${c.module}.ts`);
    if (existsSync(path)) impls.push([name, c.compiled((await import(pathToFileURL(path).href)) as Module)]);
  }
  // The expert last: at N = 4096 its version runs out of the wasm heap, which can leave the
  // backend unusable for whatever runs after it in this process.
  impls.push(['expert', c.baseline]);
  const x = c.inputs(n);
  const times = new Map<string, number[]>(impls.map(([k]) => [k, []]));
  const peak = new Map<string, number>();
  const failed = new Map<string, string>();
  for (const [name, impl] of impls) {
    try {
      step(c, impl, x); // warm-up
      const p = await tf.profile(() => void step(c, impl, x));
      peak.set(name, p.peakBytes);
    } catch (e) {
      failed.set(name, (e as Error).message.split('\n')[0]!.slice(0, 60));
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, impl] of impls) {
      if (failed.has(name)) continue;
      const t0 = performance.now();
      step(c, impl, x);
      times.get(name)!.push(performance.now() - t0);
    }
  }
  const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  const out = impls.map(([name]) => (failed.has(name) ? { name, error: failed.get(name) } : { name, ms: median(times.get(name)!), peakMB: peak.get(name)! / 2 ** 20 }));
  process.stdout.write(JSON.stringify({ loss, n, backend, out }) + '\n');
}

const BUILD = 'build/pairwise-bench';

/** The stdlib's metric losses and the user losses, compiled by this checkout's lossc. */
function compileModules(): void {
  mkdirSync(BUILD, { recursive: true });
  for (const file of ['stdlib/metric.loss', 'bench/pairwise/user.loss']) {
    const r = spawnSync(process.execPath, ['bin/lossc.js', 'compile', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`lossc compile ${file} failed (npm run build first?):\n${r.stderr}`);
    writeFileSync(resolve(BUILD, file.endsWith('metric.loss') ? 'metric.ts' : 'user.ts'), r.stdout);
  }
}

interface Row {
  readonly loss: string;
  readonly n: number;
  readonly backend: string;
  readonly out?: readonly { name: string; ms?: number; peakMB?: number; error?: string }[];
  readonly error?: string;
}

function parent(): void {
  const backend = (process.env.PAIRWISE_BACKEND ?? 'wasm') as 'wasm' | 'cpu';
  const sizes = (process.env.PAIRWISE_SIZES ?? '256,1024').split(',').map(Number);
  const losses = (process.env.PAIRWISE_LOSSES ?? Object.keys(CASES).join(',')).split(',');
  const rounds = process.env.PAIRWISE_ROUNDS ?? '11';
  if (!process.env.PAIRWISE_MODULES) compileModules();
  const modules = process.env.PAIRWISE_MODULES ?? `lossc=${BUILD}`;
  const rows: Row[] = [];
  console.log(`| loss | N | ${modules.split(',').map((m) => m.split('=')[0]).join(' | ')} | expert | peak MB (${modules.split(',').map((m) => m.split('=')[0]).join(' / ')} / expert) |`);
  console.log(`|---|---|${modules.split(',').map(() => '---|').join('')}---|---|`);
  for (const loss of losses) {
    for (const n of sizes) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', process.argv[1]!, 'child', loss, String(n), backend, modules, rounds], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) {
        const error = (r.stderr || '').split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`;
        rows.push({ loss, n, backend, error });
        console.log(`| ${loss} | ${n} | failed: ${error} |`);
        continue;
      }
      const res = JSON.parse(line) as Row & { out: NonNullable<Row['out']> };
      rows.push(res);
      const expert = res.out.find((o) => o.name === 'expert')!;
      const cell = (o: (typeof res.out)[number]): string => (o.error ? `fails: ${o.error}` : `${o.ms!.toFixed(1)} ms${o.name !== 'expert' && expert.ms ? ` (${(o.ms! / expert.ms).toFixed(2)}×)` : ''}`);
      const others = res.out.filter((o) => o.name !== 'expert');
      console.log(`| ${loss} | ${n} | ${others.map(cell).join(' | ')} | ${cell(expert)} | ${[...others, expert].map((o) => (o.peakMB === undefined ? '–' : o.peakMB.toFixed(0))).join(' / ')} |`);
    }
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(process.env.PAIRWISE_OUT ?? 'bench/results/pairwise.json', JSON.stringify({ date: new Date().toISOString(), backend, rounds: Number(rounds), modules, rows }, null, 2) + '\n');
}

if (process.argv[2] === 'child') {
  const [, , , loss, n, backend, modules, rounds] = process.argv;
  await child(loss!, Number(n), backend as 'wasm' | 'cpu', modules!.split(',').map((m) => m.split('=') as [string, string]), Number(rounds));
} else {
  parent();
}

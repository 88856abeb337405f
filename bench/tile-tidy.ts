// Tiled pairwise losses on wasm, two builds of lossc's modules side by side: the peak memory of
// one forward + backward call (tf.profile's peakBytes, deterministic), its wall and CPU time
// (median of interleaved rounds, both builds in one process), and whether the value and every
// gradient are bit for bit the same. Written for each block's values in their own tf.tidy
// (src/lower/tile.ts); `--diagnose` instead times checkFinite's diagnosis of a tiled loss whose
// value is not finite (each build in its own process: an untiled diagnosis may exhaust the
// wasm heap), its peak counted at each tensor made (tf.profile cannot run a call that throws).
//
//   npx tsx bench/tile-tidy.ts --before DIR [--sizes 1024,4096] [--rounds 3] [--losses a,b]
//   npx tsx bench/tile-tidy.ts --before DIR --diagnose [--sizes 4096]
//
// DIR holds metric.ts and user.ts compiled by the older compiler; this checkout's are compiled
// fresh into build/tile-tidy/. Writes bench/results/tile-tidy.json (or tile-finite.json).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFresh } from './compile-fresh.js';
import { CASES, MODULE_SOURCES, type CompiledModule } from './pairwise/cases.js';
import { initBackend } from '../src/eval/setup.js';

const AFTER = 'build/tile-tidy';

interface Job {
  readonly builds: readonly (readonly [string, string])[];
  readonly loss: string;
  readonly n: number;
  readonly blockRows?: number;
  readonly rounds: number;
  readonly diagnose: boolean;
}

interface Measured {
  readonly build: string;
  readonly peakMB?: number;
  readonly wallMs?: number;
  readonly cpuMs?: number;
  readonly bits?: string;
  readonly message?: string;
  readonly error?: string;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A digest of the value's and gradients' bits (FNV-1a over their float32 words). */
function digest(arrays: readonly Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) for (const w of new Uint32Array(a.buffer, a.byteOffset, a.length)) h = Math.imul(h ^ w, 0x01000193) >>> 0;
  return h.toString(16);
}

/** Peak bytes alive while `f` runs, above those before, at each tensor made. */
function peakBytes(f: () => void): number {
  const engine = tf.engine() as unknown as { trackTensor: (...args: unknown[]) => void; state: { numBytes: number } };
  const track = engine.trackTensor;
  const start = engine.state.numBytes;
  let peak = start;
  engine.trackTensor = function (this: unknown, ...args: unknown[]) {
    track.apply(this, args);
    peak = Math.max(peak, engine.state.numBytes);
  };
  try {
    f();
  } finally {
    engine.trackTensor = track;
  }
  return peak - start;
}

async function worker(job: Job): Promise<Measured[]> {
  await initBackend('wasm');
  const c = CASES[job.loss]!;
  const inputs = c.inputs(job.n);
  const options = { ...(job.blockRows !== undefined ? { blockRows: job.blockRows } : {}), ...(job.diagnose ? { checkFinite: true, checkValues: false } : {}) };
  const loaded = await Promise.all(job.builds.map(async ([name, dir]) => [name, (await import(pathToFileURL(resolve(dir, `${c.module}.ts`)).href)) as CompiledModule] as const));
  const fns = loaded.map(([name, m]) => [name, (x: Record<string, tf.Tensor>) => (m[job.loss] as (...a: unknown[]) => tf.Scalar)(...Object.keys(inputs).map((k) => x[k]), options)] as const);
  if (job.diagnose) {
    // A NaN made by an operation would need a loss of its own: one planted in the last row of the first input.
    const first = Object.keys(inputs)[0]!;
    const bad = tf.tidy(() => tf.concat([tf.slice(inputs[first]!, [0, 0], [job.n - 1, -1]), tf.fill([1, inputs[first]!.shape[1]!], NaN)]));
    const x = { ...inputs, [first]: bad };
    return fns.map(([build, f]) => {
      let message: string | undefined;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      try {
        const peak = peakBytes(() => {
          try {
            f(x).dispose();
          } catch (err) {
            message = err instanceof Error ? err.message : String(err);
          }
        });
        const wallMs = performance.now() - t0;
        const used = process.cpuUsage(cpu0);
        return { build, peakMB: peak / 2 ** 20, wallMs, cpuMs: (used.user + used.system) / 1000, ...(message !== undefined ? { message } : {}) };
      } catch (err) {
        return { build, error: String(err) };
      }
    });
  }
  const call = (f: (x: Record<string, tf.Tensor>) => tf.Scalar): Float32Array[] => {
    const r = tf.valueAndGrads((...reals: tf.Tensor[]) => f({ ...inputs, ...Object.fromEntries(c.wrt.map((k, i) => [k, reals[i]!])) }))(c.wrt.map((k) => inputs[k]!));
    const read = [r.value, ...r.grads].map((t) => t.dataSync() as Float32Array);
    tf.dispose([r.value, ...r.grads]);
    return read;
  };
  const out = new Map<string, { wall: number[]; cpu: number[]; bits: string; peak: number }>();
  for (const [build, f] of fns) {
    const bits = digest(call(f));
    const profile = await tf.profile(() => void call(f));
    out.set(build, { wall: [], cpu: [], bits, peak: profile.peakBytes });
  }
  for (let r = 0; r < job.rounds; r++) {
    for (const [build, f] of fns) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      call(f);
      out.get(build)!.wall.push(performance.now() - t0);
      const used = process.cpuUsage(cpu0);
      out.get(build)!.cpu.push((used.user + used.system) / 1000);
    }
  }
  return [...out].map(([build, m]) => ({ build, peakMB: m.peak / 2 ** 20, wallMs: median(m.wall), cpuMs: median(m.cpu), bits: m.bits }));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    process.stdout.write(`RESULT ${JSON.stringify(await worker(JSON.parse(args[1]!) as Job))}\n`);
    return;
  }
  const get = (flag: string, dflt?: string): string | undefined => {
    const k = args.indexOf(flag);
    return k >= 0 ? args[k + 1] : dflt;
  };
  const before = get('--before');
  if (!before) throw new Error('--before DIR (metric.ts and user.ts of the older compiler) is required');
  const diagnose = args.includes('--diagnose');
  const sizes = get('--sizes', diagnose ? '4096' : '1024,4096')!.split(',').map(Number);
  const rounds = Number(get('--rounds', '3'));
  const losses = get('--losses', diagnose ? 'info_nce' : 'info_nce,nt_xent_simple,batch_hard_triplet,supcon')!.split(',');
  await compileFresh(Object.entries(MODULE_SOURCES).map(([name, source]) => [source, name] as const), AFTER, 'src');
  const builds = [['before', before], ['after', AFTER]] as const;
  const rows: (Job & { results: Measured[] })[] = [];
  console.log(`wasm, D = 128, ${rounds} interleaved rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  console.log(diagnose ? '| loss | N | build | peak MB | wall ms | CPU ms | message |' : '| loss | N | blockRows | peak MB before / after | wall ms before / after | CPU ms before / after | bits |');
  console.log(diagnose ? '|---|---|---|---|---|---|---|' : '|---|---|---|---|---|---|---|');
  for (const loss of losses) {
    for (const n of sizes) {
      // At 1024 the default block covers every row of most of these losses: 128 rows forces tiling.
      for (const blockRows of diagnose ? [undefined] : n <= 1024 ? [128, undefined] : [undefined]) {
        const groups = diagnose ? builds.map((b) => [b]) : [builds];
        const results: Measured[] = [];
        for (const group of groups) {
          const job: Job = { builds: group, loss, n, rounds, diagnose, ...(blockRows !== undefined ? { blockRows } : {}) };
          const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/tile-tidy.ts', '--worker', JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 3_600_000 });
          const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
          if (line) results.push(...(JSON.parse(line.slice(7)) as Measured[]));
          else results.push(...group.map(([build]) => ({ build, error: `aborts: ${(r.stderr || `exit ${r.status}`).split('\n').filter(Boolean).slice(-1)[0] ?? ''}` })));
        }
        rows.push({ builds, loss, n, rounds, diagnose, ...(blockRows !== undefined ? { blockRows } : {}), results });
        const [b, a] = [results.find((x) => x.build === 'before')!, results.find((x) => x.build === 'after')!];
        const f = (x: number | undefined, d = 0): string => (x === undefined ? '–' : x.toFixed(d));
        if (diagnose) {
          for (const x of [b, a]) console.log(`| ${loss} | ${n} | ${x.build} | ${f(x.peakMB, 1)} | ${f(x.wallMs)} | ${f(x.cpuMs)} | ${x.error ?? (x.message ?? 'no error').slice(0, 90)} |`);
        } else {
          const same = b.bits !== undefined && b.bits === a.bits ? 'identical' : b.error || a.error ? (b.error ?? a.error)! : 'differ';
          console.log(`| ${loss} | ${n} | ${blockRows ?? 'default'} | ${f(b.peakMB, 1)} / ${f(a.peakMB, 1)} | ${f(b.wallMs)} / ${f(a.wallMs)} | ${f(b.cpuMs)} / ${f(a.cpuMs)} | ${same} |`);
        }
      }
    }
  }
  const out = diagnose ? 'bench/results/tile-finite.json' : 'bench/results/tile-tidy.json';
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(out, JSON.stringify({ when: new Date().toISOString(), load: loadavg(), rows }, null, 2));
  console.log(`written to ${out}`);
}

await main();

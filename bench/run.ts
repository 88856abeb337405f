// The benchmark: `npm run bench` from a fresh clone (after npm ci). Builds the compiler,
// compiles the stdlib to build/stdlib/ (gradients by the backward pass the compiler derives)
// and again with --autodiff to build/stdlib-autodiff/ (gradients by tfjs's autodiff), then
// measures
//   - compiler speed: each phase per stdlib file (cold and warm), cold starts of `lossc`;
//   - run time of every stdlib loss against its hand-written tfjs baseline, tf.losses and the
//     tutorial's loop versions, forward and forward+backward, on wasm and on cpu, and the
//     derived gradients against autodiff (forward+backward);
// and prints a table, writes bench/results/{runtime,compiler}.json and bench/RESULTS.md.
//
// For a quick look while developing: BENCH_QUICK=1 (sizes up to 1e4, short timings),
// BENCH_LOSSES=mse,huber, BENCH_BACKENDS=wasm, BENCH_NO_BUILD=1, BENCH_NO_COMPILER=1;
// BENCH_REPORT_ONLY=1 rewrites the report from bench/results/*.json without measuring (reading
// the generated code from BENCH_STDLIB_DIR and BENCH_AUTODIFF_DIR when given).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CASES } from './cases/index.js';
import { cliColdStarts, compilerSpeed } from './compiler/run.js';
import type { CompilerSpeed, ProcessTimes } from './compiler/types.js';
import { machine } from './report/machine.js';
import { loadCollected, publish, type Collected } from './report/publish.js';
import { runBackend, type BackendPlan, type BackendRun } from './runtime/run-backend.js';
import type { Backend, MeasureSettings } from './runtime/types.js';

const ROOT = resolve(import.meta.dirname, '..');
const STDLIB_OUT = 'build/stdlib';
const AUTODIFF_OUT = 'build/stdlib-autodiff';
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';

const SETTINGS: MeasureSettings = QUICK
  ? { warmup: 1, minReps: 3, maxReps: 7, budgetMs: 150, slowCallMs: 200, singleCallMs: 1000 }
  : { warmup: 2, minReps: 3, maxReps: 21, budgetMs: 500, slowCallMs: 200, singleCallMs: 3000 };

const PLANS: Record<Backend, BackendPlan> = {
  // Every size; the budget only guards against a machine far slower than expected.
  wasm: { backend: 'wasm', maxSize: QUICK ? 1e4 : Infinity, budgetS: 600, taskCapS: 120, taskTimeoutS: 400, settings: SETTINGS },
  // About 13 times slower than wasm: everything up to 1e5; at 1e6 forward+backward only, of the
  // derived and autodiff gradients, the baseline and tf.losses, unprofiled (about 10 of the
  // 16 minutes this backend takes), within a budget.
  cpu: QUICK
    ? { backend: 'cpu', maxSize: 1e4, budgetS: 180, taskCapS: 30, taskTimeoutS: 180, settings: SETTINGS }
    : { backend: 'cpu', maxSize: 1e5, backwardMaxSize: 1e6, budgetS: 1200, taskCapS: 150, taskTimeoutS: 420, settings: SETTINGS },
};

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function step(label: string, args: readonly string[]): number {
  log(`== ${label}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status})`);
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  if (env.BENCH_REPORT_ONLY === '1') {
    // The generated code the run measured, if build/ has been recompiled since (copies of it).
    publish(ROOT, loadCollected(ROOT), resolve(ROOT, env.BENCH_STDLIB_DIR ?? STDLIB_OUT), resolve(ROOT, env.BENCH_AUTODIFF_DIR ?? AUTODIFF_OUT));
    return;
  }
  const t0 = performance.now();
  const seconds: Record<string, number> = {};
  const m = machine();
  log(`lossc bench: ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.loadAtStart.toFixed(2)}${QUICK ? ' (quick)' : ''}`);
  if (env.BENCH_NO_BUILD !== '1') {
    seconds.build = step('build (tsc -p tsconfig.build.json)', [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
    seconds['stdlib compile'] = step(`lossc compile stdlib --out ${STDLIB_OUT}`, ['bin/lossc.js', 'compile', 'stdlib', '--out', STDLIB_OUT]);
    seconds['stdlib compile --autodiff'] = step(`lossc compile stdlib --autodiff --out ${AUTODIFF_OUT}`, ['bin/lossc.js', 'compile', 'stdlib', '--autodiff', '--out', AUTODIFF_OUT]);
  }
  const stdlibDir = resolve(ROOT, STDLIB_OUT);
  const files = [...new Set(CASES.map((c) => c.file))];
  const missing = files.filter((f) => !existsSync(join(stdlibDir, `${f}.ts`)));
  if (missing.length) throw new Error(`no generated module for ${missing.join(', ')} in ${STDLIB_OUT}: run without BENCH_NO_BUILD`);
  const autodiffDir = resolve(ROOT, AUTODIFF_OUT);
  const withAutodiff = files.every((f) => existsSync(join(autodiffDir, `${f}.ts`)));
  if (!withAutodiff) log(`(no ${AUTODIFF_OUT}: the autodiff variant is not measured; run without BENCH_NO_BUILD)`);
  // Whether the derived backward pass is in the generated code at all: a module identical to its
  // --autodiff twin leaves gradients to tfjs either way (the report says so).
  const text = (dir: string, f: string): string => readFileSync(join(dir, `${f}.ts`), 'utf8');
  const derivedModules = withAutodiff ? files.filter((f) => text(stdlibDir, f) !== text(autodiffDir, f)) : [];
  if (withAutodiff) log(`${derivedModules.length} of ${files.length} generated modules differ from their --autodiff twin${derivedModules.length ? '' : ': the emitter does not emit derived gradients yet, so derived = autodiff'}`);

  let compiler: CompilerSpeed | undefined;
  let cli: ProcessTimes[] | undefined;
  if (env.BENCH_NO_COMPILER !== '1') {
    log('== compiler speed');
    const t = performance.now();
    compiler = await compilerSpeed();
    cli = cliColdStarts(QUICK ? 2 : 5);
    seconds['compiler speed'] = (performance.now() - t) / 1000;
  }

  const losses = env.BENCH_LOSSES?.split(',');
  const cases = CASES.filter((c) => !losses || losses.includes(c.loss));
  const backends = (env.BENCH_BACKENDS?.split(',') ?? ['wasm', 'cpu']) as Backend[];
  const runs: (BackendRun & { backend: Backend; maxSize: number; backwardMaxSize?: number })[] = [];
  for (const backend of backends) {
    log(`== ${backend}: ${cases.length} losses`);
    const run = await runBackend(PLANS[backend], cases, stdlibDir, log, withAutodiff ? autodiffDir : undefined);
    runs.push({ ...run, backend, maxSize: PLANS[backend].maxSize, ...(PLANS[backend].backwardMaxSize ? { backwardMaxSize: PLANS[backend].backwardMaxSize } : {}) });
    seconds[backend] = run.seconds;
  }
  seconds.total = (performance.now() - t0) / 1000;

  const collected: Collected = {
    date: new Date().toISOString(),
    machine: m,
    settings: SETTINGS,
    settingsText: `warm-up ${SETTINGS.warmup} calls (1 when a call takes over ${SETTINGS.slowCallMs} ms), at least ${SETTINGS.minReps} and at most ${SETTINGS.maxReps} rounds, adding rounds for up to ${SETTINGS.budgetMs} ms; a variant whose first call takes over ${SETTINGS.singleCallMs / 1000} s is measured by one call`,
    plans: PLANS,
    seconds,
    ...(withAutodiff ? { derivedModules, modules: files } : {}),
    backends: runs.map((r) => ({ backend: r.backend, ...(r.info ? { info: r.info } : {}), maxSize: r.maxSize, ...(r.backwardMaxSize ? { backwardMaxSize: r.backwardMaxSize } : {}), results: r.results })),
    ...(compiler ? { compiler } : {}),
    ...(cli ? { cli } : {}),
  };
  publish(ROOT, collected, stdlibDir, autodiffDir);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});

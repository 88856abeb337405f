// Compiler speed in a fresh process: the library as shipped (dist/, built by `npm run build`),
// each phase of the pipeline (src/pipeline.ts's order, then the emitter) timed per stdlib
// file, once cold and then warm. Sends a CompilerSpeed to the parent and exits.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '../stats.js';
import { PHASES, type CompilerSpeed, type FileTimes, type PhaseTimes } from './types.js';

type Api = typeof import('../../src/api.js');
type Opt = typeof import('../../src/opt/index.js');
type Stability = typeof import('../../src/stability/index.js');
type Emit = typeof import('../../src/emit/module.js');

const ROOT = resolve(import.meta.dirname, '..', '..');
const MIN_PASSES = 3;
const MAX_PASSES = 10;
const BUDGET_MS = 3000;

const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(join(ROOT, 'dist', rel)).href)) as T;

async function main(): Promise<CompilerSpeed> {
  let t = performance.now();
  const api = await load<Api>('src/api.js');
  const { optimizeFunction } = await load<Opt>('src/opt/index.js');
  const { analyzeStability } = await load<Stability>('src/stability/index.js');
  const { emitModule } = await load<Emit>('src/emit/module.js');
  const importLibraryMs = performance.now() - t;
  t = performance.now();
  await import('ts-morph');
  const importTsMorphMs = performance.now() - t;

  const names = readdirSync(join(ROOT, 'stdlib')).filter((f) => f.endsWith('.loss')).sort();
  const texts = new Map(names.map((n) => [`stdlib/${n}`, readFileSync(join(ROOT, 'stdlib', n), 'utf8')]));
  // Imports resolve from memory: file reading is not the compiler's time.
  const host = { readFile: (path: string): string | undefined => texts.get(path) };

  async function timeFile(file: string, text: string): Promise<PhaseTimes & { losses: number }> {
    const times = {} as PhaseTimes;
    let t0 = performance.now();
    api.parse(text, file);
    times.parse = performance.now() - t0;
    t0 = performance.now();
    const checked = api.check(text, file, { host, optimize: false, stability: false });
    times.check = performance.now() - t0;
    t0 = performance.now();
    const optimized = checked.losses.map((fn) => optimizeFunction(fn).fn);
    times.optimize = performance.now() - t0;
    t0 = performance.now();
    optimized.forEach((fn) => analyzeStability(fn));
    times.stability = performance.now() - t0;
    t0 = performance.now();
    const code = await emitModule({ file, losses: optimized });
    times.emit = performance.now() - t0;
    if (!code.includes('export function')) throw new Error(`${file} emitted no function`);
    times.total = times.check + times.optimize + times.stability + times.emit;
    return { ...times, losses: checked.losses.length };
  }

  const passes: Map<string, PhaseTimes>[] = [];
  const losses = new Map<string, number>();
  const start = performance.now();
  while (passes.length < MIN_PASSES + 1 || (passes.length < MAX_PASSES + 1 && performance.now() - start < BUDGET_MS)) {
    const pass = new Map<string, PhaseTimes>();
    for (const [file, text] of texts) {
      const { losses: n, ...times } = await timeFile(file, text);
      losses.set(file, n);
      pass.set(file, times);
    }
    passes.push(pass);
  }
  const files: FileTimes[] = [...texts].map(([file, text]) => {
    const warm = {} as PhaseTimes;
    for (const p of PHASES) warm[p] = median(passes.slice(1).map((pass) => pass.get(file)![p]));
    return { file, lines: text.split('\n').length, losses: losses.get(file)!, cold: passes[0]!.get(file)!, warm };
  });
  return { importLibraryMs, importTsMorphMs, files, warmPasses: passes.length - 1 };
}

main().then(
  (r) => process.send!({ ok: true, result: r }, () => process.exit(0)),
  (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => process.exit(1)),
);

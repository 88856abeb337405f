// The last step of the bench: from what was measured, the terminal summary, the JSON files and
// bench/RESULTS.md. Also runs alone on saved results (BENCH_REPORT_ONLY=1 npm run bench) to
// rewrite the report without measuring again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompilerSpeed, ProcessTimes } from '../compiler/types.js';
import type { BackendInfo } from '../runtime/protocol.js';
import type { Backend, MeasureSettings, TaskResult } from '../runtime/types.js';
import { CASES } from '../cases/index.js';
import { autodiffReport, type MeasuredCosts } from './autodiff.js';
import { findings } from './findings.js';
import type { Machine } from './machine.js';
import { markdown } from './markdown.js';
import { fmtRatio, fmtSize, headline, rowsOf } from './rows.js';
import { terminalTable } from './terminal.js';

export interface Collected {
  readonly date: string;
  readonly machine: Machine;
  readonly settings: MeasureSettings;
  /** The settings in words, for the report. */
  readonly settingsText: string;
  readonly plans: unknown;
  readonly seconds: Readonly<Record<string, number>>;
  /** Generated modules that differ from their --autodiff twin (build/stdlib-autodiff), of `modules`. */
  readonly derivedModules?: readonly string[];
  readonly modules?: readonly string[];
  readonly backends: readonly { backend: Backend; info?: BackendInfo; maxSize: number; backwardMaxSize?: number; results: readonly TaskResult[] }[];
  readonly compiler?: CompilerSpeed;
  readonly cli?: readonly ProcessTimes[];
}

const RESULTS = (root: string, name: string): string => join(root, 'bench', 'results', name);

/** JSON with 4 significant digits: timings are not more precise than that. */
const json = (value: unknown): string =>
  `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(4)) : v))}\n`;

export function loadCollected(root: string): Collected {
  const runtime = JSON.parse(readFileSync(RESULTS(root, 'runtime.json'), 'utf8')) as Collected;
  const path = RESULTS(root, 'compiler.json');
  const compiler = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Pick<Collected, 'compiler' | 'cli'>) : {};
  return { ...runtime, ...compiler, settingsText: runtime.settingsText ?? '' };
}

/** The op costs measured by `npm run bench:ops` on `backend`, if it has run. */
function opCosts(root: string, backend: Backend): MeasuredCosts | undefined {
  const p = RESULTS(root, 'op-costs.json');
  if (!existsSync(p)) return undefined;
  const data = JSON.parse(readFileSync(p, 'utf8')) as { backends?: { backend: Backend; ms: Record<string, number>; extrasMs?: Record<string, number> }[] };
  const b = data.backends?.find((x) => x.backend === backend);
  return b ? { ms: b.ms, extrasMs: b.extrasMs ?? {} } : undefined;
}

export function publish(root: string, c: Collected, stdlibDir: string, autodiffDir = join(stdlibDir, '..', 'stdlib-autodiff')): void {
  const rows = rowsOf(c.backends.flatMap((b) => b.results));
  const headlines = c.backends.flatMap((b) => (['forward', 'forward+backward'] as const).map((mode) => headline(rows, b.backend, mode)));
  const moduleText = (file: string): string | undefined => {
    const p = join(stdlibDir, `${file}.ts`);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  const { slow, leaks } = findings(rows, moduleText);
  const autodiffText = (file: string): string | undefined => {
    const p = join(autodiffDir, `${file}.ts`);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  const autodiff = autodiffReport(
    rows,
    c.backends.map((b) => b.backend),
    moduleText,
    autodiffText,
    c.modules && c.derivedModules ? { derived: c.derivedModules, all: c.modules } : undefined,
    (loss) => CASES.find((k) => k.loss === loss)?.wrt ?? [],
    opCosts(root, 'wasm'),
  );

  for (const b of c.backends) console.log(`\n${terminalTable(rows, b.backend)}`);
  console.log('\ncompiled / baseline, median over (loss, size):');
  for (const h of headlines) {
    console.log(`  ${h.backend.padEnd(4)} ${h.mode.padEnd(16)} ${fmtRatio(h.compiled)} (checkValues: false ${fmtRatio(h.compiledNocheck)}); by size ${h.bySize.map((s) => `${fmtSize(s.size)} ${fmtRatio(s.compiled)}`).join(', ')}; ${h.slower} of ${h.n} points > 10% slower`);
  }
  console.log(`more than 10% slower than the baseline somewhere: ${slow.map((f) => f.loss).join(', ') || 'none'}`);
  if (c.modules && c.derivedModules) console.log(`derived gradients in ${c.derivedModules.length} of ${c.modules.length} generated modules (the others are the same as with --autodiff)`);
  for (const s of autodiff.summaries.filter((x) => x.n > 0)) {
    console.log(`  ${s.backend.padEnd(4)} ${fmtSize(s.size).padEnd(4)} autodiff / derived ${fmtRatio(s.speedup)} (derived / baseline ${fmtRatio(s.derivedOverBaseline)}, autodiff / baseline ${fmtRatio(s.autodiffOverBaseline)}); ${s.faster} faster, ${s.slower} slower of ${s.n}`);
  }
  for (const f of autodiff.findings) console.log(`  ${f.verdict.padEnd(6)} ${f.loss}: ${f.points.map((p) => `${p.backend} ${fmtSize(p.size)} ×${p.speedup.toFixed(2)}`).join(', ')}${f.patterns.length ? ` [${f.patterns.join(', ')}]` : ''}`);
  console.log(`leaks: ${leaks.length ? leaks.map((l) => `${l.loss} (${l.variant})`).join(', ') : 'none'}`);
  if (c.compiler) {
    const total = c.compiler.files.reduce((s, f) => s + f.warm.total, 0);
    console.log(`compiler: whole stdlib ${total.toFixed(0)} ms warm; ts-morph import ${c.compiler.importTsMorphMs.toFixed(0)} ms; ${c.cli?.map((p) => `${p.command} ${p.medianMs.toFixed(0)} ms`).join('; ')}`);
  }

  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const { compiler, cli, ...runtime } = c;
  writeFileSync(RESULTS(root, 'runtime.json'), json({ ...runtime, headlines, slow, leaks, autodiff }));
  if (compiler) writeFileSync(RESULTS(root, 'compiler.json'), json({ date: c.date, machine: c.machine, compiler, cli }));
  writeFileSync(
    join(root, 'bench', 'RESULTS.md'),
    markdown({ date: c.date, machine: c.machine, seconds: c.seconds, backends: c.backends, rows, autodiff, headlines, slow, leaks, ...(compiler ? { compiler } : {}), ...(cli ? { cli } : {}), settings: c.settingsText }),
  );
  console.log(`\nwrote bench/RESULTS.md and bench/results/${compiler ? '{runtime,compiler}' : 'runtime'}.json (the run took ${c.seconds.total?.toFixed(0) ?? '?'} s)`);
}

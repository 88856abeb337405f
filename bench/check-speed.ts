// Time to check a file, by size and kind: realistic programs (the stdlib, renamed apart and
// repeated), token soup (a file of syntax errors), and pathological shapes. Prints a table and
// writes bench/results/check-speed.json. Run: `npm run bench:check` (tsx; no build needed).
// Per-KB times that stay flat from 25 KB to 400 KB mean the front end is linear.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import fc from 'fast-check';
import { parseModule } from '../grammar/index.js';
import { check } from '../src/api.js';
import { checkSource } from '../src/check/module.js';
import { bigProgramFile, tokenSoup } from '../test/fuzz/soup.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

interface Row {
  readonly input: string;
  readonly kb: number;
  readonly phase: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly msPerKb: number;
  readonly diagnostics: number;
}

function soup(bytes: number): string {
  let out = '';
  for (let seed = 1; out.length < bytes; seed++) out += `${fc.sample(tokenSoup, { numRuns: 50, seed }).join('\n')}\n`;
  return out.slice(0, bytes);
}

const inputs: [string, string][] = [
  ...[25, 50, 100, 200, 400].map((kb): [string, string] => ['programs', bigProgramFile(kb * 1000)]),
  ...[25, 100, 400].map((kb): [string, string] => ['token soup', soup(kb * 1000)]),
  ['30,000-term sum', `loss f(x: [N]) = mean(x${' + x'.repeat(30_000)})`],
  ['3,000 nested parentheses', `loss f(x: [N]) = ${'('.repeat(3000)}x${')'.repeat(3000)}`],
  ['100,000 opening brackets', '['.repeat(100_000)],
];

const phases: [string, (text: string) => { diagnostics: readonly unknown[] }][] = [
  ['parse', (t) => parseModule(t, 'bench.loss')],
  ['check', (t) => checkSource(t, 'bench.loss')],
  ['check + optimize + stability', (t) => check(t, 'bench.loss')],
];

function time(f: () => { diagnostics: readonly unknown[] }): { ms: number[]; diagnostics: number } {
  const first = f(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    f();
    ms.push(performance.now() - start);
  }
  return { ms: ms.sort((a, b) => a - b), diagnostics: first.diagnostics.length };
}

const rows: Row[] = [];
for (const [input, text] of inputs) {
  for (const [phase, run] of phases) {
    const { ms, diagnostics } = time(() => run(text));
    const kb = text.length / 1000;
    const medianMs = ms[ms.length >> 1]!;
    rows.push({ input, kb: Math.round(kb * 10) / 10, phase, medianMs, minMs: ms[0]!, msPerKb: medianMs / kb, diagnostics });
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const header = `| ${'input'.padEnd(26)} | ${pad('KB', 6)} | ${'phase'.padEnd(28)} | ${pad('median ms', 9)} | ${pad('min ms', 7)} | ${pad('ms/KB', 6)} | ${pad('diags', 6)} |`;
console.log(header);
console.log(header.replace(/[^|]/g, '-'));
for (const r of rows) {
  console.log(`| ${r.input.padEnd(26)} | ${pad(r.kb, 6)} | ${r.phase.padEnd(28)} | ${pad(r.medianMs.toFixed(1), 9)} | ${pad(r.minMs.toFixed(1), 7)} | ${pad(r.msPerKb.toFixed(2), 6)} | ${pad(r.diagnostics, 6)} |`);
}

mkdirSync('bench/results', { recursive: true });
const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', load: os.loadavg()[0] ?? 0 };
writeFileSync('bench/results/check-speed.json', `${JSON.stringify({ date: new Date().toISOString(), repeats: REPEATS, machine, rows }, null, 2)}\n`);
console.log(`\nwrote bench/results/check-speed.json (${REPEATS} timed runs each after a warm-up; load ${machine.load.toFixed(2)} on ${machine.cpus} cores)`);

// `lossc explain` (run in-process) and the `explain` library API: IR before and after, each
// rewrite with the file:line:col of the expression it changed, op counts with --stats.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain } from '../src/api.js';
import { main, type Io } from '../src/cli/main.js';
import { footprint, formatSize, type Footprint } from '../src/ir/footprint.js';
import type { IrFunction } from '../src/ir/types.js';
import { frontEnd } from '../src/pipeline.js';

const FILE = relative(process.cwd(), resolve(__dirname, 'fixtures/opt/textbook.loss'));
const DIR = relative(process.cwd(), resolve(__dirname, 'fixtures/opt'));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** 1-based line and column of `needle` in the fixture. */
function position(needle: string): string {
  const text = readFileSync(FILE, 'utf8');
  const at = text.indexOf(needle);
  const lines = text.slice(0, at).split('\n');
  return `${lines.length}:${lines[lines.length - 1]!.length + 1}`;
}

describe('lossc explain', () => {
  it('shows the IR before and after, and each rewrite at its source position', async () => {
    const r = await run('explain', FILE, '--loss', 'bce_on_sigmoid');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const [before, rewrites, after] = r.out.split('\n\n');
    expect(before).toMatch(/^== bce_on_sigmoid: as written/);
    expect(before).toContain('= sigmoid(%0)');
    expect(rewrites!.split('\n')).toEqual([
      '== bce_on_sigmoid: 3 rewrites applied',
      `${FILE}:${position('log(sigmoid(x))')}: log-sigmoid (stability): log(sigmoid(x)) → log_sigmoid(x)`,
      `${FILE}:${position('log(1 - sigmoid(x))')}: log-1-sigmoid (stability): log(1 - sigmoid(x)) → log_sigmoid(-x)`,
      `${FILE}:${position('y * log(sigmoid')}: bce-logits (stability): (y * log_sigmoid(x)) + ((1 - y) * log_sigmoid(-x)) → (y * x) - softplus(x)`,
    ]);
    expect(after).toMatch(/^== bce_on_sigmoid: after optimization/);
    expect(after).toContain('softplus(%0)');
    expect(after).not.toMatch(/= (log_)?sigmoid\(/);
  });

  it('prints each input and hyperparameter as written: its kind, other form, domain and default, in declaration order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-explain-sig-'));
    const file = join(dir, 'sig.loss');
    writeFileSync(file, [
      'loss f(x: [N, C], t: index[N] of C ignore h, u: index[N] of C | [N, C] in [0, 1], y: [N, C] = x, w: [C] in [0, inf) = 1,',
      '       param s: [C] = 0, broadcast b: [N] = 1, m: real in (0, inf) = 0.5, h: int = -100, act: "sigmoid" | "softmax" = "softmax") =',
      '  mean(x * y * w * s + m) + mean(b) + mean(u * x) + mean(real(t))',
    ].join('\n'));
    const r = await run('explain', file, '--loss', 'f');
    rmSync(dir, { recursive: true, force: true });
    expect(r.err).toBe('');
    const want =
      "loss f(x: real[N, C], t: index[N] of C ignore h, u: index[N] of C | real[N, C] in [0, 1], y: real[N, C] = x, w: real[C] in [0, inf) = 1, param s: real[C] = 0, broadcast b: real[N] = 1, m: real in (0, inf) = 0.5, h: int = -100, act: 'sigmoid' | 'softmax' = 'softmax')";
    const signatures = r.out.split('\n').filter((l) => l.startsWith('loss f('));
    expect(signatures).toEqual([want, want]);
  });

  it('--no-opt shows the IR as written only', async () => {
    const r = await run('explain', FILE, '--loss', 'norm_distance', '--no-opt');
    expect(r.code).toBe(0);
    expect(r.out).toContain('sqrt(');
    expect(r.out).not.toContain('after optimization');
    expect(r.out).not.toContain('rewrites applied');
  });

  it('--stats counts the ops of one loss', async () => {
    // As written: sigmoid, log, mul, sub, sub, log, mul, add, mean, neg; after: mul, softplus, sub, mean, neg.
    const r = await run('explain', FILE, '--loss', 'bce_on_sigmoid', '--stats');
    expect(r.out.split('\n').at(-1)).toBe(
      '== bce_on_sigmoid: 10 ops as written, 5 after optimization (add 1 → 0, log 2 → 0, mul 2 → 1, sigmoid 1 → 0, softplus 0 → 1, sub 2 → 1)',
    );
  });

  it('--stats without --loss tabulates every loss of every file', async () => {
    const r = await run('explain', DIR, '--stats');
    expect(r.code).toBe(0);
    const rows = r.out.split('\n');
    expect(rows[0]).toBe('| file | loss | ops as written | ops optimized | rewrites | ops changed |');
    const names = rows.slice(2).map((row) => row.split(' | ')[1]);
    expect(names).toEqual(['naive_softmax_ce', 'neg_log_softmax', 'bce_on_sigmoid', 'log_cosh_naive', 'norm_distance']);
    expect(rows.find((row) => row.includes('| bce_on_sigmoid |'))).toMatch(/\| 10 \| 5 \| 3 \|/);
    // exp, sum, div, gather, log, neg, mean → log_softmax, gather, neg, mean.
    expect(rows.find((row) => row.includes('| naive_softmax_ce |'))).toMatch(/\| 7 \| 4 \| 2 \|/);
  });

  it('reports an unknown loss as a diagnostic, and bad usage with exit code 2', async () => {
    const r = await run('explain', FILE, '--loss', 'bce_on_sigmoud');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error E7001: no loss named 'bce_on_sigmoud'.*bce_on_sigmoid/);
    expect((await run('explain', FILE)).code).toBe(2);
    expect((await run('explain', FILE, DIR, '--loss', 'x')).code).toBe(2);
  });
});

describe('explain (library API)', () => {
  const source = readFileSync(FILE, 'utf8');

  it('returns the IR before and after, the rewrites and the op counts', () => {
    const r = explain(source, FILE, 'log_cosh_naive');
    expect(r.diagnostics).toEqual([]);
    expect(r.before).toContain('cosh(');
    expect(r.after).not.toContain('cosh(');
    expect(r.rewrites.map((w) => w.rule)).toEqual(['log-cosh']);
    expect(r.rewrites[0]!.span?.start.line).toBe(Number(position('log(cosh').split(':')[0]));
    expect(r.stats?.before.byOp.cosh).toBe(1);
    expect(r.stats?.after.byOp.cosh).toBeUndefined();
  });

  it('with optimize: false, only the IR as written', () => {
    const r = explain(source, FILE, 'norm_distance', { optimize: false });
    expect(r.before).toContain('sqrt(');
    expect(r.after).toBeUndefined();
    expect(r.rewrites).toEqual([]);
  });

  it('an unknown loss is a diagnostic', () => {
    const r = explain(source, FILE, 'nope');
    expect(r.before).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E7001']);
  });
});

describe('contractions and largest values (explain)', () => {
  const metric = readFileSync('stdlib/metric.loss', 'utf8');
  const sizes = (f: Footprint | undefined): string[] => (f?.largest ?? []).map((l) => l.size);

  it('batch_hard_triplet: as written an N²·D difference forward and backward; optimized, nothing above N² and N·D', () => {
    const written = explain(metric, 'stdlib/metric.loss', 'batch_hard_triplet', { optimize: false });
    expect(sizes(written.footprint)).toEqual(['D·N²']);
    expect(sizes(written.trainingFootprint)).toEqual(['D·N²']);
    expect(written.footprint!.contractions).toEqual([]);
    const optimized = explain(metric, 'stdlib/metric.loss', 'batch_hard_triplet');
    expect(sizes(optimized.footprint).sort()).toEqual(['D·N', 'N²']);
    expect(sizes(optimized.trainingFootprint).sort()).toEqual(['D·N', 'N²']);
    expect(optimized.footprint!.contractions.map((c) => ({ batch: c.batch, free: c.free, contracted: c.contracted, size: c.size }))).toEqual([
      { batch: [], free: [['i'], ['j']], contracted: ['D'], size: 'N²' },
    ]);
    // The backward pass: the Gram matrix's gradient times the rows, over each side's pairs.
    expect(optimized.trainingFootprint!.contractions.filter((c) => c.size === 'D·N').length).toBeGreaterThanOrEqual(2);
  });

  it('info_nce: batched over nothing, the 2N views on each side: (V·N)² similarities', () => {
    const r = explain(metric, 'stdlib/metric.loss', 'info_nce');
    const c = r.footprint!.contractions;
    expect(c.length).toBe(1);
    expect(c[0]!.contracted).toEqual(['D']);
    expect(c[0]!.size).toBe('N²·V²');
    expect(sizes(r.trainingFootprint)).toContain('N²·V²');
    expect(sizes(r.trainingFootprint).some((s) => s.includes('D') && s.includes('N²'))).toBe(false);
  });

  it('lists sizes that are not ordered side by side; inputs are not values the loss makes', () => {
    const f = footprint(explainFn('loss f(x: [N, D], y: [M]) = mean(exp(x)) + mean(exp(y))'));
    expect(f.largest.map((l) => l.size).sort()).toEqual(['D·N', 'M']);
    expect(formatSize(new Map())).toBe('1');
    expect(formatSize(new Map([['N', 2], ['D', 1]]))).toBe('D·N²');
  });

  it('lossc explain prints both, after the IR', async () => {
    const r = await run('explain', 'stdlib/metric.loss', '--loss', 'batch_hard_triplet');
    expect(r.code).toBe(0);
    expect(r.out).toContain('== batch_hard_triplet: contractions and largest values, forward\n  %');
    expect(r.out).toMatch(/contract: batch \[-\], rows \[i\], columns \[j\], summed \[D\] → N²/);
    expect(r.out).toContain('== batch_hard_triplet: contractions and largest values, forward and backward');
  });
});

function explainFn(source: string): IrFunction {
  const r = frontEnd(source, 'f.loss', { stability: false });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.losses[0]!;
}

// The wording of stability findings and notes, as the issue asked for it: messages quote the
// user's own source (not the inlined or rewritten IR), fix texts parse as meant and remove
// the finding when applied, powers print as the language reads them, "whatever the inputs"
// only when it is so, a def's findings once at the def, a written `empty:` is not reported,
// and a repaired naive form gets a note (info), never a warning.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import type { SourceHost } from '../src/check/program.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';

const stability = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => /^[WI]6/.test(d.code));
const place = (d: Diagnostic): string => `${d.code} ${d.span!.file}:${d.span!.start.line}:${d.span!.start.col}`;
const findings = (source: string, optimize = false, host?: SourceHost): Diagnostic[] =>
  stability(check(source, 'case.loss', { optimize, ...(host ? { host } : {}) }).diagnostics);
const fixOf = (d: Diagnostic): string => d.notes!.find((n) => n.startsWith('fix: '))!.slice('fix: '.length);

const CONTRASTIVE = `loss f(a: [N, D], b: [N, D], t: real in (0, inf) = 0.01) =
  -mean(log(exp(p / t) / sum(exp(s[i, j] / t), j)))
  where s[i, j] = dot(normalize(a, D)[i], normalize(b, D)[j], D)
        p[i]    = s[i, i]`;

describe('stability messages', () => {
  it('quote the expression as the user wrote it, not its inlined bindings', () => {
    const ds = findings(CONTRASTIVE);
    const overflow = ds.find((d) => d.code === 'W6005' && d.span!.start.col === 13)!;
    expect(overflow.message).toMatch(/^exp\(p \/ t\): exp overflows float32 above 88\.7: a = 1, b = 1 and t = 0\.01 gives exp\(100\) = Infinity$/);
    // The fix names the stable form in the same terms: a - logsumexp(x), the positive term apart.
    expect(fixOf(overflow)).toBe('write p / t - logsumexp(s[i, j] / t, j) instead of log(exp(p / t) / sum(exp(s[i, j] / t), j))');
    for (const d of ds) expect(d.message).not.toContain('where: i == j');
  });

  it('apply the suggested stable form: it has no finding, with or without the optimizer', () => {
    const fixed = CONTRASTIVE.replace('-mean(log(exp(p / t) / sum(exp(s[i, j] / t), j)))', '-mean(p / t - logsumexp(s[i, j] / t, j))');
    expect(findings(fixed, false).filter((d) => d.code.startsWith('W'))).toEqual([]);
    expect(findings(fixed, true)).toEqual([]);
  });

  it('quote a folded temperature as written: exp(1 / 0.01), with the optimizer too', () => {
    for (const optimize of [false, true]) {
      const d = findings('loss f(s: [N]) = mean(s * exp(1 / 0.01))', optimize).find((x) => x.code === 'W6005');
      expect(d!.message).toBe('exp(1 / 0.01): exp overflows float32 above 88.7: whatever the inputs, exp(100) = Infinity');
    }
  });

  it('print a negative base in parentheses: (-1)^1.5, not -1^1.5 (which is -(1^1.5) = -1)', () => {
    const [d] = findings('loss f(x: [N]) = mean(x ^ 1.5)');
    expect(d!.message).toContain('x = -1 gives (-1)^1.5 = NaN');
  });

  it("W6003: the fix adds the epsilon to the whole denominator, and applied removes the finding", () => {
    const source = 'loss f(x: [N], w: [N] in [0, inf), m: bool = true) = mean(x) / (if m then mean(w) else 1)';
    const [d] = findings(source);
    expect(d!.code).toBe('W6003');
    const fix = fixOf(d!);
    expect(fix).toContain('… / ((if m then mean(w) else 1) + 1e-6) for a non-negative one');
    const applied = source.replace('/ (if m then mean(w) else 1)', fix.match(/… (\/ \(\(if m then mean\(w\) else 1\) \+ 1e-6\))/)![1]!);
    expect(applied).toContain('+ 1e-6)');
    expect(findings(applied).filter((x) => x.code === 'W6003')).toEqual([]);
  });

  it('W6003: the denominator by the name the user bound, and the fix with it works', () => {
    const source = 'loss iou(a1: [N], b1: [N], a2: [N], b2: [N]) = mean(1 - inter / union)\n  where inter = relu(min(b1, b2) - max(a1, a2))\n        union = (b1 - a1) + (b2 - a2) - inter';
    const d = findings(source).find((x) => x.code === 'W6003')!;
    expect(d.message).toContain('gives union = 0 and inter / union = 0/0 = NaN');
    expect(fixOf(d)).toContain('… / (union + 1e-6) for a non-negative one, or … / max(union, 1e-6)');
    expect(findings(source.replace('inter / union', 'inter / (union + 1e-6)')).filter((x) => x.code === 'W6003')).toEqual([]);
  });

  it('name the inputs instead of claiming "whatever the inputs" when another value avoids it', () => {
    // x = 0, 1, -1 and 0.5 all give log of a negative, but x = 20 does not.
    const [d] = findings('loss f(x: [N]) = mean(log(x - 2))');
    expect(d!.message).toContain('x = 0 gives log(-2) = NaN');
    expect(d!.message).not.toContain('whatever');
    // Pairwise distances are 0 on the diagonal only: said so, not 'whatever the inputs'.
    const pairwise = findings('loss f(e: [N, D]) = mean(dist)\n  where dist[i, j] = norm(e[i] - e[j], D)')[0]!;
    expect(pairwise.message).toContain('i = j gives norm(e[i] - e[j], D) = 0');
    // A constant is that whatever the inputs.
    expect(findings('loss f(s: [N]) = mean(s + log(0))')[0]!.message).toContain('whatever the inputs, log(0) = -Infinity');
  });

  it("report an imported def's finding once, at the def, however many losses use it", () => {
    const lib = 'def nll(p: [N] in [0, 1]) = -mean(log(p))';
    const host: SourceHost = { readFile: (path) => (path.endsWith('lib.loss') ? lib : undefined) };
    const main = 'import { nll } from "./lib"\nloss f(p: [N] in [0, 1]) = nll(p)\nloss g(q: [N] in [0, 1]) = 2 * nll(q)\nloss h(r: [N] in [0, 1]) = nll(r) + 1';
    const ds = findings(main, false, host);
    expect(ds.map(place)).toEqual(['W6001 lib.loss:1:35']);
    expect(ds[0]!.message).toMatch(/^log\(p\): log of a value that can be 0/);
  });

  it('W6013: 0 · Infinity at the product, with a fix that removes it when applied', () => {
    const source = 'loss entropy(p: [N] in [0, 1]) = -mean(p * log(p))';
    const d = findings(source).find((x) => x.code === 'W6013')!;
    expect(place(d)).toBe('W6013 case.loss:1:40');
    expect(d.message).toBe('p * log(p): a product of 0 and an infinity is NaN: p = 0 gives p = 0 and log(p) = -Infinity: 0 · -Infinity = NaN');
    const fix = fixOf(d).match(/: (p \* log\(max\(p, 1e-12\)\))/)![1]!;
    expect(findings(source.replace('p * log(p)', fix))).toEqual([]);
    // A computed overflow times a label of 0, in the product's own terms.
    const e = findings('loss f(x: [N], y: [N] in {0, 1}) = mean(y * exp(x))').find((x) => x.code === 'W6013')!;
    expect(e.message).toContain('x = 100 and y = 0 gives y = 0 and exp(x) = Infinity: 0 · Infinity = NaN');
    expect(fixOf(e)).toContain('if y != 0 then y * exp(x) else 0');
  });

  it('no W6002 in a branch the condition keeps the argument in the domain of, or that cannot be taken', () => {
    const source = [
      'loss a(x: [N]) = mean(if x > 1 then log(x - 1) else 0)',
      'loss b(p: [N] in [0, 1]) = mean(if p > 1 then log(p - 1) else p)',
      'loss c(x: [N], m: bool[N]) = mean(if m and x > 2 then log(x - 2) else 0)',
      'loss d(x: [N]) = mean(if not (x <= 1) then log(x - 1) else 0)',
      'loss e(x: [N]) = mean(log(x - 1), where: x > 1)',
    ].join('\n');
    expect(findings(source).filter((d) => d.code === 'W6002' || d.code === 'W6001')).toEqual([]);
    // The same log unguarded is reported.
    expect(findings('loss a(x: [N]) = mean(log(x - 1))').map((d) => d.code)).toEqual(['W6002']);
  });

  it("report the default empty of a masked logsumexp, not an 'empty: -inf' the user wrote", () => {
    expect(findings('loss f(x: [N, C], m: bool[N, C]) = mean(logsumexp(x, C, where: m))').map((d) => d.code)).toEqual(['W6004']);
    expect(findings('loss f(x: [N, C], m: bool[N, C]) = mean(max(logsumexp(x, C, where: m, empty: -inf), 0))')).toEqual([]);
  });
});

describe('notes on repaired naive forms (I6030)', () => {
  it('name the naive form at its place and the stable form it is computed as, as info', () => {
    const ds = findings(CONTRASTIVE, true);
    expect(ds.map(place)).toEqual(['I6030 case.loss:2:9']);
    const [note] = ds;
    expect(note!.severity).toBe('info');
    expect(note!.message).toBe('log(exp(p / t) / sum(exp(s[i, j] / t), j)) is computed as p / t - logsumexp(s[i, j] / t, j), its stable form: written so, it stays stable under --no-opt too (softmax-split, log-exp)');
  });

  it('for log of a product, BCE on probabilities by hand and a gathered softmax', () => {
    const source = [
      'loss a(p: [N, D] in (0, inf)) = mean(log(prod(p, D)))',
      'loss b(x: [N], y: [N] in {0, 1}) = -mean(y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))',
      'loss c(x: [N, C], t: index[N] of C) = -mean(log(exp(x)[t] / sum(exp(x), C)))',
    ].join('\n');
    const notes = findings(source, true).filter((d) => d.code === 'I6030').map((d) => d.message.replace(/, its stable form.*/, ''));
    expect(notes).toEqual([
      'log(prod(p, D)) is computed as sum(log(p), D)',
      'y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)) is computed as y * x - softplus(x)',
      'log(exp(x)[t] / sum(exp(x), C)) is computed as log_softmax(x, C)[t]',
    ]);
  });

  it('none for stable forms, for the builtin norm, or without the optimizer', () => {
    expect(findings('loss f(x: [N, C], t: index[N] of C) = -mean(log_softmax(x, C)[t])', true)).toEqual([]);
    expect(findings('loss f(a: [N, D], p: [N, D]) = mean(norm(a - p, D))', true).filter((d) => d.code === 'I6030')).toEqual([]);
    expect(findings('loss f(p: [N, D] in (0, inf)) = mean(log(prod(p, D)))', false).filter((d) => d.code === 'I6030')).toEqual([]);
  });

  it('are printed by lossc check (dist/, from npm run build) and leave --max-warnings and the exit code alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-notes-'));
    const file = join(dir, 'naive.loss');
    writeFileSync(file, 'loss c(x: [N, C], t: index[N] of C) = -mean(log(exp(x)[t] / sum(exp(x), C)))\n');
    const r = spawnSync(process.execPath, ['bin/lossc.js', 'check', '--max-warnings', '0', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${file}:1:45: info I6030: log(exp(x)[t] / sum(exp(x), C)) is computed as log_softmax(x, C)[t]`);
    expect(r.stderr).toContain('0 errors, 0 warnings');
  });
});

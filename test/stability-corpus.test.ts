// The naive-formula corpus (test/fixtures/stability): every expected finding, with its code, at
// the column a caret comment points to; without the optimizer each must be reported, with it
// each must be reported or covered by a rewrite the optimizer reports. The stable forms and
// the whole stdlib have no findings.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { DIAGNOSTICS } from '../src/diagnostics/codes.js';
import { formatDiagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import type { AppliedRewrite } from '../src/opt/index.js';
import { carets, covers } from './helpers/carets.js';

const DIR = 'test/fixtures/stability';

const at = (x: { line: number; col: number }): string => `${x.line}:${x.col}`;
const stability = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.code.startsWith('W6'));
const found = (ds: readonly Diagnostic[]): string[] => stability(ds).map((d) => `${d.code} ${at(d.span!.start)}`).sort();


const corpus = readdirSync(DIR).filter((f) => f.endsWith('.loss') && f !== 'stable.loss');

describe('the naive-formula corpus', () => {
  it('holds the hazards of the issue, each expected somewhere', () => {
    const codes = new Set(corpus.flatMap((f) => carets(readFileSync(join(DIR, f), 'utf8')).map((e) => e.code)));
    for (const code of ['W6001', 'W6002', 'W6003', 'W6004', 'W6005', 'W6006', 'W6007', 'W6008', 'W6010', 'W6011', 'W6012', 'W6013']) expect(codes).toContain(code);
  });

  for (const file of corpus) {
    const text = readFileSync(join(DIR, file), 'utf8');
    const expected = carets(text);

    it(`${file}: exactly the expected findings without the optimizer`, () => {
      const r = check(text, file, { optimize: false });
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
      expect(found(r.diagnostics)).toEqual(expected.map((e) => `${e.code} ${at(e)}`).sort());
    });

    it(`${file}: with the optimizer, each one still reported or fixed by a reported rewrite`, () => {
      const r = check(text, file);
      const rewrites = [...((r as { rewrites?: ReadonlyMap<string, readonly AppliedRewrite[]> }).rewrites?.values() ?? [])].flat();
      const reported = found(r.diagnostics);
      for (const e of expected) {
        const fixed = rewrites.filter((w) => covers(w, e));
        expect(reported.includes(`${e.code} ${at(e)}`) || fixed.length > 0, `${file}:${at(e)} ${e.code} is neither reported nor fixed`).toBe(true);
      }
      // The optimizer may remove findings, never add them.
      const allowed = new Set(expected.map((e) => `${e.code} ${at(e)}`));
      expect(reported.filter((f) => !allowed.has(f))).toEqual([]);
    });
  }

  it('every finding has a source span, a sentence naming what triggers it and a fix', () => {
    for (const file of corpus) {
      for (const d of stability(check(readFileSync(join(DIR, file), 'utf8'), file, { optimize: false }).diagnostics)) {
        expect(d.span?.file).toBe(file);
        expect(d.severity).toBe('warning');
        expect(d.message).toMatch(/ gives |whatever the inputs/);
        expect(d.notes?.some((n) => n.startsWith('fix: '))).toBe(true);
      }
    }
  });
});

/** Findings whose wording was derived by hand from the formula (not from the checker's output). */
const MESSAGES: readonly { file: string; loss: string; code: string; says: readonly string[] }[] = [
  { file: 'log.loss', loss: 'neg_log', code: 'W6001', says: ['pred = 0 gives log(0) = -Infinity', 'log(max(pred, 1e-7))'] },
  { file: 'logits.loss', loss: 'bce_on_logits', code: 'W6002', says: ['x = -1 gives log(-1) = NaN', 'logits'] },
  { file: 'logits.loss', loss: 'poisson_naive', code: 'W6005', says: ['x = 100 gives exp(100) = Infinity'] },
  { file: 'regression.loss', loss: 'l2_distance', code: 'W6010', says: ['a = p gives norm(a - p, D) = 0', 'sqrt(sum((a - p)^2, D) + 1e-12)'] },
  { file: 'regression.loss', loss: 'pairwise_distance', code: 'W6010', says: ['i = j gives norm(e[i] - e[j], D) = 0'] },
  { file: 'regression.loss', loss: 'log_cosh_naive', code: 'W6005', says: ['cosh(', ') = Infinity', 'abs(pred - target) + softplus(-2 * abs(pred - target)) - log(2)'] },
  { file: 'mask.loss', loss: 'masked_mean', code: 'W6004', says: ['m = false gives count(m) = 0', '0/0 = NaN', 'mean(x, where: mask)'] },
  { file: 'cancellation.loss', loss: 'one_minus_sigmoid', code: 'W6006', says: ['x = 20 gives 1 - sigmoid(x) = 0 instead of 2.06115', 'sigmoid(-x)'] },
  { file: 'cancellation.loss', loss: 'log_one_plus', code: 'W6007', says: ['x = 1e-8 gives log(1 + x) = 0 instead of 1e-8', 'log1p(x)'] },
  { file: 'softmax.loss', loss: 'ce_by_hand', code: 'W6005', says: ['x = 100 gives exp(100) = Infinity', 'softmax(x, C)'] },
  { file: 'gradient.loss', loss: 'guarded_log', code: 'W6012', says: ['p = 0 gives log(0) = -Infinity', 'log(max(p, 1e-7))'] },
  { file: 'gradient.loss', loss: 'focal_weight', code: 'W6011', says: ['p = 1', 'gamma = 0.5', 'Infinity'] },
];

describe('finding messages', () => {
  for (const m of MESSAGES) {
    it(`${m.file} ${m.loss}: ${m.code} says ${m.says[0]}`, () => {
      const text = readFileSync(join(DIR, m.file), 'utf8');
      const r = check(text, m.file, { optimize: false });
      const fn = r.losses.find((l) => l.name === m.loss)!;
      const inLoss = stability(r.diagnostics).filter((d) => d.code === m.code && d.span!.start.offset >= fn.span!.start.offset && d.span!.start.offset <= fn.span!.end.offset);
      expect(inLoss.length).toBeGreaterThan(0);
      const text2 = formatDiagnostic(inLoss[0]!);
      for (const s of m.says) expect(text2).toContain(s);
    });
  }

  it('the W6xxx codes are all in the numeric-stability range of the one code table', () => {
    const ours = Object.values(DIAGNOSTICS).filter((d) => d.code.startsWith('W6'));
    expect(ours.length).toBeGreaterThanOrEqual(12);
    for (const d of ours) expect(d.severity).toBe('warning');
  });
});

describe('no false alarms', () => {
  const stable = readFileSync(join(DIR, 'stable.loss'), 'utf8');
  it('the stable forms of the corpus have no findings, with or without the optimizer', () => {
    expect(stability(check(stable, 'stable.loss', { optimize: false }).diagnostics).map((d) => formatDiagnostic(d))).toEqual([]);
    expect(stability(check(stable, 'stable.loss').diagnostics).map((d) => formatDiagnostic(d))).toEqual([]);
    expect(check(stable, 'stable.loss').losses.length).toBeGreaterThanOrEqual(20);
  });

  it('the whole stdlib checks with zero warnings', () => {
    const files = readdirSync('stdlib').filter((f) => f.endsWith('.loss'));
    const warnings = files.flatMap((f) => check(readFileSync(join('stdlib', f), 'utf8'), join('stdlib', f), { host: fsHost }).diagnostics.filter((d) => d.severity !== 'info'));
    expect(warnings.map((d) => formatDiagnostic(d))).toEqual([]);
  });
});

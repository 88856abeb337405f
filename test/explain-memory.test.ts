// `lossc explain` shows each loss's memory plan (src/grad/saved.ts, memory-report.ts): per
// backward pass, what the forward saves for it and what it recomputes, with shapes in dims and
// bytes as polynomials of the dims. Run as a process (bin/lossc.js runs dist/: npm run build).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lossc-explain-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lossc = (...args: string[]) => run('node', ['bin/lossc.js', ...args]);

/** The lines of the memory section of an explain output. */
function memorySection(out: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.includes('memory of the backward pass'));
  expect(start, 'a memory section').toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, k) => k > start && l.startsWith('=='));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== '');
}

describe('lossc explain: the memory plan', () => {
  it('batch_hard_triplet: saves the [N, N] distance and its mask, recomputes the selects and label masks, with sizes', async () => {
    const r = await lossc('explain', 'stdlib/metric.loss', '--loss', 'batch_hard_triplet');
    expect(r.status, r.stderr).toBe(0);
    const section = memorySection(r.stdout);
    // Saved: the inputs (no copy), the [N, N] mask and square root, per-row values.
    expect(section).toContain('    saves e (input): [N, D] float32');
    expect(section).toContain('    saves label (input): [N] int32');
    expect(section.some((l) => /^ {4}saves %\d+ le: \[N, N\] bool, N² bytes$/.test(l))).toBe(true);
    expect(section.some((l) => /^ {4}saves %\d+ sqrt: \[N, N\] float32, 4·N² bytes$/.test(l))).toBe(true);
    // Recomputed: the clamped distance (a select of the saved ones) and the label masks.
    expect(section.some((l) => /^ {4}recomputes %\d+ select: \[N, N\] float32$/.test(l))).toBe(true);
    expect(section.some((l) => /^ {4}recomputes %\d+ eq: \[N, N\] bool$/.test(l))).toBe(true);
    // The only [N, N] float32 value saved is the square root; the [N, D] ones are recomputed.
    expect(section.filter((l) => l.includes('saves') && l.includes('[N, N] float32'))).toHaveLength(1);
    expect(section.filter((l) => l.includes('saves %') && l.includes('[N, D]'))).toEqual([]);
    // The totals: fewer N² bytes than saving every value read, and no N·D term.
    const total = section.find((l) => l.includes('saved in all'))!;
    const [, saved, read] = /saved in all: (.*) \(saving every value the backward reads: (.*)\)$/.exec(total)!;
    const coefficient = (poly: string, term: string): number => {
      const m = new RegExp(`(?:^|\\+ )(?:(\\d+)·)?${term}(?: |$)`).exec(poly);
      return m ? Number(m[1] ?? 1) : 0;
    };
    expect(coefficient(saved!, 'N²')).toBeGreaterThan(0);
    expect(coefficient(saved!, 'N²')).toBeLessThan(coefficient(read!, 'N²'));
    expect(coefficient(saved!, 'D·N')).toBe(0);
    expect(coefficient(read!, 'D·N')).toBe(8);
    expect(section).toContain('  backward of the per-sample losses (with a reduction or weights option): as above');
    // Beside the contractions and largest values already shown.
    expect(r.stdout).toContain('contractions and largest values, forward and backward');
  });

  it('a loss of the user with nothing to recompute: every value read is saved, and the totals agree', async () => {
    const file = path.join(dir, 'plain.loss');
    writeFileSync(file, 'loss softplus_mean(x: [N]) = mean(softplus(x), N)\n');
    const r = await lossc('explain', file, '--loss', 'softplus_mean');
    expect(r.status, r.stderr).toBe(0);
    const section = memorySection(r.stdout);
    expect(section.filter((l) => l.includes('recomputes'))).toEqual([]);
    const total = section.find((l) => l.includes('saved in all'))!;
    const [, saved, read] = /saved in all: (.*) \(saving every value the backward reads: (.*)\)/.exec(total)!;
    expect(saved).toBe(read);
  });
  it("a divided mean (cross_entropy's class weights): the denominators' backward pass is listed with the others", async () => {
    const r = await lossc('explain', 'stdlib/classification.loss', '--loss', 'cross_entropy');
    expect(r.status, r.stderr).toBe(0);
    const section = memorySection(r.stdout);
    const titles = section.filter((l) => l.startsWith('  backward of'));
    expect(titles).toEqual([
      '  backward of the loss:',
      '  backward of the per-sample losses (with a reduction or weights option):',
      "  backward of the mean's denominators (with a reduction or weights option):",
    ]);
    // Σ weight[t] over the kept samples reads the class indices only: nothing of the logits'
    // size is saved for it, and it has its own totals line.
    const own = section.slice(section.indexOf(titles[2]!) + 1);
    expect(own).toContain('    saves t (input): [...] int32');
    expect(own.filter((l) => l.includes('C] float32'))).toEqual([]);
    expect(own.filter((l) => l.includes('saved in all'))).toHaveLength(1);
  });
});

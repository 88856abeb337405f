// A loss runs when the file's errors are all in losses and defs it does not use: a
// half-written loss next to it (in the playground, or a file being edited) does not stop it.
// The errors are still reported. Anything the loss reaches having an error still stops it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const run = (text: string, loss: string) => evaluate(text, 'case.loss', { loss, inputs: { x: [1, 2, 6] }, backend: 'cpu' });
const errors = (r: Awaited<ReturnType<typeof run>>): string[] => r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));

describe('evaluate beside errors', () => {
  it('runs a loss beside one with a syntax error, and reports the error', async () => {
    const r = await run('loss bad(x: [N]) = mean(x +)\nloss good(x: [N]) = mean(x)', 'good');
    expect(r.loss).toBe(3);
    expect(errors(r)).toEqual(["case.loss:1:28: error E1010: expected an expression but found ')'"]);
  });

  it('runs a loss beside one with a type error, and beside a broken def it does not use', async () => {
    const text = 'def helper(x: [N]) = mean(x) + nothing\nloss uses(x: [N]) = helper(x)\nloss fine(x: [N]) = max(x, N)';
    const r = await run(text, 'fine');
    expect(r.loss).toBe(6);
    expect(errors(r)).toEqual(["case.loss:1:32: error E2001: unknown name 'nothing'"]);
  });

  it('refuses a loss that uses the broken def, or has an error of its own', async () => {
    const text = 'def helper(x: [N]) = mean(x) + nothing\nloss uses(x: [N]) = helper(x)\nloss own(x: [N]) = mean(y)';
    for (const loss of ['uses', 'own']) {
      const r = await run(text, loss);
      expect(r.loss, loss).toBeUndefined();
      expect(errors(r).length).toBeGreaterThan(0);
    }
  });

  it('refuses a loss defined twice: which one is meant is not for the evaluator to guess', async () => {
    const r = await run('loss good(x: [N]) = mean(x)\nloss good(x: [N]) = sum(x)', 'good');
    expect(r.loss).toBeUndefined();
  });

  it('lossc eval prints the neighbour\'s error and the value, and exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-neighbours-'));
    writeFileSync(join(dir, 'm.loss'), 'loss bad(x: [N]) = mean(x +)\nloss good(x: [N]) = mean(x)\n');
    writeFileSync(join(dir, 'in.json'), '{"x": [1, 2, 6]}');
    const r = spawnSync(process.execPath, ['bin/lossc.js', 'eval', join(dir, 'm.loss'), '--loss', 'good', '--inputs', join(dir, 'in.json')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe('good = 3\n');
    expect(r.stderr).toContain("m.loss:1:28: error E1010: expected an expression but found ')'");
    expect(r.status).toBe(0);
  });
});

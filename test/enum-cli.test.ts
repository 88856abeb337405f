// Hyperparameters of strings through the real processes: `lossc eval --set act=...` (the
// tfjs evaluator and the PyTorch backend), and the Python module `lossc compile --target
// pytorch` writes, called by Python with a str. Values against a float64 oracle written here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, torchMissing } from './helpers/torch.js';

const SOURCE = `loss act_ce(x: [N, C], t: [N, C] in [0, 1], act: 'softmax' | 'sigmoid' = 'softmax') =
  mean(-sum(t * lp, C))
  where lp = if act == 'softmax' then log_softmax(x, C) else log_sigmoid(x)
`;
const X = [[0.2, 0.3, 0.1], [0.4, 0.1, 0.35]];
const T = [[1, 0, 0], [0, 0.5, 0.5]];

/** float64: mean over rows of -Σ_c t·log p, p = softmax or sigmoid of the row. */
function oracle(act: 'softmax' | 'sigmoid'): number {
  const rows = X.map((row, n) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    const lp = row.map((v) => (act === 'softmax' ? v - lse : -Math.log1p(Math.exp(-v))));
    return -lp.reduce((a, l, c) => a + T[n]![c]! * l, 0);
  });
  return (rows[0]! + rows[1]!) / 2;
}

let dir = '';
const lossc = (...args: string[]) => spawnSync('node', ['bin/lossc.js', ...args], { encoding: 'utf8', env: { ...process.env, LOSSC_PYTHON: PYTHON } });
const valueOf = (stdout: string): number => Number(/^act_ce = (\S+)$/m.exec(stdout)?.[1]);

beforeAll(() => {
  expect(existsSync('dist/src/cli/main.js'), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'lossc-enum-'));
  writeFileSync(join(dir, 'act.loss'), SOURCE);
  writeFileSync(join(dir, 'in.json'), JSON.stringify({ x: X, t: T }));
  writeFileSync(join(dir, 'in-sigmoid.json'), JSON.stringify({ x: X, t: T, act: 'sigmoid' }));
});

describe('lossc eval with a hyperparameter of strings', () => {
  it.each([
    ['--set act=sigmoid', ['--set', 'act=sigmoid'], 'sigmoid'],
    ["--set act='sigmoid' (quoted)", ['--set', "act='sigmoid'"], 'sigmoid'],
    ['the default', [], 'softmax'],
  ] as const)('%s: the oracle\'s value', (_, extra, act) => {
    const r = lossc('eval', join(dir, 'act.loss'), '--loss', 'act_ce', '--inputs', join(dir, 'in.json'), ...extra);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(Math.abs(valueOf(r.stdout) - oracle(act)) / oracle(act)).toBeLessThan(3e-7);
  });

  it('reads the string from the inputs file too', () => {
    const r = lossc('eval', join(dir, 'act.loss'), '--loss', 'act_ce', '--inputs', join(dir, 'in-sigmoid.json'));
    expect(Math.abs(valueOf(r.stdout) - oracle('sigmoid')) / oracle('sigmoid')).toBeLessThan(3e-7);
  });

  it('refuses a string not in the list at the declaration, before running (E7015)', () => {
    const r = lossc('eval', join(dir, 'act.loss'), '--loss', 'act_ce', '--inputs', join(dir, 'in.json'), '--set', 'act=relu');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${join(dir, 'act.loss')}:1:45: error E7015: "relu" for 'act' of loss 'act_ce' is outside its declared domain 'softmax' | 'sigmoid'\n`);
  });

  it('a string for a number is refused with the hyperparameter named', () => {
    writeFileSync(join(dir, 'scaled.loss'), 'loss scaled(x: [N], k: real = 2) = k * mean(x)\n');
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ x: [1, 2] }));
    const r = lossc('eval', join(dir, 'scaled.loss'), '--loss', 'scaled', '--inputs', join(dir, 'x.json'), '--set', 'k=two');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`lossc: error E7003: input 'k' of loss 'scaled': expected a number, got "two"\n`);
  });
});

describe.skipIf(torchMissing() !== undefined)('the PyTorch target takes a str (real PyTorch)', () => {
  it.each(['softmax', 'sigmoid'] as const)("lossc eval --backend torch --set act=%s: the oracle's value", (act) => {
    const r = lossc('eval', join(dir, 'act.loss'), '--loss', 'act_ce', '--inputs', join(dir, 'in.json'), '--set', `act=${act}`, '--backend', 'torch');
    expect(r.stderr).toBe('');
    expect(Math.abs(valueOf(r.stdout) - oracle(act)) / oracle(act)).toBeLessThan(3e-7);
  });

  it("the Python module's signature, its value in float64, and a ValueError listing the strings", () => {
    const out = join(dir, 'py');
    const c = lossc('compile', join(dir, 'act.loss'), '--target', 'pytorch', '--out', out);
    expect(c.status).toBe(0);
    const py = readFileSync(join(out, 'act.py'), 'utf8');
    expect(py).toContain('def act_ce(x: TensorLike, t: TensorLike, *, act: str = "softmax", ');
    expect(py).toContain("        act: hyperparameter, one of 'softmax' | 'sigmoid', default \"softmax\"\n");
    const script = [
      'import sys, torch',
      `sys.path.insert(0, ${JSON.stringify(out)})`,
      'from act import act_ce',
      `x = torch.tensor(${JSON.stringify(X)}, dtype=torch.float64)`,
      `t = torch.tensor(${JSON.stringify(T)}, dtype=torch.float64)`,
      "print(repr(act_ce(x, t, act='sigmoid').item()))",
      'for bad in ("relu", 3):',
      '    try:',
      '        act_ce(x, t, act=bad)',
      '    except (ValueError, TypeError) as e:',
      '        print(type(e).__name__ + ": " + str(e))',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const [value, ...errors] = r.stdout.trim().split('\n');
    expect(Math.abs(Number(value) - oracle('sigmoid'))).toBeLessThan(1e-12);
    expect(errors).toEqual([
      "ValueError: act_ce: option 'act' must be one of 'softmax' | 'sigmoid', but is 'relu'",
      "TypeError: act_ce: option 'act' must be a string, one of 'softmax' | 'sigmoid', but is 3",
    ]);
  });
});

// `lossc compile --target pytorch` and `lossc eval --backend torch`, run as processes
// (node bin/lossc.js runs dist/: `npm run build` first): the modules written, importable and
// right in real PyTorch; the playground's inputs JSON giving what the tfjs backend gives;
// refusals with a message and the documented exit code. The processes run side by side
// (describe.concurrent, test/helpers/process.ts): each test is about a process's output.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { COMMANDS } from '../src/cli/usage.js';
import { lossc as losscProcess, run, type ProcessResult } from './helpers/process.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

const lossc = (...args: string[]): Promise<ProcessResult> => losscProcess(args, { env: { ...process.env, LOSSC_PYTHON: PYTHON } });
/** `python -c script` with the Python that imports torch. */
const python = (script: string): Promise<ProcessResult> => run(PYTHON, ['-c', script]);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'lossc-torch-cli-'));

describe.skipIf(torchMissing() !== undefined)('the PyTorch target on the command line (real PyTorch)', () => {
  // The stdlib compiled once, for the tests that import it.
  const out = tmp();
  let compiled: ProcessResult | undefined;
  beforeAll(async () => {
    compiled = await losscProcess(['compile', '--target', 'pytorch', 'stdlib', '--out', out], { env: { ...process.env, LOSSC_PYTHON: PYTHON }, timeoutMs: 170_000 });
  }, 180_000);

  const inputsDir = tmp();
  const write = (name: string, value: unknown): string => {
    const path = join(inputsDir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  describe.concurrent('processes only', () => {
    it('compile --target pytorch writes a module per file and the runtime; Python imports them and they compute torch’s value', async () => {
      expect(compiled!.stderr).toContain('lossc: wrote 8 files');
      expect(compiled!.status).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['classification.py', 'detection.py', 'generative.py', 'lossc_torch.py', 'metric.py', 'multitask.py', 'regression.py', 'segmentation.py']);
      const script = [
        'import sys, torch, torch.nn.functional as F',
        `sys.path.insert(0, ${JSON.stringify(out)})`,
        'import classification as C, multitask as M',
        'x = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]]); t = torch.tensor([0, 2])',
        'print(abs(C.cross_entropy(x, t, label_smoothing=0.1).item() - F.cross_entropy(x, t, label_smoothing=0.1).item()) < 1e-6)',
        'm = M.UncertaintyWeightingLoss(T=3)',
        'print([n for n, _ in m.named_parameters()], m(torch.tensor([1.0, 2.0, 3.0])).item())',
        'print(C.cross_entropy.__doc__.splitlines()[0])',
      ].join('\n');
      const py = await python(script);
      expect(py.stderr).toBe('');
      expect(py.stdout.trim().split('\n')).toEqual(['True', "['log_vars'] 6.0", 'Cross-entropy of logits against class indices (tutorial §3.2): -Σ_c q_c log softmax(x)_c']);
    });

    it("docs/pytorch.md's Python example runs as written against the compiled stdlib", async () => {
      expect(compiled!.status).toBe(0);
      const blocks = [...readFileSync('docs/pytorch.md', 'utf8').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
      expect(blocks.length).toBeGreaterThan(0);
      for (const py of await Promise.all(blocks.map((block) => python(block.replace('"build/torch"', JSON.stringify(out)))))) {
        expect(py.stderr).toBe('');
        expect(py.status).toBe(0);
      }
    });

    it('a file name that is no Python identifier gives a module name that is, beside its own runtime in a subfolder', async () => {
      const src = tmp();
      mkdirSync(join(src, 'sub'));
      writeFileSync(join(src, 'sub', 'my-losses.loss'), 'loss sq(x: [N]) = mean(x^2)\n');
      const out = tmp();
      const r = await lossc('compile', '--target', 'pytorch', src, '--out', out);
      expect(r.status, r.stderr).toBe(0);
      expect(readdirSync(join(out, 'sub')).sort()).toEqual(['lossc_torch.py', 'my_losses.py']);
      const py = await python(`import sys; sys.path.insert(0, ${JSON.stringify(join(out, 'sub'))}); import torch, my_losses; print(my_losses.sq(torch.tensor([1.0, 3.0])).item())`);
      expect(py.stderr).toBe('');
      expect(py.stdout.trim()).toBe('5.0');
    });

    it('refuses to overwrite a file it did not write, and writes over its own', async () => {
      const out = tmp();
      writeFileSync(join(out, 'regression.py'), 'my own code\n');
      const r = await lossc('compile', '--target', 'pytorch', 'stdlib/regression.loss', '--out', out);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${join(out, 'regression.py')} exists and was not written by lossc; refusing to overwrite it`);
      expect(readFileSync(join(out, 'regression.py'), 'utf8')).toBe('my own code\n');
      writeFileSync(join(out, 'regression.py'), '# Generated by lossc from an older stdlib/regression.loss.\n');
      expect((await lossc('compile', '--target', 'pytorch', 'stdlib/regression.loss', '--out', out)).status).toBe(0);
      expect(readFileSync(join(out, 'regression.py'), 'utf8')).toContain('def huber(');
    });

    it.each([
      [['compile', '--target', 'pytorch', 'stdlib/regression.loss'], '--target pytorch needs --out DIR'],
      [['compile', '--target', 'pytorch', '--js', 'stdlib/regression.loss', '--out', 'x'], '--js writes JavaScript'],
      [['compile', '--target', 'tensorflow', 'stdlib/regression.loss'], "--target must be wasm or cpu, not 'tensorflow'"],
      [['eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', 'x.json', '--backend', 'jax'], "--backend must be wasm or cpu (TensorFlow.js) or torch (PyTorch), not 'jax'"],
    ])('usage: %j → exit 2, %s', async (args, message) => {
      const r = await lossc(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
    });
  });
  const CASES: readonly { file: string; loss: string; inputs: unknown; extra?: string[] }[] = [
    { file: 'stdlib/classification.loss', loss: 'cross_entropy', inputs: { x: [[2, -1, 0.5], [0.1, 0.2, 3]], t: [0, 2], label_smoothing: 0.1 } },
    { file: 'stdlib/metric.loss', loss: 'triplet_margin', inputs: { a: [[0, 1], [1, 0]], pos: [[0, 1], [1, 1]], neg: [[1, 1], [0, 0]] }, extra: ['--set', 'swap=true', '--reduction', 'none'] },
    { file: 'stdlib/multitask.loss', loss: 'uncertainty_weighting', inputs: { task_losses: [1, 2, 3], log_vars: [0.5, -0.5, 0] } },
  ];
  it.each(CASES.map((c) => ({ ...c, title: `${c.loss} ${(c.extra ?? []).join(' ')}` })))('eval --backend torch --grad --json = eval --backend cpu: $title', async (c) => {
    const inputs = write(`${c.loss}.json`, c.inputs);
    const args = ['eval', c.file, '--loss', c.loss, '--inputs', inputs, '--grad', '--json', ...(c.extra ?? [])];
    // The process runs while this one computes what `lossc eval --backend cpu` prints (the same API call).
    const running = lossc(...args, '--backend', 'torch');
    const sets = Object.fromEntries((c.extra ?? []).flatMap((a, i, all) => (all[i - 1] === '--set' ? [a.split('=') as [string, string]] : [])).map(([k, v]) => [k, v === 'true' ? 1 : Number(v)]));
    const reduction = (c.extra ?? [])[(c.extra ?? []).indexOf('--reduction') + 1];
    const cpu = await evaluate(readFileSync(c.file, 'utf8'), c.file, {
      loss: c.loss, inputs: c.inputs as Record<string, unknown>, set: sets, grad: true, backend: 'cpu', host: fsHost, checkFinite: true,
      ...((c.extra ?? []).includes('--reduction') ? { reduction: reduction as 'none' } : {}),
    });
    expect(cpu.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const torch = await running;
    expect(torch.stderr).toBe('');
    expect(torch.status).toBe(0);
    const [a, b] = [JSON.parse(torch.stdout) as { loss: unknown; grads: Record<string, unknown> }, { loss: cpu.loss, grads: cpu.grads as Record<string, unknown> }];
    const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
    const close = (x: unknown, y: unknown): void => {
      const [p, q] = [flat(x), flat(y)];
      expect(p.length).toBe(q.length);
      p.forEach((v, i) => expect(Math.abs(v - q[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(q[i]!))));
    };
    close(a.loss, b.loss);
    expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
    for (const k of Object.keys(b.grads)) close(a.grads[k], b.grads[k]);
  });

  describe.concurrent('eval --backend torch: processes only', () => {
    // --weights is eval's option for the per-sample weights (where the CLI has it).
    it.skipIf(!('weights' in COMMANDS.eval.flags))('eval --backend torch --weights: the weighted mean Σ w·l / Σ w and its gradient', async () => {
      const inputs = write('weighted.json', { pred: [1, 2], target: [0, 0] });
      const weights = write('weights.json', [1, 3]);
      const r = await lossc('eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', inputs, '--weights', weights, '--grad', '--json', '--backend', 'torch');
      expect(r.stderr).toBe('');
      // (1·1² + 3·2²) / (1 + 3) = 3.25; d/dpred = 2·w·e / Σw = [0.5, 3].
      expect(JSON.parse(r.stdout)).toEqual({ loss: 3.25, grads: { pred: [0.5, 3], target: [-0.5, -3] } });
    });

    it('eval --backend torch: the module’s own messages, as E7008 with exit 1', async () => {
      const bad = write('bad.json', { x: [[2, -1, 0.5]], t: [3] });
      // NaN in the inputs JSON reaches the module as NaN (JSON has none: it travels as a string).
      const nan = write('nan.json', { pred: [1, 'NaN'], target: [0, 0] });
      const [r, n] = await Promise.all([
        lossc('eval', 'stdlib/classification.loss', '--loss', 'cross_entropy', '--inputs', bad, '--backend', 'torch'),
        lossc('eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', nan, '--backend', 'torch'),
      ]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe("lossc: error E7008: evaluation failed: cross_entropy: input 't' holds 3, which is not a class index of C in [0, 3) nor its ignore value ignore_index = -100");
      expect(n.status).toBe(1);
      expect(n.stderr).toContain("mse: input 'pred' holds NaN at [1], but must hold numbers");
    });

    it('eval --backend torch with no Python that imports torch says so', async () => {
      const dir = tmp();
      mkdirSync(join(dir, 'bin'));
      const inputs = write('mse.json', { pred: [1, 2], target: [0, 0] });
      const r = await losscProcess(['eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', inputs, '--backend', 'torch'], { env: { ...process.env, LOSSC_PYTHON: join(dir, 'bin', 'no-python') } });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('evaluation failed: no Python here imports torch');
      expect(r.stderr).toContain('set LOSSC_PYTHON');
    });
  });
});

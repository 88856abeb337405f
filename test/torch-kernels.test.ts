// The PyTorch target's tables are complete for what the lowering speaks, checked without
// torch: every tfjs kernel src/lower calls has a row in pytorch-kernels.ts, every module
// helper a Python function of the same name in the runtime, and the runtime the compiler
// writes out is src/runtime/python/lossc_torch.py.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TORCH_KERNELS } from '../src/emit/pytorch-kernels.js';
import { HELPER_NAMES } from '../src/runtime/helper-sources.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';

const LOWER = readdirSync('src/lower').filter((f) => f.endsWith('.ts')).map((f) => readFileSync(`src/lower/${f}`, 'utf8')).join('\n');
/** Kernels named in the lowering: `I.tf('name'`, the reduction rows' `kernel: 'name'`, op rows' `unary(…, 'name')`, `along('name'`, `keep('name'`, both of a conditional. */
const KERNELS = new Set([
  ...[...LOWER.matchAll(/(?:\.tf\(|kernel: |(?:unary|binary)\('\w+', |along\(|keep\()'(\w+)'/g)].map((m) => m[1]!),
  // Chosen by a conditional: `I.tf(c ? 'softmax' : 'logSoftmax', …)`.
  ...[...LOWER.matchAll(/\.tf\([^(),]*\? '(\w+)' : '(\w+)'/g)].flatMap((m) => [m[1]!, m[2]!]),
]);
const RUNTIME = readFileSync('src/runtime/python/lossc_torch.py', 'utf8');

describe('the PyTorch target covers the lowering', () => {
  it('finds the kernels of the lowering', () => {
    expect(KERNELS.size).toBeGreaterThan(40);
    for (const k of ['sum', 'matMul', 'customGrad', 'logSoftmax', 'where', 'softplus']) expect(KERNELS.has(k), k).toBe(true);
  });

  it.each([...KERNELS].sort().map((k) => ({ k })))('tf.$k has a torch equivalent', ({ k }) => {
    const row = TORCH_KERNELS[k as keyof typeof TORCH_KERNELS];
    expect(row, `add tf.${k} to src/emit/pytorch-kernels.ts`).toBeDefined();
    const rt = /^rt\.(\w+)$/.exec(row!.callee);
    if (rt) expect(RUNTIME).toMatch(new RegExp(`^def ${rt[1]}\\(`, 'm'));
  });

  it.each(HELPER_NAMES.map((h) => ({ h })))('helper $h has a Python version of the same name', ({ h }) => {
    // Helpers the lowering never calls (layersLoss, freeVariablePrefix: tfjs-layers and tf.Variable) need none.
    if (!new RegExp(`helper\\('${h}'`).test(LOWER)) return;
    expect(RUNTIME).toMatch(new RegExp(`^def ${h}\\(`, 'm'));
  });

  it('the runtime the compiler writes is lossc_torch.py (LOSSC_UPDATE=1 npx vitest run test/torch-module.test.ts rewrites the copy)', () => {
    expect(TORCH_RUNTIME_SOURCE).toBe(RUNTIME);
  });
});

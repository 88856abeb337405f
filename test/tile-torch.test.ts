// The PyTorch target tiles as the tfjs one does (src/lower/tile.ts, one lowering): with a
// forced block size the generated module's value and autograd gradients equal its untiled
// ones and the float64 oracles, in float64.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { fdGrad } from './oracle/fd.js';
import { info_nce, SUPCON_ONE_VIEW_SOURCE, supconOneView } from './oracle/metric.js';
import { fromNested, mulberry32, randomTensor, type F64Tensor } from './oracle/tensor.js';
import { PYTHON, torchMissing } from './helpers/torch.js';

const SOURCE = `
${SUPCON_ONE_VIEW_SOURCE}${/\nloss info_nce\([^]*?\n\n/.exec(readFileSync('stdlib/metric.loss', 'utf8'))![0]}`;


const SCRIPT = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import tiles
req = json.loads(sys.stdin.read())
out = {}
for name, case in req.items():
    args = [torch.tensor(case["args"][k], dtype=torch.float64 if k in case["wrt"] else torch.int64) for k in case["order"]]
    for a, k in zip(args, case["order"]):
        if k in case["wrt"]:
            a.requires_grad_(True)
    res = {}
    for label, rows in (("untiled", None), ("tiled", case["blockRows"])):
        for a in args:
            a.grad = None
        v = getattr(tiles, name)(*args, blockRows=rows)
        v.backward()
        res[label] = {"value": v.item(), "grads": [a.grad.flatten().tolist() for a, k in zip(args, case["order"]) if k in case["wrt"]]}
    out[name] = res
print(json.dumps(out))
`;

const nested = (t: F64Tensor): number[][] => Array.from({ length: t.shape[0]! }, (_, i) => Array.from(t.data.slice(i * t.shape[1]!, (i + 1) * t.shape[1]!)));

describe.skipIf(torchMissing() !== undefined)('the PyTorch target tiles', () => {
  it('my_supcon and info_nce: tiled == untiled == float64 oracle, gradients too (blockRows 3 of 7 rows)', () => {
    const r = check(SOURCE, 'tiles.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'lossc-tile-torch-'));
    writeFileSync(join(dir, 'tiles.py'), emitPytorchModule({ file: 'tiles.loss', losses: r.losses }));
    writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    const rng = mulberry32(21);
    const e = randomTensor([7, 4], rng);
    const label = fromNested([0, 1, 2, 0, 1, 0, 3]);
    const zi = randomTensor([7, 4], rng);
    const zj = randomTensor([7, 4], rng);
    const request = {
      my_supcon: { order: ['e', 'label'], wrt: ['e'], blockRows: 3, args: { e: nested(e), label: Array.from(label.data) } },
      info_nce: { order: ['zi', 'zj'], wrt: ['zi', 'zj'], blockRows: 3, args: { zi: nested(zi), zj: nested(zj) } },
    };
    const run = spawnSync(PYTHON, ['-c', SCRIPT, dir], { input: JSON.stringify(request), encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, Record<'tiled' | 'untiled', { value: number; grads: number[][] }>>;
    const oracles: Record<string, { f: (...ts: F64Tensor[]) => number; at: F64Tensor[] }> = {
      my_supcon: { f: (x) => supconOneView(x!, label), at: [e] },
      info_nce: { f: (a, b) => info_nce(a!, b!, { temperature: 0.07 }) as number, at: [zi, zj] },
    };
    for (const [name, { f, at }] of Object.entries(oracles)) {
      const { tiled, untiled } = out[name]!;
      expect(Math.abs(tiled.value - untiled.value)).toBeLessThan(1e-12 * Math.max(1, Math.abs(untiled.value)));
      expect(Math.abs(tiled.value - f(...at))).toBeLessThan(1e-10 * Math.max(1, Math.abs(tiled.value)));
      at.forEach((_, k) => {
        const fd = fdGrad(f, at, k);
        tiled.grads[k]!.forEach((g, j) => {
          expect(Math.abs(g - untiled.grads[k]![j]!)).toBeLessThan(1e-10);
          expect(Math.abs(g - fd.data[j]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(g)));
        });
      });
    }
  }, 120_000);
});

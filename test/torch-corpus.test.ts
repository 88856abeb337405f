// Beyond the stdlib: every loss of the corpora of unusual programs (hostile names that are
// Python keywords or runtime names, unicode, doc comments that open comments, rest axes,
// broadcasts of rank 5, one-hot of a single class, the naive forms the optimizer repairs)
// compiled for PyTorch, imported, and run on random valid inputs in float32: value and
// gradients equal the tfjs evaluator's (the same lowering, live, on tfjs's cpu backend), or,
// where float32 rounding makes the two differ more (a cancelling form such as the Gram
// expansion of a distance), torch's is as close as tfjs's to the float64 reference evaluator.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { valueAndGradsTfjs } from '../src/eval/evaluate.js';
import { gradientsReference } from '../src/reference/evaluate.js';
import { initBackend } from '../src/eval/setup.js';
import type { IrFunction } from '../src/ir/types.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { mulberry32 } from './fuzz/gen-program.js';
import { sampleInputs, toRef, toTf, type Sample } from './fuzz/inputs.js';
import { TorchDriver, torchMissing, unwire, type WireTensor } from './helpers/torch.js';
import { maxRelErr } from './oracle/fd.js';

const DIRS = ['test/fuzz-corpus/injection', 'test/fuzz-corpus/programs', 'test/fixtures/naive-corpus', 'test/torch/corpus'];
const DIR = resolve('test/.tmp/torch-corpus');

interface CorpusLoss {
  readonly file: string;
  readonly module: string;
  readonly index: number;
  readonly fn: IrFunction;
}

const FILES = DIRS.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.loss')).sort().map((f) => `${d}/${f}`));
const CHECKED = FILES.map((file, k) => ({ file, module: `corpus_${k}`, checked: check(readFileSync(file, 'utf8'), file, { host: fsHost, gradients: true }) }));
// Files the checker refuses test the checker, not a target.
const LOSSES: readonly CorpusLoss[] = CHECKED.filter((c) => !c.checked.diagnostics.some((d) => d.severity === 'error')).flatMap((c) =>
  c.checked.losses.map((fn, index) => ({ file: c.file, module: c.module, index, fn })).filter((l) => (l.fn.functions ?? []).length === 0),
);

let driver: TorchDriver | undefined;

describe.skipIf(torchMissing() !== undefined)('the corpora of unusual programs, compiled for PyTorch (real PyTorch)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    mkdirSync(DIR, { recursive: true });
    for (const c of CHECKED) {
      if (c.checked.diagnostics.some((d) => d.severity === 'error')) continue;
      writeFileSync(resolve(DIR, `${c.module}.py`), emitPytorchModule({ file: c.file, losses: c.checked.losses }));
    }
    writeFileSync(resolve(DIR, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    driver = new TorchDriver('modules.py', { LOSSC_PY_DIR: DIR, LOSSC_PY_AUTOGRAD_DIR: DIR });
  });
  afterAll(() => driver?.close());

  it('has losses from every corpus', () => {
    for (const d of DIRS) expect(LOSSES.some((l) => l.file.startsWith(d)), d).toBe(true);
  });

  it.each(LOSSES.map((l) => ({ ...l, title: `${l.file}: ${l.fn.name}` })))('$title', async (l) => {
    for (const seed of [1, 2]) {
      const sample: Sample = sampleInputs(l.fn, mulberry32(seed * 7919 + l.index), { maxSize: 3, optional: true });
      const wrt = l.fn.inputs.filter((i) => i.elem === 'real' && sample.tensors[i.name]).map((i) => i.name);
      const inputs = toTf(sample);
      const mine = valueAndGradsTfjs(l.fn, inputs, sample.hypers, wrt);
      const value = { shape: mine.value.shape, data: Float64Array.from(mine.value.dataSync()) };
      const grads = Object.fromEntries(Object.entries(mine.grads).map(([k, g]) => [k, Float64Array.from(g.dataSync())]));
      tf.dispose([mine.value, ...Object.values(mine.grads), ...Object.values(inputs)]);

      const kind = (d: string): WireTensor['dtype'] => (d === 'float32' ? 'float' : d === 'bool' ? 'bool' : 'int');
      const options = Object.fromEntries(Object.entries(sample.hypers).map(([k, v]) => [k, l.fn.hypers.find((h) => h.name === k)?.elem === 'bool' ? v !== 0 : v]));
      const raw = await driver!.request<Record<string, { value: WireTensor; grads: Record<string, WireTensor> }>>({
        module: l.module,
        index: l.index,
        positional: l.fn.order ?? l.fn.inputs.filter((i) => i.default === undefined).map((i) => i.name),
        optional: l.fn.inputs.filter((i) => i.default !== undefined && sample.tensors[i.name]).map((i) => i.name),
        inputs: Object.fromEntries(Object.entries(sample.tensors).map(([k, v]) => [k, { shape: v.shape, data: v.data, dtype: kind(v.dtype) }])),
        options,
        wrt,
        dtypes: ['float32'],
      });
      const torch = raw.float32!;
      const ref = gradientsReference(l.fn, toRef(sample), sample.hypers);
      /** Torch's error against tfjs within `tol`, or no worse than 4× tfjs's own against float64. */
      const agree = (got: Float64Array, tfjs: Float64Array, f64: Float64Array, floor: number, tol: number, what: string): void => {
        const direct = maxRelErr(got, tfjs, floor);
        if (direct < tol) return;
        expect(maxRelErr(got, f64, floor), `seed ${seed}: ${what}: torch ${Array.from(got).slice(0, 4)}, tfjs ${Array.from(tfjs).slice(0, 4)}, float64 ${Array.from(f64).slice(0, 4)}`).toBeLessThanOrEqual(
          Math.max(tol, 4 * maxRelErr(tfjs, f64, floor)),
        );
      };
      const tv = unwire(torch.value);
      expect(tv.shape, `seed ${seed}: shape`).toEqual(value.shape);
      agree(tv.data, value.data, ref.value.data, 1, 1e-5, 'value');
      for (const name of wrt) {
        const g = unwire(torch.grads[name]!);
        const floor = 1e-3 * Math.max(1, ...Array.from(grads[name]!, Math.abs).filter(Number.isFinite));
        agree(g.data, grads[name]!, ref.grads[name]!.data, floor, 1e-4, `d/d${name}`);
      }
    }
  });
});

// checkFinite's diagnosis of a tiled loss walks the blocks of rows (tiledDiagnosis,
// src/lower/finite.ts): its message is the untiled diagnosis's, character for character, at
// block sizes of 1, 2 and sizes that do not divide N, for a non-finite value in the first, a
// middle and the last block, NaN and ±Infinity, planted in an input or first made by an
// operation, several at once (the first in the untiled order wins), and where the row axis is
// not a step's first axis (the first element in the whole value lies in a later block than the
// first block holding one). The untiled message is the reference (blockRows ≥ N runs the
// untiled code, a separate lowering). Peak memory of the diagnosis counted as tf.profile
// counts it (deterministic): a few blocks, not the whole [N, N] values. The PyTorch target's runtime
// gives the same messages.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { emitPytorchModule, TORCH_RUNTIME_FILE } from '../src/emit/pytorch.js';
import { initBackend } from '../src/eval/setup.js';
import { analyzeTiling } from '../src/ir/tile.js';
import { TORCH_RUNTIME_SOURCE } from '../src/runtime/python/source.js';
import { compile } from './helpers/compile-cache.js';
import { PYTHON, torchMissing } from './helpers/torch.js';
import { importModule } from './fuzz/compare.js';
import { HARDEST } from './helpers/memory-plan-sources.js';
import { mulberry32 } from './oracle/tensor.js';

const INFO_NCE = /\nloss info_nce\([^]*?\n\n/.exec(readFileSync('stdlib/metric.loss', 'utf8'))![0];
const SOURCE = `${INFO_NCE}
loss row_first(e: [N, D], w: [N]) = mean(mean(log(sum(e[i] * e[j], D) + w[j]), j), i)
loss column_first(e: [N, D], w: [N]) = mean(mean(log(w[j] + sum(e[j] * e[i], D)), j), i)
loss all_pairs(e: [N, D], w: [N]) = mean(log(w[j] * w[i] + dot(e[j], e[i], D)))
${HARDEST}`;

type Loss = (...args: unknown[]) => tf.Tensor;
const N = 12;
const D = 3;
const BLOCKS = [1, 2, 5, 7];

/** Rows of e: (1, 0, 0) but where `rows` says; every dot product 1 but with those rows. */
function rows(special: Record<number, number[]>): tf.Tensor {
  return tf.tensor2d(Array.from({ length: N }, (_, i) => special[i] ?? [1, 0, 0]));
}

function random(seed: number, plant: Record<number, number> = {}): tf.Tensor {
  const rng = mulberry32(seed);
  const data = Float32Array.from({ length: N * D }, () => rng.next() * 2 - 1);
  for (const [at, v] of Object.entries(plant)) data[Number(at)] = v;
  return tf.tensor2d(data, [N, D]);
}

/** The message `f` throws, or undefined when it returns (its result disposed). */
function thrown(f: () => tf.Tensor): string | undefined {
  try {
    f().dispose();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The most bytes of tensors alive at once while `f` runs, above those alive before, counted as
 * tf.profile counts them (its peak is the bytes alive after each kernel; here after each tensor
 * made, which is the same or finer). Not tf.profile itself: it runs each kernel in
 * an async timer, where an error thrown inside a tf.customGrad becomes an unhandled rejection.
 */
function peakBytes(f: () => void): number {
  const engine = tf.engine() as unknown as { trackTensor: (...args: unknown[]) => void; state: { numBytes: number } };
  const register = engine.trackTensor;
  const start = engine.state.numBytes;
  let peak = start;
  engine.trackTensor = function (this: unknown, ...args: unknown[]) {
    register.apply(this, args);
    peak = Math.max(peak, engine.state.numBytes);
  };
  try {
    f();
  } finally {
    engine.trackTensor = register;
  }
  return peak - start;
}

describe('the losses here tile over the axis the tests assume', () => {
  it.each([
    ['info_nce', 'a'],
    ['row_first', 'i'],
    ['column_first', 'i'],
    ['all_pairs', 'j'],
    ['hardest', 'i'],
  ])('%s tiles over %s', (name, axis) => {
    const fn = check(SOURCE, 'finite.loss').losses.find((f) => f.name === name)!;
    const t = analyzeTiling(fn);
    expect('plan' in t ? t.plan.axis.name : t.reason).toBe(axis);
  });
});

describe('the tiled loss in the generated module', () => {
  // checkFinite's run, its diagnosis (a masked outer reduction is checked at the output, the
  // tiled loss itself) and the value returned each need the tiled loss: one local function.
  it.each(['hardest', 'info_nce'])('%s: written once, whatever calls it', async (name) => {
    const r = await compile(SOURCE, 'finite.loss');
    const body = new RegExp(`\\nexport function ${name}\\([^]*?\\n}\\n`).exec(r.code!)![0];
    // One tf.customGrad per untiled backward pass (the output's, the per-sample losses'), one tiled.
    expect(body.match(/tf\.customGrad\(/g)).toHaveLength(3);
    expect(body.match(/const tiledLoss = /g)).toHaveLength(1);
  });
});

describe.each(['wasm', 'cpu'] as const)('checkFinite walks the blocks of a tiled loss (%s)', (backend) => {
  let m: Record<string, Loss>;

  beforeAll(async () => {
    await initBackend(backend);
    const r = await compile(SOURCE, 'finite.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    m = await importModule<Record<string, Loss>>(r.code!, `tile-finite-${backend}`);
  });

  /** The untiled message, after checking every tiled one is the same and nothing is left behind. */
  const same = (call: (options: Record<string, unknown>) => tf.Tensor, extra: Record<string, unknown> = {}): string => {
    const before = tf.memory().numTensors;
    // checkValues off: its input scan would refuse a NaN before checkFinite sees it.
    const options = { checkFinite: true, checkValues: false, ...extra };
    const untiled = thrown(() => call({ ...options, blockRows: 64 }));
    expect(untiled).toBeDefined();
    for (const blockRows of BLOCKS) expect(thrown(() => call({ ...options, blockRows })), `blockRows ${blockRows}`).toBe(untiled);
    expect(tf.memory().numTensors).toBe(before);
    return untiled!;
  };

  const w0 = (): tf.Tensor => tf.zeros([N]);

  it.each([
    [0, NaN],
    [6, Infinity],
    [11, -Infinity],
    [5, NaN],
  ])('an input holding a non-finite value in row %i (%s): named at its position', (row, v) => {
    const zi = random(1, { [row * D + 1]: v });
    const zj = random(2);
    try {
      expect(same((o) => m.info_nce!(zi, zj, o))).toMatch(new RegExp(`^info_nce: the loss is -?(NaN|Infinity) at \\[\\d+(, \\d+)?\\] \\(checkFinite\\): input 'zi' holds ${String(v).replace('-', '\\-')} at \\[${row}, 1\\]$`));
    } finally {
      tf.dispose([zi, zj]);
    }
  });

  it('several inputs holding non-finite values: the first input, at its first position', () => {
    // zj's bad row comes first in the blocks, zi is first among the inputs; zi's later row is its first.
    const zi = random(3, { [9 * D]: NaN, [10 * D + 2]: Infinity });
    const zj = random(4, { [0]: -Infinity });
    try {
      expect(same((o) => m.info_nce!(zi, zj, o))).toMatch(/: input 'zi' holds NaN at \[9, 0\]$/);
    } finally {
      tf.dispose([zi, zj]);
    }
  });

  it.each([
    ['row_first', 'the first block', { 0: [-1, 0, 0] }, /^row_first: the loss is NaN at \[0\] \(checkFinite\): it first appears as NaN in log \(finite\.loss:\d+:\d+\) at \[i=0, j=1\] from finite operands, where e\[:, :\] = -1, 0, 0, 1, \.\.\.; w\[:\] = 0, 0, 0, 0, \.\.\.$/],
    ['row_first', 'a middle block', { 6: [0, 1, 0] }, /: it first appears as -Infinity in log \(finite\.loss:\d+:\d+\) at \[i=0, j=6\] from finite operands/],
    ['row_first', 'the last block', { 11: [0, 0, -2] }, /: it first appears as -Infinity in log \(finite\.loss:\d+:\d+\) at \[i=0, j=11\] from finite operands/],
  ])('%s: a value first made non-finite by an operation, from %s', (loss, _where, special, message) => {
    const [e, w] = [rows(special as Record<number, number[]>), w0()];
    try {
      expect(same((o) => m[loss]!(e, w, o))).toMatch(message);
    } finally {
      tf.dispose([e, w]);
    }
  });

  it('the row axis second in the step: its first element lies in the last block, though the first block holds one', () => {
    // log(w[j] + e[j]·e[i]) is laid out [j, i]: row 10 gives NaN at (j=10, i=0), in block 0, and
    // at (j=0, i=10), in the last block, which comes first in the untiled order.
    const [e, w] = [rows({ 10: [-1, 0, 0] }), w0()];
    try {
      const message = same((o) => m.column_first!(e, w, o));
      expect(message).toMatch(/^column_first: the loss is NaN at \[0\] \(checkFinite\): it first appears as NaN in log \(finite\.loss:\d+:\d+\) at \[j=0, i=10\] from finite operands, where /);
    } finally {
      tf.dispose([e, w]);
    }
  });

  it('several steps non-finite: the first in the untiled order, though a later one fails in an earlier block', () => {
    // w[j] * w[i] overflows to Infinity at (j=11, i=11) (the last block of j), then the add and
    // the log; row 0's zero dot products with the other rows give -Infinity in the log earlier,
    // in block 0. The multiply comes first in the order.
    const w = tf.tensor1d(Array.from({ length: N }, (_, j) => (j === 11 ? 1e20 : 0)));
    const e = rows({ 0: [0, 1, 0] });
    try {
      expect(same((o) => m.all_pairs!(e, w, o))).toMatch(/^all_pairs: the loss is -Infinity at \[0, 1\] \(checkFinite\): it first appears as Infinity in mul \(finite\.loss:\d+:\d+\) at \[j=11, i=11\] from finite operands, where w\[:\] = 0, 0, 0, 0, \.\.\.$/);
    } finally {
      tf.dispose([e, w]);
    }
  });

  it('a masked outer reduction (checked at the output): the same message', () => {
    const label = tf.tensor1d(Array.from({ length: N }, (_, i) => i % 3), 'int32');
    // NaN: an infinity there gives a finite loss on wasm (a compiler rewrite's clamp, not the diagnosis).
    const e = random(5, { [7 * D + 2]: NaN });
    try {
      expect(same((o) => m.hardest!(e, label, o))).toMatch(/^hardest: the loss is -?(NaN|Infinity) \(checkFinite\): input 'e' holds NaN at \[7, 2\]$/);
    } finally {
      tf.dispose([e, label]);
    }
  });

  it('the diagnosis holds a few blocks, not the whole pairwise values (peak bytes)', () => {
    const n = 256;
    const e = tf.tensor2d(Array.from({ length: n }, (_, i) => (i === n - 1 ? [-1, 0, 0, 0] : [1, 0, 0, 0])));
    const w = tf.zeros([n]);
    try {
      const peak = (blockRows: number): { peak: number; message?: string } => {
        let message: string | undefined;
        const bytes = peakBytes(() => {
          message = thrown(() => m.column_first!(e, w, { checkFinite: true, blockRows }));
        });
        return { peak: bytes, ...(message !== undefined ? { message } : {}) };
      };
      const untiled = peak(n);
      const tiled = peak(16);
      expect(tiled.message).toBeDefined();
      expect(tiled.message).toBe(untiled.message);
      // One [n, n] float32 value is 256 KB; the untiled diagnosis holds every step's. A block of
      // 16 rows is 16 KB per value: the tiled one holds a few of them and the [n, 4] inputs
      // (measured: 793 KB untiled, 51 KB tiled).
      const square = n * n * 4;
      expect(untiled.peak, `untiled ${untiled.peak} bytes`).toBeGreaterThan(2 * square);
      expect(tiled.peak, `tiled ${tiled.peak} bytes, untiled ${untiled.peak}`).toBeLessThan(square / 2);
    } finally {
      tf.dispose([e, w]);
    }
  });
});

const SCRIPT = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import tiles
req = json.loads(sys.stdin.read())
out = {}
for name, case in req.items():
    args = [torch.tensor(a, dtype=torch.float32) for a in case["args"]]
    messages = []
    for rows in case["blockRows"]:
        try:
            getattr(tiles, name)(*args, checkFinite=True, checkValues=False, blockRows=rows)
            messages.append(None)
        except ValueError as err:
            messages.append(str(err))
    out[name] = messages
print(json.dumps(out))
`;

describe.skipIf(torchMissing() !== undefined)('the PyTorch target walks the blocks too', () => {
  it('the same messages tiled and untiled', () => {
    const r = check(SOURCE, 'finite.loss');
    const dir = mkdtempSync(join(tmpdir(), 'lossc-tile-finite-'));
    writeFileSync(join(dir, 'tiles.py'), emitPytorchModule({ file: 'finite.loss', losses: r.losses }));
    writeFileSync(join(dir, TORCH_RUNTIME_FILE), TORCH_RUNTIME_SOURCE);
    const e = Array.from({ length: N }, (_, i) => (i === 10 ? [-1, 0, 0] : [1, 0, 0]));
    const zi = Array.from({ length: N }, (_, i) => (i === 6 ? [0, NaN, 0] : [0.5, 0.25, i / N]));
    const request = {
      column_first: { args: [e, Array(N).fill(0)], blockRows: [64, ...BLOCKS] },
      row_first: { args: [e, Array(N).fill(0)], blockRows: [64, ...BLOCKS] },
      info_nce: { args: [zi, zi], blockRows: [64, ...BLOCKS] },
    };
    const run = spawnSync(PYTHON, ['-c', SCRIPT, dir], { input: JSON.stringify(request).replace(/null/g, 'NaN'), encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, (string | null)[]>;
    expect(out.column_first![0]).toMatch(/^column_first: the loss is NaN at \[0\] \(checkFinite\): it first appears as NaN in log \(finite\.loss:\d+:\d+\) at \[j=0, i=10\] from finite operands/);
    expect(out.row_first![0]).toMatch(/at \[i=0, j=10\] from finite operands/);
    expect(out.info_nce![0]).toMatch(/: input 'zi' holds NaN at \[6, 1\]$/);
    for (const [name, messages] of Object.entries(out)) messages.forEach((text, k) => expect(text, `${name}, blockRows ${request[name as keyof typeof request].blockRows[k]}`).toBe(messages[0]));
  }, 120_000);
});

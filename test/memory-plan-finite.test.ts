// `checkFinite: true` on a tiled loss: the loss is computed tiled first (so a finite loss never
// holds its whole [N, N] values), and only a non-finite value runs the diagnosis, whose message
// is the untiled one's. Checked on the compiled module: the same Error text at a small
// blockRows as untiled (blockRows ≥ N) for a NaN planted in an input, an infinity planted in
// an input, and a NaN first made by an operation; and the peak bytes of a checked tiled call
// below an unchecked untiled one.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './helpers/compile-cache.js';
import { initBackend } from '../src/eval/setup.js';
import { importModule } from './fuzz/compare.js';
import { HARDEST } from './helpers/memory-plan-sources.js';
import { mulberry32 } from './oracle/tensor.js';

const SOURCE = `${HARDEST}
loss log_affinity(e: [N, D], w: [N]) =
  mean(mean(log(sum(e[i] * e[j], D) + w[j]), j), i)
`;

type Loss = (...args: unknown[]) => tf.Tensor;
const N = 12;
const D = 3;

function embeddings(seed: number, plant?: { at: number; value: number }): tf.Tensor {
  const rng = mulberry32(seed);
  const data = Float32Array.from({ length: N * D }, () => rng.next() * 2 - 1);
  if (plant) data[plant.at] = plant.value;
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

describe.each(['wasm', 'cpu'] as const)('checkFinite on a tiled loss (%s)', (backend) => {
  let m: Record<string, Loss>;
  const label = (): tf.Tensor => tf.tensor1d(Array.from({ length: N }, (_, i) => i % 3), 'int32');

  beforeAll(async () => {
    await initBackend(backend);
    const r = await compile(SOURCE, 'finite.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    m = await importModule<Record<string, Loss>>(r.code!, `memory-plan-finite-${backend}`);
  });

  const same = (call: (options: Record<string, unknown>) => tf.Tensor): string => {
    const before = tf.memory().numTensors;
    // checkValues off: its input scan would refuse a NaN before checkFinite sees it.
    const untiled = thrown(() => call({ checkFinite: true, checkValues: false, blockRows: N }));
    const tiled = [1, 5].map((blockRows) => thrown(() => call({ checkFinite: true, checkValues: false, blockRows })));
    expect(untiled).toBeDefined();
    tiled.forEach((t) => expect(t).toBe(untiled));
    expect(tf.memory().numTensors).toBe(before);
    return untiled!;
  };

  it('a NaN planted in an input: the same message tiled as untiled', () => {
    const [e, l] = [embeddings(1, { at: 4 * D + 2, value: NaN }), label()];
    try {
      expect(same((o) => m.hardest!(e, l, o))).toBe("hardest: the loss is NaN (checkFinite): input 'e' holds NaN at [4, 2]");
    } finally {
      tf.dispose([e, l]);
    }
  });

  it('an infinity planted in an input: the same message tiled as untiled', () => {
    const [e, w] = [embeddings(2, { at: 9 * D, value: -Infinity }), tf.tensor1d(Array.from({ length: N }, () => 100))];
    try {
      expect(same((o) => m.log_affinity!(e, w, o))).toMatch(/^log_affinity: the loss is -?(NaN|Infinity) at \[\d+\] \(checkFinite\): input 'e' holds -Infinity at \[9, 0\]$/);
    } finally {
      tf.dispose([e, w]);
    }
  });

  it('a NaN first made by an operation from finite inputs: the same message tiled as untiled', () => {
    // Row 7 of w is -100: log of a negative sum, NaN, first in the log at j = 7.
    const [e, w] = [embeddings(3), tf.tensor1d(Array.from({ length: N }, (_, j) => (j === 7 ? -100 : 100)))];
    try {
      expect(same((o) => m.log_affinity!(e, w, o))).toMatch(/^log_affinity: the loss is NaN at \[0\] \(checkFinite\): it first appears as NaN in log \(finite\.loss:11:13\) at \[i=0, j=7\] from finite operands, where e\[:, :\] = /);
    } finally {
      tf.dispose([e, w]);
    }
  });

  it('finite inputs: the checked tiled call gives the unchecked value, and peaks below the untiled call', async () => {
    const n = 128;
    const rng = mulberry32(9);
    const e = tf.tensor2d(Float32Array.from({ length: n * 16 }, () => rng.next() * 2 - 1), [n, 16]);
    const l = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 5), 'int32');
    try {
      const run = async (options: Record<string, unknown>): Promise<{ value: number; peak: number }> => {
        let value = NaN;
        const profile = await tf.profile(() => {
          const t = m.hardest!(e, l, options);
          value = t.dataSync()[0]!;
          t.dispose();
        });
        return { value, peak: profile.peakBytes };
      };
      const checkedTiled = await run({ checkFinite: true, blockRows: 8 });
      const tiled = await run({ blockRows: 8 });
      const untiled = await run({ blockRows: n });
      expect(checkedTiled.value).toBe(tiled.value);
      expect(Math.abs(tiled.value - untiled.value)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(untiled.value)));
      // An untiled run holds several [n, n] values (65536 bytes each as float32); the checked tiled one none.
      expect(checkedTiled.peak, `checked tiled ${checkedTiled.peak} bytes, untiled ${untiled.peak}`).toBeLessThan(untiled.peak / 2);
    } finally {
      tf.dispose([e, l]);
    }
  });
});

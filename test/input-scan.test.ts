// The default input scan (`mayBeOutside`, src/runtime/helpers.ts): every input at once on the
// device, one read back. It may raise a false alarm (the per-input scan then decides) but must
// never miss an element that is NaN or outside its domain, or the loss would go on to compute
// a wrong number. The oracle is a plain JavaScript scan of the data written here: NaN, or a
// comparison with the bound rounded to float32 (as the device holds it; whole for int32).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/eval/setup.js';
import { mayBeOutside } from '../src/runtime/helpers.js';

interface Domain {
  readonly lo?: number;
  readonly hi?: number;
  readonly loOpen?: boolean;
  readonly hiOpen?: boolean;
  readonly values?: readonly number[];
}

function outsideByHand(data: ArrayLike<number>, dtype: 'float32' | 'int32', d: Domain): boolean {
  const b = (v: number): number => (dtype === 'float32' ? Math.fround(v) : Math.trunc(v));
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (Number.isNaN(x)) return true;
    if (d.values !== undefined && !d.values.includes(x)) return true;
    if (d.lo !== undefined && (d.loOpen ? !(x > b(d.lo)) : !(x >= b(d.lo)))) return true;
    if (d.hi !== undefined && (d.hiOpen ? !(x < b(d.hi)) : !(x <= b(d.hi)))) return true;
  }
  return false;
}

const DOMAINS: readonly Domain[] = [
  {},
  { lo: 0, hi: 1 },
  { lo: 0, hi: 1, loOpen: true, hiOpen: true },
  { lo: 1e-7, hi: 1 - 1e-7 },
  { lo: 0, hi: Infinity, hiOpen: true },
  { lo: -Infinity, hi: 0, loOpen: true },
  { values: [0, 1] },
];
/** Values near every bound above, the infinities and NaN. */
const SPECIAL = [0, 1, -1, 0.5, 1e-7, Math.fround(1e-7), 1 - 1e-7, Math.fround(1 - 1e-7), 1.0000001, -0, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 2];

function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(['wasm', 'cpu'] as const)('mayBeOutside on %s', (backend) => {
  it('finds every tensor the float64 scan finds, among random ones near the bounds', async () => {
    await initBackend(backend);
    const rand = mulberry(backend === 'wasm' ? 7 : 11);
    let alarms = 0;
    let misses = 0;
    let clean = 0;
    for (let trial = 0; trial < 300; trial++) {
      const checks: [tf.Tensor | undefined, Domain][] = [];
      let expected = false;
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        const domain = DOMAINS[Math.floor(rand() * DOMAINS.length)]!;
        const dtype = domain.values !== undefined && rand() < 0.5 ? 'int32' : 'float32';
        const n = Math.floor(rand() * 6);
        const pool = dtype === 'int32' ? [0, 1, 2, -1] : SPECIAL;
        // Mostly values inside the domain, so that clean tensors are common.
        const inside = (): number => (domain.values ? domain.values[Math.floor(rand() * domain.values.length)]! : domain.lo !== undefined && Number.isFinite(domain.lo) ? 0.5 : 0.25);
        const data = Array.from({ length: n }, () => (rand() < 0.15 ? pool[Math.floor(rand() * pool.length)]! : inside()));
        const t = tf.tensor(data, [n], dtype);
        checks.push([rand() < 0.1 ? undefined : t, domain]);
        if (checks.at(-1)![0] !== undefined) expected ||= outsideByHand(t.dataSync(), dtype, domain);
      }
      const before = tf.memory().numTensors;
      const got = mayBeOutside(checks);
      expect(tf.memory().numTensors).toBe(before);
      if (expected && !got) misses++;
      if (!expected && got) alarms++;
      if (!expected) clean++;
      tf.dispose(checks.map(([t]) => t).filter((t): t is tf.Tensor => t !== undefined));
    }
    expect(misses).toBe(0);
    // False alarms only where +Infinity and -Infinity meet in a sum: rare among these.
    expect(clean).toBeGreaterThan(50);
    expect(alarms).toBeLessThan(clean / 10);
  });

  it('raises no alarm for values on closed bounds, and one for each kind of bad value', async () => {
    await initBackend(backend);
    const t = (xs: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor => tf.tensor1d(xs, dtype);
    const cases: [tf.Tensor, Domain, boolean][] = [
      [t([0, 1, 0.5]), { lo: 0, hi: 1 }, false],
      [t([Math.fround(1e-7), 0.5]), { lo: 1e-7, hi: 1 }, false],
      [t([1e-8, 0.5]), { lo: 1e-7, hi: 1 }, true],
      [t([0, 0.5]), { lo: 0, hi: 1, loOpen: true }, true],
      [t([1e30, Infinity]), {}, false],
      [t([1, NaN]), {}, true],
      [t([1, Infinity]), { lo: 0, hi: Infinity, hiOpen: true }, true],
      [t([1, 3.4e38]), { lo: 0, hi: Infinity, hiOpen: true }, false],
      [t([0, 1, 1]), { values: [0, 1] }, false],
      [t([0, 0.5]), { values: [0, 1] }, true],
      [t([0, 2], 'int32'), { lo: 0, hi: 3, hiOpen: true }, false],
      [t([0, 3], 'int32'), { lo: 0, hi: 3, hiOpen: true }, true],
      [t([-1, 2], 'int32'), { lo: 0, hi: 3, hiOpen: true }, true],
      [t([], 'float32'), { lo: 0, hi: 1 }, false],
    ];
    for (const [x, domain, bad] of cases) expect([Array.from(x.dataSync()), domain, mayBeOutside([[x, domain]])]).toEqual([Array.from(x.dataSync()), domain, bad]);
    // Together: one bad tensor among clean ones is found, wherever it is.
    expect(mayBeOutside([[cases[0]![0], cases[0]![1]], [undefined], [cases[5]![0]], [cases[10]![0], cases[10]![1]]])).toBe(true);
    expect(mayBeOutside([[cases[0]![0], cases[0]![1]], [undefined], [cases[4]![0]], [cases[10]![0], cases[10]![1]]])).toBe(false);
    tf.dispose(cases.map(([x]) => x));
  });

  it("with a third element true leaves a tensor's NaN to the loss's value (holdsNaN) and still scans its bounds", async () => {
    await initBackend(backend);
    const nan = tf.tensor1d([0.5, NaN]);
    const outside = tf.tensor1d([0.5, 2]);
    const clean = tf.tensor1d([0.5, 1]);
    expect(mayBeOutside([[nan, undefined, true]])).toBe(false);
    expect(mayBeOutside([[nan, { lo: 0, hi: 1 }, true], [clean]])).toBe(false);
    expect(mayBeOutside([[outside, { lo: 0, hi: 1 }, true]])).toBe(true);
    expect(mayBeOutside([[clean, undefined, true], [nan, undefined, false]])).toBe(true);
    expect(mayBeOutside([[nan, undefined, false]])).toBe(true);
    tf.dispose([nan, outside, clean]);
  });

  it('is off the gradient tape: under tf.grad the loss still differentiates, and nothing is kept', async () => {
    await initBackend(backend);
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => {
      expect(mayBeOutside([[v, { lo: 0, hi: 10 }]])).toBe(false);
      return tf.sum(tf.square(v));
    })(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    tf.dispose([x, g]);
  });
});

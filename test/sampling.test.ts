// The subsets the per-loss suites check (test/helpers/sampling.ts): always the same ones, each
// item of each list kept somewhere, and everything under LOSSC_FULL=1.
import { describe, expect, it } from 'vitest';
import { covering, everyNth, full, FULL } from './helpers/sampling.js';

describe.runIf(!FULL)('npm test: a fixed subset', () => {
  it('covering pairs every a and every b at least once, in max(|a|, |b|) pairs', () => {
    const a = ['s1', 's2', 's3'];
    const b = [10, 20, 30, 40, 50];
    const pairs = covering(a, b);
    expect(pairs).toHaveLength(5);
    expect(new Set(pairs.map(([x]) => x))).toEqual(new Set(a));
    expect(new Set(pairs.map(([, y]) => y))).toEqual(new Set(b));
    // The third element is the index of the a: seeds derived from it stay those of the full grid.
    for (const [x, , i] of pairs) expect(a[i]).toBe(x);
    expect(covering(a, b)).toEqual(pairs);
  });

  it('everyNth keeps positions offset, offset + stride, ... and a different offset keeps others', () => {
    const items = Array.from({ length: 10 }, (_, k) => k);
    expect(everyNth(items, 5, 0)).toEqual([0, 5]);
    expect(everyNth(items, 5, 7)).toEqual([2, 7]);
    expect(everyNth(items, 5, -1)).toEqual([4, 9]);
    expect(everyNth(items, 1, 3)).toEqual(items);
    // Over `stride` consecutive offsets, every item is kept exactly once.
    expect([0, 1, 2, 3, 4].flatMap((o) => everyNth(items, 5, o)).sort((x, y) => x - y)).toEqual(items);
  });

  it('full gives the sampled value', () => {
    expect(full('all', 'some')).toBe('some');
  });
});

describe.runIf(FULL)('LOSSC_FULL=1: everything', () => {
  it('covering is the whole grid, everyNth every item, full the full value', () => {
    expect(covering(['a', 'b'], [1, 2, 3])).toHaveLength(6);
    expect(everyNth([1, 2, 3, 4], 2, 1)).toEqual([1, 2, 3, 4]);
    expect(full('all', 'some')).toBe('all');
  });
});

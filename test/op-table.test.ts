// Every per-op fact, for every op of the IR (src/ir/ops.ts): tables typed by the op names are
// complete by `tsc`; what a type cannot force is checked here: the measured costs, the
// language's builtins, the docs. And erf, the one op whose float64 meaning the compiler
// computes itself, is right: two independent float64 implementations and a table of values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/check/builtins.js';
import { initBackend } from '../src/eval/setup.js';
import { OPS, type OpName } from '../src/ir/ops.js';
import { erf, SCALAR_BINARY, SCALAR_UNARY } from '../src/ir/scalar-ops.js';
import { OP_RULES } from '../src/lower/op-rules.js';
import { OP_COSTS } from '../src/opt/op-costs.js';
import { BINARY_NAN, UNARY_NAN } from '../src/ranges/nan.js';
import { BINARY_RANGE, UNARY_RANGE } from '../src/ranges/transfer.js';
import { evaluateReference } from '../src/reference/evaluate.js';
import { HELPER_FUNCTIONS } from '../src/runtime/index.js';
import { buildIr } from './helpers/ir-fixtures.js';

const opsOf = (...kinds: string[]): OpName[] => (Object.keys(OPS) as OpName[]).filter((op) => kinds.includes(OPS[op].kind));

describe('the per-op tables', () => {
  it('cover exactly the ops of their kind (what tsc checks, at run time too)', () => {
    const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
    expect(sorted(Object.keys(OP_RULES))).toEqual(sorted(Object.keys(OPS)));
    for (const table of [SCALAR_UNARY, UNARY_RANGE, UNARY_NAN]) expect(sorted(Object.keys(table))).toEqual(sorted(opsOf('unary')));
    for (const table of [SCALAR_BINARY, BINARY_RANGE, BINARY_NAN]) expect(sorted(Object.keys(table))).toEqual(sorted(opsOf('binary')));
  });

  it('have a measured cost for every op that computes, on every backend (npm run bench:ops)', () => {
    const computing = opsOf('unary', 'binary', 'select', 'reduce', 'axis', 'gather');
    for (const backend of ['wasm', 'cpu'] as const) {
      expect(computing.filter((op) => OP_COSTS.ms[backend][op] === undefined), backend).toEqual([]);
    }
  });

  // Ops the language writes with syntax or a macro rather than a builtin of their own name.
  // unsort is no builtin: only sort's gradient makes it.
  const BY_SYNTAX: Readonly<Partial<Record<OpName, string>>> = { neg: '-x', not: 'not c', to_real: 'real(c)', unsort: "sort's gradient" };

  it('reach every unary op from the language: a builtin, or syntax', () => {
    const builtinOps = new Set(Object.values(BUILTINS).flatMap((b) => (b.kind === 'unary' || b.kind === 'reduce' || b.kind === 'axis' ? [b.op] : [])));
    expect(opsOf('unary', 'reduce', 'axis').filter((op) => !(builtinOps as Set<OpName>).has(op) && !BY_SYNTAX[op])).toEqual([]);
  });

  it('document every builtin in docs/language.md', () => {
    const text = readFileSync(join(import.meta.dirname, '..', 'docs', 'language.md'), 'utf8');
    const section = text.slice(text.indexOf('## Builtins'), text.indexOf('\n## ', text.indexOf('## Builtins') + 1));
    const listed = new Set(section.match(/[a-z_][a-z0-9_]*/g));
    expect(Object.keys(BUILTINS).filter((name) => !listed.has(name))).toEqual([]);
  });
});

describe('erf', () => {
  // Abramowitz and Stegun, table 7.1, and erf x ≈ 2x/√π for tiny x.
  const KNOWN: readonly [number, number][] = [
    [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [1.5, 0.9661051464753108], [2, 0.9953222650189527], [3, 0.9999779095030014], [1e-8, 1.1283791670955126e-8],
  ];
  const reference = (xs: readonly number[]): Float64Array => {
    const fn = buildIr({ name: 'erf', inputs: [{ name: 'x', shape: ['N'] }], body: (b, v) => b.op('erf', [v.x!]) });
    return evaluateReference(fn, { x: { shape: [xs.length], data: Float64Array.from(xs) } }, {}).data;
  };

  it('in float64, by two methods that share no code, and by the table', () => {
    const xs = KNOWN.flatMap(([x]) => [x, -x]);
    const ref = reference(xs);
    xs.forEach((x, i) => {
      const want = Math.sign(x) * KNOWN[Math.floor(i / 2)]![1];
      expect(Math.abs(erf(x) - want), `compiler erf(${x})`).toBeLessThanOrEqual(4e-16 * Math.abs(want));
      expect(Math.abs(ref[i]! - want), `reference erf(${x})`).toBeLessThanOrEqual(4e-16 * Math.abs(want));
    });
    // The two agree everywhere in between, within a few float64 ulps (both sum series that
    // round at every term), and both saturate at ±1.
    const grid = Array.from({ length: 1601 }, (_, i) => -8 + i / 100);
    const r = reference(grid);
    grid.forEach((x, i) => expect(Math.abs(erf(x) - r[i]!), `erf(${x})`).toBeLessThanOrEqual(2e-15));
  });

  it.each(['cpu', 'wasm'] as const)('in float32 on %s: a few ulps, and relatively accurate near 0 (tf.erf on cpu is not)', async (backend) => {
    await initBackend(backend);
    const xs = [1e-30, -1e-20, 1e-8, 3e-4, 0.01, 0.2, 0.4999, 0.5, 0.7, 1, 2, 3.5, -0.3, -1.5];
    const got = tf.tidy(() => (HELPER_FUNCTIONS.erf as (x: tf.Tensor) => tf.Tensor)(tf.tensor(xs)).dataSync());
    xs.forEach((x, i) => {
      const want = erf(x);
      // Below 0.5 the series: 2 float32 ulps relative; above, tfjs's erf: 2e-7 absolute.
      const tol = Math.abs(x) < 0.5 ? 2 * 2 ** -23 * Math.abs(want) : 2e-7;
      expect(Math.abs(got[i]! - want), `erf(${x}) on ${backend}: ${got[i]} vs ${want}`).toBeLessThanOrEqual(tol);
    });
  });
});

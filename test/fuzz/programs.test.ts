// Grammar-driven, well-typed random programs through the whole compiler. Each must check
// without errors and compile; its generated module, run on random inputs, must give the tfjs
// evaluator's values and gradients, the float64 reference evaluator must agree with both
// (before and after optimization), and a sample of the modules must type-check strictly.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { typecheckGenerated } from '../../src/emit/typecheck.js';
import { checkAsync, timeout } from './config.js';
import { expectAgreement } from './differential.js';
import { generateProgram } from './gen-program.js';

const program = fc.record({ seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), size: fc.integer({ min: 1, max: 6 }), unit: fc.boolean() });

describe('generated well-typed programs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('check clean, compile, type-check, and the module, the evaluators and the reference agree', async () => {
    const toTypecheck: Record<string, string> = {};
    let k = 0;
    await checkAsync(
      'programs',
      // `unit`: every dimension of size 1, where broadcasting and one-class gathers break.
      fc.asyncProperty(program, async ({ seed, size, unit }) => {
        const code = await expectAgreement(generateProgram(seed, size).text, seed, unit ? { maxSize: 1 } : {});
        if (k++ % 4 === 0) toTypecheck[`p${seed}_${size}.ts`] = code;
      }),
      16,
      ([{ seed, size }]) => ({ text: generateProgram(seed, size).text, ext: 'loss' }),
    );
    expect(await typecheckGenerated(toTypecheck)).toEqual([]);
  }, timeout(120_000));
});

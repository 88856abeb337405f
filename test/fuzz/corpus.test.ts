// Every input that ever crashed or broke lossc, kept in test/fuzz-corpus/<suite>/ and replayed
// here: the front end stays sound on all of them, and those that check cleanly compile to a
// module that type-checks and agrees with the evaluators (with every dim of size 1 too).
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/api.js';
import { typecheckGenerated } from '../../src/emit/typecheck.js';
import { hasErrors } from '../../src/diagnostics/diagnostic.js';
import { CORPUS } from './config.js';
import { expectAgreement } from './differential.js';
import { expectFrontEndSound } from './invariants.js';

const entries = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(CORPUS, d.name)).filter((f) => f.endsWith('.loss')).map((f) => path.join(d.name, f)))
  .sort();

describe('the crash corpus', () => {
  const modules: Record<string, string> = {};
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is not empty', () => expect(entries.length).toBeGreaterThan(0));

  it.each(entries)('%s', async (entry) => {
    const text = readFileSync(path.join(CORPUS, entry), 'utf8');
    expectFrontEndSound(text, 'corpus.loss');
    if (hasErrors(check(text, 'fz.loss').diagnostics)) return;
    // Unit dims, large dims with two leading '...' dims (rank 5 and up), and in between.
    for (const [seed, maxSize, restRank] of [[1, 1, 0], [2, 4, 2], [3, 3, 1]] as const) {
      modules[`${entry.replace(/\W/g, '_')}.ts`] = await expectAgreement(text, seed, { maxSize, restRank });
    }
  }, 60_000);

  it('compiles to modules that type-check', async () => {
    expect(await typecheckGenerated(modules)).toEqual([]);
  }, 60_000);
});

// An error path of generated code: the error it throws, and no tensor left behind.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Runs `f`, which must throw an Error matching every pattern, and checks nothing leaked. */
export function expectThrowsClean(f: () => unknown, patterns: RegExp | readonly RegExp[], what: string): void {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    tf.dispose(f() as tf.Tensor);
  } catch (e) {
    error = e;
  }
  expect(error, `${what}: no error`).toBeInstanceOf(Error);
  for (const p of patterns instanceof RegExp ? [patterns] : patterns) expect((error as Error).message, what).toMatch(p);
  expect(tf.memory().numTensors, `${what}: tensors leaked on the error path`).toBe(before);
}

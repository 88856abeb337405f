// A program compiled to a generated module and imported, for tests that call its losses: no
// errors allowed (warnings are the program's business).
import type * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { type CompileOptions } from '../../src/api.js';
import { compile } from './compile-cache.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';
import { importModule } from '../fuzz/compare.js';

export type LossModule = Record<string, (...args: unknown[]) => tf.Scalar>;

export async function compiledModule(source: string, file: string, group: string, options: CompileOptions = {}): Promise<LossModule> {
  const r = await compile(source, file, options);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
  return importModule<LossModule>(r.code!, group);
}

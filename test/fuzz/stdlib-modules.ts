// Every stdlib loss found at run time, compiled to its generated module and imported, beside
// its IR for the evaluator. Losses that take a function argument need a model to call and are
// listed apart (`skipped`), not silently dropped.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { compile } from '../helpers/compile-cache.js';
import { fsHost } from '../../src/cli/files.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../../src/ir/types.js';
import { importModule } from './compare.js';
import type { LossFunction } from './inputs.js';

export interface StdlibLoss {
  readonly file: string;
  readonly fn: IrFunction;
  readonly f: LossFunction;
}

export async function stdlibLosses(): Promise<{ losses: StdlibLoss[]; skipped: string[] }> {
  const losses: StdlibLoss[] = [];
  const skipped: string[] = [];
  const files = readdirSync('stdlib').filter((f) => f.endsWith('.loss')).sort();
  for (const name of files) {
    const file = path.join('stdlib', name);
    const compiled = await compile(readFileSync(file, 'utf8'), file, { host: fsHost });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
    const mod = await importModule<Record<string, LossFunction>>(compiled.code!, 'stdlib');
    for (const fn of compiled.losses) {
      if (fn.functions && fn.functions.length > 0) {
        skipped.push(`${file}#${fn.name}`);
        continue;
      }
      const f = mod[fn.name];
      expect(typeof f, `${file}: ${fn.name} is not exported`).toBe('function');
      losses.push({ file, fn, f: f! });
    }
  }
  return { losses, skipped };
}

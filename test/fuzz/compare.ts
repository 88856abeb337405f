// Numeric agreement for the differential properties, and loading generated modules.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { corpusName } from './config.js';

/**
 * Elementwise |a - b| <= tol * max(1, |a|, |b|); NaN matches NaN and an infinity the same
 * infinity (both sides overflowing alike is agreement, not a bug).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, b] = [actual[i]!, expected[i]!];
    if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) {
      expect(a, `${what}[${i}]: ${a} vs ${b}`).toBe(b);
      continue;
    }
    expect(Math.abs(a - b), `${what}[${i}]: ${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(a), Math.abs(b)));
  }
}

// One folder per test process, removed when it exits: fuzzing writes thousands of modules.
const TMP = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.tmp', 'fuzz', String(process.pid));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));

/** Writes a generated module under test/.tmp (named by its text) and imports it. */
export async function importModule<M = Record<string, unknown>>(code: string, group: string): Promise<M> {
  const dir = path.join(TMP, group);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, corpusName(code, 'ts'));
  writeFileSync(file, code);
  return (await import(/* @vite-ignore */ file)) as M;
}

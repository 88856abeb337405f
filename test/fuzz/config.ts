// How long the property suites run. `npm test` runs each briefly with a fixed seed, so it is
// repeatable; `npm run fuzz` sets LOSSC_FUZZ_SCALE (runs are multiplied by it) and a fresh
// seed each time. LOSSC_FUZZ_SEED=n replays a reported run. A counterexample found while
// fuzzing is written to test/fuzz-corpus/<suite>/, which `corpus.test.ts` replays forever.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

export const SCALE = Math.max(1, Number(process.env.LOSSC_FUZZ_SCALE ?? '1') || 1);
/** True under `npm run fuzz`. */
export const FUZZING = SCALE > 1;
const SEED = process.env.LOSSC_FUZZ_SEED !== undefined ? Number(process.env.LOSSC_FUZZ_SEED) : FUZZING ? Date.now() % 2 ** 31 : 20261101;

export const CORPUS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fuzz-corpus');

/** Runs of a property: `base` in the test suite, `base * SCALE` when fuzzing. */
export function runs(base: number): number {
  return Math.round(base * SCALE);
}

/** A vitest timeout that grows with the runs. */
export function timeout(ms: number): number {
  return ms * SCALE;
}

/** A corpus file name that is the same for the same input, so a crash is kept once. */
export function corpusName(text: string, ext: string): string {
  return `${createHash('sha1').update(text).digest('hex').slice(0, 12)}.${ext}`;
}

/**
 * Checks `property`, and on failure keeps the (shrunk) counterexample in the corpus when
 * fuzzing, then fails with fast-check's report (seed and path included, to replay it).
 */
export function check<Ts extends [unknown, ...unknown[]]>(suite: string, property: fc.IProperty<Ts>, numRuns: number, toCorpus: ToCorpus<Ts> = asLoss): void {
  report(suite, fc.check(property, { numRuns: runs(numRuns), seed: SEED }), toCorpus);
}

/** `check` for a property that awaits. */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(suite: string, property: fc.IAsyncProperty<Ts>, numRuns: number, toCorpus: ToCorpus<Ts> = asLoss): Promise<void> {
  report(suite, await fc.check(property, { numRuns: runs(numRuns), seed: SEED }), toCorpus);
}

/** What to keep of a counterexample: its first value when that is source text. */
type ToCorpus<Ts> = (values: Ts) => { text: string; ext: string } | undefined;
const asLoss = <Ts extends unknown[]>(values: Ts): { text: string; ext: string } | undefined =>
  typeof values[0] === 'string' ? { text: values[0], ext: 'loss' } : undefined;

function report<Ts>(suite: string, out: fc.RunDetails<Ts>, toCorpus: ToCorpus<Ts>): void {
  if (!out.failed) return;
  const kept = FUZZING && out.counterexample ? toCorpus(out.counterexample) : undefined;
  if (kept) {
    const dir = path.join(CORPUS, suite);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, corpusName(kept.text, kept.ext));
    if (!existsSync(file)) writeFileSync(file, kept.text);
  }
  const cause = out.errorInstance instanceof Error ? out.errorInstance.stack ?? out.errorInstance.message : String(out.errorInstance);
  throw new Error(`${fc.defaultReportMessage(out) ?? 'property failed'}\n\n${cause}`);
}

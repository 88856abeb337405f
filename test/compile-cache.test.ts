// The tests' compile cache (test/helpers/compile-cache.ts) gives what compile gives: the same
// code, diagnostics and IR (NaN, infinities and -0 included), and compiles again when a file
// the source imports has changed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile as compileNow } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { cacheEnabled, compile } from './helpers/compile-cache.js';

describe.runIf(cacheEnabled())('the compile cache of the tests', () => {
  it('gives a stdlib file with imports as compile does, from the cache the second time', async () => {
    const file = 'stdlib/generative.loss';
    const text = readFileSync(file, 'utf8');
    await compile(text, file, { host: fsHost });
    const [cached, fresh] = await Promise.all([compile(text, file, { host: fsHost }), compileNow(text, file, { host: fsHost })]);
    expect(cached).toStrictEqual(fresh);
    expect(cached.code).toMatch(/export function gan_generator\(/);
  }, 60_000);

  it('keeps constants exactly and options apart', async () => {
    // A number written per run, so that the first compile here is never a hit.
    const source = `loss c(x: [N]) = mean(max(x, -0.0) * ${process.pid}) + 0 * mean(min(x, 1e308 * 10))`;
    for (const options of [{}, { autodiff: true }, { optimize: false }]) {
      const first = await compile(source, 'c.loss', options);
      const again = await compile(source, 'c.loss', options);
      const fresh = await compileNow(source, 'c.loss', options);
      expect(first).toStrictEqual(fresh);
      expect(again).toStrictEqual(fresh);
    }
    expect((await compile(source, 'c.loss', { autodiff: true })).code).not.toBe((await compile(source, 'c.loss')).code);
  }, 60_000);

  it('compiles again when an imported file changed', async () => {
    const files = new Map([['lib.loss', `def k(x) = ${process.pid} * x\n`]]);
    const host = { readFile: (f: string) => files.get(f.replace(/^.*\//, '')) };
    const source = 'import { k } from "./lib"\nloss l(x: [N]) = mean(k(x))\n';
    const before = await compile(source, 'main.loss', { host });
    expect(before.diagnostics).toEqual([]);
    expect(before.code).toContain(String(process.pid));
    files.set('lib.loss', `def k(x) = ${process.pid + 1} * x\n`);
    const after = await compile(source, 'main.loss', { host });
    expect(after).toStrictEqual(await compileNow(source, 'main.loss', { host }));
    expect(after.code).toContain(String(process.pid + 1));
  }, 60_000);
});

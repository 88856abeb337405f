// `evaluate` keeps the front end's result between calls on the same source (a playground sweep
// evaluates it at every point), and must never hand back a stale one: not after the text, an
// option that shapes the result, or a file the source imports has changed. Values are checked
// against the formula computed here in plain JavaScript.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/api.js';
import type { SourceHost } from '../src/check/program.js';
import { cachedFrontEnd } from '../src/front-end-cache.js';

const MAIN = `import { scaled } from "./lib"
loss main(x: [N]) = scaled(x)
`;
const libWith = (k: number): string => `loss scaled(x: [N]) = mean(${k} * x * x)\n`;

/** A host over files that can change between calls, counting reads. */
function changingHost(files: Record<string, string>): SourceHost & { reads: number } {
  const host = {
    reads: 0,
    readFile: (p: string): string | undefined => {
      host.reads++;
      return files[p.replace(/^.*\//, '')];
    },
  };
  return host;
}

const X = [1, -2, 3];
const meanOf = (k: number): number => X.reduce((s, v) => s + k * v * v, 0) / X.length;

describe('the front end kept between evaluations', () => {
  it('the same source and options give the same result again, without checking it anew', () => {
    const host = changingHost({ 'lib.loss': libWith(2) });
    const first = cachedFrontEnd(MAIN, 'main.loss', { host, gradients: true });
    const again = cachedFrontEnd(MAIN, 'main.loss', { host, gradients: true });
    expect(again.losses).toBe(first.losses);
    // Another option that shapes the result: computed anew.
    expect(cachedFrontEnd(MAIN, 'main.loss', { host, gradients: false }).losses).not.toBe(first.losses);
    expect(cachedFrontEnd(MAIN, 'main.loss', { host, gradients: true, target: 'cpu' }).losses).not.toBe(first.losses);
    expect(cachedFrontEnd(`${MAIN}\n`, 'main.loss', { host, gradients: true }).losses).not.toBe(first.losses);
  });

  it('an imported file that changed is read again: the new value, not the kept one', async () => {
    const files = { 'lib.loss': libWith(2) };
    const host = changingHost(files);
    const run = async (): Promise<number> => {
      const r = await evaluate(MAIN, 'main.loss', { host, loss: 'main', inputs: { x: X }, backend: 'cpu' });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      return r.loss as number;
    };
    expect(await run()).toBeCloseTo(meanOf(2), 5);
    expect(await run()).toBeCloseTo(meanOf(2), 5);
    files['lib.loss'] = libWith(5);
    expect(await run()).toBeCloseTo(meanOf(5), 5);
    // An import that disappears is an error again, not the kept loss.
    delete (files as Record<string, string>)['lib.loss'];
    const gone = await evaluate(MAIN, 'main.loss', { host, loss: 'main', inputs: { x: X }, backend: 'cpu' });
    expect(gone.loss).toBeUndefined();
    expect(gone.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it("a caller adding to the diagnostics it got does not change the next caller's", () => {
    const host = changingHost({ 'lib.loss': libWith(2) });
    const first = cachedFrontEnd(MAIN, 'main.loss', { host });
    const count = first.diagnostics.length;
    first.diagnostics.push(first.diagnostics[0] ?? ({ code: 'X', severity: 'error', message: 'added' } as never));
    expect(cachedFrontEnd(MAIN, 'main.loss', { host }).diagnostics.length).toBe(count);
  });
});

// What a `lossc` process loads. The suite starts well over a hundred of them, and a person
// runs `check` on every save: the commands that run no tensors load neither TensorFlow.js nor
// ts-morph, and chevrotain comes as its one bundled file, not its entry point's 700 modules
// (lodash-es's among them). A module-load hook given with --import records every ES module
// the process loads (a CommonJS package's entry among them) to a file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lossc } from './helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'lossc-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The hook runs on the loader's own thread; LOSSC_TEST_LOADS names the file it appends to.
const HOOK = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.LOSSC_TEST_LOADS, url + '\\n');
  return next(url, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

let runs = 0;
/** The URLs of the modules `lossc args` loaded, and its exit status. */
async function loads(args: readonly string[]): Promise<{ status: number | null; stderr: string; urls: string[] }> {
  const file = join(dir, `loads-${runs++}.txt`);
  writeFileSync(file, '');
  const env = { ...process.env, LOSSC_TEST_LOADS: file, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(REGISTER)}` };
  const r = await lossc(args, { env });
  return { status: r.status, stderr: r.stderr, urls: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

const from = (urls: readonly string[], pkg: string): string[] => urls.filter((u) => u.includes(`/node_modules/${pkg}/`));

const LOSS = 'loss l2(pred: [N], target: [N]) = mean((pred - target)^2)\n';

describe.concurrent('lossc start-up', () => {
  const commands: Record<string, () => string[]> = {
    '--help': () => ['--help'],
    'check --help': () => ['check', '--help'],
    check: () => ['check', 'stdlib/classification.loss'],
    explain: () => ['explain', 'stdlib/regression.loss', '--loss', 'huber'],
    fmt: () => {
      writeFileSync(join(dir, 'fmt.loss'), LOSS);
      return ['fmt', '--check', join(dir, 'fmt.loss')];
    },
  };
  for (const [name, args] of Object.entries(commands)) {
    it(`'lossc ${name}' loads no tfjs, no ts-morph, and chevrotain's bundle`, async () => {
      const r = await loads(args());
      expect(r.status, r.stderr).toBe(0);
      expect(from(r.urls, '@tensorflow')).toEqual([]);
      expect(from(r.urls, 'ts-morph')).toEqual([]);
      expect(from(r.urls, 'typescript')).toEqual([]);
      expect(from(r.urls, 'lodash-es')).toEqual([]);
      if (name !== '--help' && name !== 'check --help') expect(from(r.urls, 'chevrotain').map((u) => u.replace(/.*\/chevrotain\//, ''))).toEqual(['lib/chevrotain.mjs']);
    });
  }

  // The trace sees what a command does load: without these, a hook that recorded nothing
  // would pass every test above.
  it("sees tfjs loaded by 'lossc eval', and ts-morph by 'lossc compile'", async () => {
    writeFileSync(join(dir, 'l2.loss'), LOSS);
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ pred: [1, 2], target: [0, 0] }));
    const [evaluated, compiled] = await Promise.all([
      loads(['eval', join(dir, 'l2.loss'), '--loss', 'l2', '--inputs', join(dir, 'inputs.json'), '--backend', 'cpu']),
      loads(['compile', join(dir, 'l2.loss'), '--out', join(dir, 'out')]),
    ]);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(from(evaluated.urls, '@tensorflow').length).toBeGreaterThan(0);
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(from(compiled.urls, 'ts-morph').length).toBeGreaterThan(0);
  });
});

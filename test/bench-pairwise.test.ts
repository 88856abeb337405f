// The pairwise bench's harness (bench/pairwise/): its command line, what it says about a process
// that died, its agreement check, and — with real worker processes — that an implementation
// whose process is killed mid-run is recorded with what it printed while the other's numbers
// are kept. Not timed: the bench's numbers are measured in bench/, never asserted here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disagreement } from '../bench/pairwise/agreement.js';
import { deathReason, runGroup } from '../bench/pairwise/driver.js';
import { FULL_SIZES, parseOptions, QUICK, UsageError } from '../bench/pairwise/options.js';
import { formatRow, header } from '../bench/pairwise/table.js';

const LOSSES = ['info_nce', 'supcon', 'center'];

describe('bench/pairwise.ts options', () => {
  it('runs every loss on both backends at the full sizes by default, 5 rounds', () => {
    const o = parseOptions([], LOSSES);
    expect(o.losses).toEqual(LOSSES);
    expect(o.backends).toEqual(['wasm', 'cpu']);
    expect(o.sizes).toEqual(FULL_SIZES);
    expect(o.sizes.wasm).toContain(4096);
    expect(o.rounds).toBe(5);
    expect(o.out).toBe('bench/results/pairwise.json');
    expect(o.compiler).toBe('src');
  });

  it('--quick is small and writes its own file; explicit flags win over it', () => {
    const q = parseOptions(['--quick'], LOSSES);
    expect(q.sizes).toEqual({ wasm: QUICK.sizes, cpu: QUICK.sizes });
    expect(q.rounds).toBe(QUICK.rounds);
    expect(q.out).not.toBe('bench/results/pairwise.json');
    const o = parseOptions(['--quick', '--sizes', '32,48', '--rounds=7', '--losses', 'supcon', '--backends=cpu'], LOSSES);
    expect(o.sizes.cpu).toEqual([32, 48]);
    expect(o.rounds).toBe(7);
    expect(o.losses).toEqual(['supcon']);
    expect(o.backends).toEqual(['cpu']);
  });

  it('--modules names builds; the expert name is reserved', () => {
    expect(parseOptions(['--modules', 'before=/tmp/a,after=build/b'], LOSSES).modules).toEqual([
      ['before', '/tmp/a'],
      ['after', 'build/b'],
    ]);
    expect(() => parseOptions(['--modules', 'expert=/tmp/a'], LOSSES)).toThrow(/reserved|names the hand-written/);
  });

  it.each([
    [['--losses', 'info_nce,nope'], /no pairwise case 'nope'.*info_nce, supcon, center/],
    [['--backends', 'webgl'], /--backends takes wasm and cpu/],
    [['--sizes', '256,x'], /--sizes wants integers/],
    [['--rounds', '0'], /--rounds wants a positive integer/],
    [['--compiler', 'tsc'], /--compiler takes src or dist/],
    [['--modules', 'a'], /name=directory/],
    [['--sizes'], /--sizes wants a value/],
    [['--fast'], /unknown argument '--fast'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv, LOSSES)).toThrow(UsageError);
    expect(() => parseOptions(argv, LOSSES)).toThrow(message);
  });
});

describe('what the table says about a process that died', () => {
  const banner = '============================\nHi there 👋. Looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend, which binds to TensorFlow C++, by running npm i @tensorflow/tfjs-node, or npm i @tensorflow/tfjs-node-gpu if you have CUDA. Then call require(\'@tensorflow/tfjs-node\'); (-gpu suffix for CUDA) at the start of your program. Visit https://github.com/tensorflow/tfjs-node for more details.\n============================\n';

  it('the last line naming an error, past the tfjs banner and the stack, with the signal or exit code', () => {
    const stderr = `${banner}Aborted(Cannot enlarge memory arrays)\nRuntimeError: memory access out of bounds\n    at wasm://wasm/0022:wasm-function[1]\n    at Object.matMul (file.js:1:2)\n\nNode.js v20.20.2\n`;
    expect(deathReason(stderr, 1, null)).toBe('RuntimeError: memory access out of bounds (exit code 1)');
    expect(deathReason(banner, null, 'SIGKILL')).toBe('signal SIGKILL');
    expect(deathReason(`${banner}something odd happened\n`, 7, null)).toBe('something odd happened (exit code 7)');
  });
});

describe('the agreement check', () => {
  const want = { value: 5.4466, gradNorms: [0.159, 0.157] };
  it('agrees within float32 summation error, flags a different value or gradient, and non-finite numbers', () => {
    expect(disagreement({ value: 5.4467, gradNorms: [0.1591, 0.157] }, want, ['zi', 'zj'])).toBe('');
    expect(disagreement({ value: 5.6, gradNorms: [0.159, 0.157] }, want, ['zi', 'zj'])).toMatch(/^value 5\.6000 vs 5\.4466$/);
    expect(disagreement({ value: 5.4466, gradNorms: [0.159, 0.3] }, want, ['zi', 'zj'])).toMatch(/‖∂\/∂zj‖ 0\.30000 vs 0\.15700/);
    expect(disagreement({ value: NaN, gradNorms: [0.159, 0.157] }, want, ['zi', 'zj'])).toMatch(/^not finite/);
    expect(disagreement({ value: 1, gradNorms: [Infinity] }, undefined, ['e'])).toMatch(/^not finite/);
    expect(disagreement({ value: 1, gradNorms: [1] }, undefined, ['e'])).toBe('');
  });
});

describe('one process per implementation (real worker processes, cpu, N = 16)', () => {
  it('a build whose process is killed, or whose wasm traps, in round 1 is recorded with what it said; the expert is still timed', async () => {
    // Stand-ins for builds of lossc's modules whose first timed call fails as running out of the
    // wasm heap does: after two good calls (the check and the profiled one), one prints what
    // emscripten prints and is killed, the other throws a WebAssembly trap (a RuntimeError).
    const build = (name: string, failure: string): string => {
      const dir = resolve(`test/.tmp/bench-pairwise/${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        resolve(dir, 'user.ts'),
        `import * as tf from '@tensorflow/tfjs';
let calls = 0;
export function center(x: tf.Tensor, _y: tf.Tensor, centers: tf.Tensor): tf.Scalar {
  if (++calls === 3) {
    ${failure}
  }
  return tf.add(tf.mean(tf.square(x)), tf.mean(centers)) as tf.Scalar;
}
`,
      );
      return dir;
    };
    const dies = build('dies', `process.stderr.write('Aborted(OOM)\\nRuntimeError: memory access out of bounds\\n');
    process.kill(process.pid, 'SIGKILL');`);
    const traps = build('traps', `const e = new Error('table index is out of bounds');
    e.name = 'RuntimeError';
    throw e;`);
    const g = { loss: 'center', n: 16, backend: 'cpu' as const };
    const results = await runGroup([{ ...g, impl: 'dies', dir: dies }, { ...g, impl: 'traps', dir: traps }, { ...g, impl: 'expert' }], { rounds: 3, timeoutMs: 60_000 });
    const [died, trapped, expert] = results;
    expect(died).toMatchObject({ impl: 'dies', ok: false, phase: 'round 1', failure: 'aborts: RuntimeError: memory access out of bounds (signal SIGKILL)' });
    expect(trapped).toMatchObject({ impl: 'traps', ok: false, phase: 'round 1', failure: 'aborts: RuntimeError: table index is out of bounds' });
    expect(died!.samples).toEqual([]);
    expect(expert!.ok).toBe(true);
    if (!expert!.ok) return;
    expect(expert!.samples).toHaveLength(3);
    expect(expert!.samples.every((ms) => ms > 0)).toBe(true);
    expect(expert!.cpuSamples).toHaveLength(3);
    expect(expert!.check.value).toBeGreaterThan(0);
    expect(expert!.check.gradNorms).toHaveLength(2);
    expect(expert!.peakMB).toBeGreaterThan(0);
    expect(expert!.leakedTensors).toBe(0);
    // The row says so, and gives the expert's time.
    const line = formatRow({ ...g, results, disagreements: { dies: '', traps: '' }, seconds: 1 }, ['dies', 'traps']);
    expect(header(['dies', 'traps']).split('\n')[0]!.split('|')).toHaveLength(line.split('|').length);
    expect(line).toContain('| aborts: RuntimeError: memory access out of bounds (signal SIGKILL) | aborts: RuntimeError: table index is out of bounds |');
    expect(line).toContain('| no: it fails | no: it fails |');
  }, 120_000);

  it('a case that does not exist fails in setup with the worker\'s message', async () => {
    const [r] = await runGroup([{ loss: 'no_such_loss', n: 16, backend: 'cpu', impl: 'expert' }], { rounds: 1, timeoutMs: 60_000 });
    expect(r).toMatchObject({ ok: false, phase: 'setup', failure: "fails: no pairwise case 'no_such_loss'" });
  }, 60_000);
});

// The CLI as a process: `node bin/lossc.js ...` on the built dist/ (npm test builds first).
// The processes of a group run side by side (describe.concurrent, Promise.all): each check is
// about what a process prints, and the stdlib, the costliest thing to compile, is compiled once.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { typecheckGenerated } from '../src/emit/typecheck.js';
import { mulberry32, randomTensor, toNested } from './oracle/tensor.js';
import { triplet } from './oracle/metric.js';
import { vae } from './oracle/generative.js';
import { lossc as losscProcess, run, type ProcessResult } from './helpers/process.js';

function lossc(...args: string[]): Promise<ProcessResult> {
  return losscEnv({}, ...args);
}

/** The environment of the test run, without what would colour the output, plus `env`. */
// Every variable Node's getColorDepth reads besides TERM: a CI runner's CI=true alone turns
// colour off on a terminal.
const COLOUR_VARIABLES = ['FORCE_COLOR', 'NO_COLOR', 'NODE_DISABLE_COLORS', 'CI', 'TMUX', 'COLORTERM', 'TERM_PROGRAM', 'TEAMCITY_VERSION'];

function plainEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const rest = Object.fromEntries(Object.entries(process.env).filter(([k]) => !COLOUR_VARIABLES.includes(k)));
  return { ...rest, ...env };
}

function losscEnv(env: Record<string, string>, ...args: string[]): Promise<ProcessResult> {
  return losscProcess(args, { env: plainEnv(env), timeoutMs: 60_000 });
}

/** A command that compiles several files: more time than a test's 60 s before it is ended. */
function losscLong(...args: string[]): Promise<ProcessResult> {
  return losscProcess(args, { env: plainEnv({}), timeoutMs: 170_000 });
}

const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
let dir: string;

beforeAll(() => {
  expect(existsSync('dist/src/cli/main.js'), 'run `npm run build` first (npm test does)').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'lossc-cli-'));
});

describe.concurrent('lossc eval', () => {
  it('prints the triplet loss of the stdlib as JSON, equal to an independent float64 triplet', async () => {
    const rng = mulberry32(11);
    const [a, p, n] = [0, 1, 2].map(() => randomTensor([5, 3], rng, { lo: -2, hi: 2 }));
    const inputs = join(dir, 'triplet.json');
    writeFileSync(inputs, JSON.stringify({ a: toNested(a!), p: toNested(p!), n: toNested(n!) }));
    const r = await lossc('eval', 'stdlib/metric.loss', '--loss', 'triplet', '--inputs', inputs, '--json', '--set', 'margin=0.5');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { loss: number };
    const expected = triplet(a!, p!, n!, { margin: 0.5 });
    expect(Math.abs(out.loss - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
  });

  it('reports gradients with --grad', async () => {
    const inputs = join(dir, 'mse.json');
    writeFileSync(inputs, JSON.stringify({ pred: [1, 2, 3], target: { shape: [3], data: [1, 1, 1] } }));
    const r = await lossc('eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', inputs, '--json', '--grad', '--backend', 'cpu');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { loss: number; grads: Record<string, number[]> };
    expect(out.loss).toBeCloseTo(5 / 3, 5);
    // d/dpred mean((pred - target)^2) = 2 (pred - target) / 3
    expect(out.grads.pred![0]).toBeCloseTo(0, 6);
    expect(out.grads.pred![2]).toBeCloseTo(4 / 3, 5);
    expect(out.grads.target![1]).toBeCloseTo(-2 / 3, 5);
  });

  it('derives gradients by default and keeps tfjs autodiff with --autodiff; both agree with the closed form', async () => {
    // bce_with_logits: d/dx mean(softplus(x) - y·x) = (σ(x) - y) / N, written here independently.
    const x = [-3, -0.5, 0, 0.25, 4];
    const y = [0, 1, 0.5, 1, 0];
    const inputs = join(dir, 'bce.json');
    writeFileSync(inputs, JSON.stringify({ x, y }));
    const runs = await Promise.all([[], ['--autodiff']].map((extra) => lossc('eval', 'stdlib/classification.loss', '--loss', 'bce_with_logits', '--inputs', inputs, '--json', '--grad', ...extra)));
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { grads: Record<string, number[]> };
      x.forEach((xi, i) => expect(out.grads.x![i]).toBeCloseTo((1 / (1 + Math.exp(-xi)) - y[i]!) / x.length, 6));
      // d/dy = -x / N
      x.forEach((xi, i) => expect(out.grads.y![i]).toBeCloseTo(-xi / x.length, 6));
    }
  });

  it('refuses --autodiff without --grad, and an unknown --target, exit 2', async () => {
    const inputs = join(dir, 'mse2.json');
    writeFileSync(inputs, JSON.stringify({ pred: [1], target: [2] }));
    const [r, t] = await Promise.all([
      lossc('eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', inputs, '--autodiff'),
      lossc('explain', 'stdlib/regression.loss', '--loss', 'mse', '--target', 'gpu'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--autodiff .* use it with --grad/);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/--target must be wasm or cpu, not 'gpu'/);
    expect(t.stderr).not.toMatch(STACK_TRACE);
  });

  it('names a missing input, an unknown input and an unknown loss, exit 1', async () => {
    const inputs = join(dir, 'partial.json');
    writeFileSync(inputs, JSON.stringify({ pred: [1], tgt: [1] }));
    const [r, r2] = await Promise.all([
      lossc('eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', inputs),
      lossc('eval', 'stdlib/regression.loss', '--loss', 'msee', '--inputs', inputs),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error E7005: loss 'mse' has no input or hyperparameter named 'tgt' \(did you mean 'target'\?\); the inputs are pred, target/);
    expect(r.stderr).toMatch(/error E7002: no value given for input 'target' of loss 'mse'/);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/error E7001: no loss named 'msee'.*did you mean 'mse'/);
  });

  it('rejects malformed inputs JSON and disagreeing shapes, exit 1, no stack trace', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"pred": [1, 2,');
    const mismatch = join(dir, 'mismatch.json');
    writeFileSync(mismatch, JSON.stringify({ a: [[1, 2]], p: [[1, 2, 3]], n: [[1, 2]] }));
    const [r, r2] = await Promise.all([
      lossc('eval', 'stdlib/regression.loss', '--loss', 'mse', '--inputs', bad),
      lossc('eval', 'stdlib/metric.loss', '--loss', 'triplet', '--inputs', mismatch),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error E7004: .*bad\.json is not valid JSON/);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/triplet.*'p'.*D/);
    for (const x of [r, r2]) expect(x.stderr).not.toMatch(STACK_TRACE);
  });
});

describe.concurrent('lossc eval: declared domains, non-finite results, empty batches', () => {
  /** Line and column (1-based) of `needle` on the line of `def`, read off the source itself. */
  const at = (file: string, def: string, needle: string): string => {
    const lines = readFileSync(file, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.startsWith(def));
    return `${file}:${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
  };

  it.each([
    ['stdlib/classification.loss', 'cross_entropy', 'label_smoothing', '5', '[0, 1]', { x: [[0.3, 0.2]], t: [1] }],
    ['stdlib/metric.loss', 'info_nce', 'temperature', '0', '[0.0001, inf)', { zi: [[1, 0]], zj: [[1, 0]] }],
    ['stdlib/metric.loss', 'info_nce', 'temperature', 'inf', '[0.0001, inf)', { zi: [[1, 0]], zj: [[1, 0]] }],
  ])('%s %s: --set %s=%s is refused at the parameter (E7015), exit 1, before anything runs', async (file, loss, name, value, domain, values) => {
    // A file of its own per case: the cases run side by side.
    const inputs = join(dir, `${loss}-set-${name}-${value}.json`);
    writeFileSync(inputs, JSON.stringify(values));
    const r = await lossc('eval', file, '--loss', loss, '--inputs', inputs, '--set', `${name}=${value}`);
    expect(r.status).toBe(1);
    const shown = value === 'inf' ? 'Infinity' : value;
    expect(r.stderr).toContain(`${at(file, `loss ${loss}(`, `${name}:`)}: error E7015: ${shown} for '${name}' of loss '${loss}' is outside its declared domain ${domain}`);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it.each([
    ['bce', { p: [0.3, -0.6, -0.1], y: [1, 2, 3] }, /E7008: evaluation failed: bce: input 'p' holds -0\.6\d* at \[1\] \(flat position 1\), outside its declared domain \[0, 1\]/],
    ['hinge', { x: [0.3, -0.6], labels: [1, 5] }, /E7008: evaluation failed: hinge: input 'labels' holds 5 at \[1\] \(flat position 1\), outside its declared domain \{0, 1\}/],
    ['bce', { p: [0.5, 'Infinity'], y: [1, 0] }, /bce: input 'p' holds Infinity at \[1\]/],
    ['cross_entropy', { x: [[0.3], [0.1]], t: [0, 0] }, /cross_entropy: input 't' indexes classes of C, which has size 1/],
  ])('%s on %j is refused as the module refuses it, exit 1', async (loss, values, message) => {
    const inputs = join(dir, `${loss}-domain-${Object.values(values).flat().join('_')}.json`);
    writeFileSync(inputs, JSON.stringify(values));
    const r = await lossc('eval', 'stdlib/classification.loss', '--loss', loss, '--inputs', inputs, '--backend', 'cpu');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a non-finite loss is exit 1 with what checkFinite says; --allow-nonfinite prints it, --json as "NaN", "Infinity", "-Infinity"', async () => {
    const file = join(dir, 'nonfinite.loss');
    writeFileSync(file, 'loss lg(p: [N]) = mean(log(p))\nloss nl(p: [N]) = -mean(log(p))\n');
    const zeroOne = join(dir, 'p01.json');
    writeFileSync(zeroOne, JSON.stringify({ p: [0, 1] }));
    const negative = join(dir, 'pneg.json');
    writeFileSync(negative, JSON.stringify({ p: [-1, 1] }));
    const [failed, lg, nl, nan, text] = await Promise.all([
      lossc('eval', file, '--loss', 'lg', '--inputs', zeroOne, '--json'),
      lossc('eval', file, '--loss', 'lg', '--inputs', zeroOne, '--json', '--grad', '--allow-nonfinite'),
      lossc('eval', file, '--loss', 'nl', '--inputs', zeroOne, '--json', '--allow-nonfinite'),
      lossc('eval', file, '--loss', 'lg', '--inputs', negative, '--json', '--allow-nonfinite'),
      lossc('eval', file, '--loss', 'nl', '--inputs', zeroOne, '--grad', '--allow-nonfinite'),
    ]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/error E7008: evaluation failed: lg: the loss is -Infinity( at \[0\])? \(checkFinite\): it first appears as -Infinity in log \(.*nonfinite\.loss:1:\d+\) at \[N=0\] from finite operands, where p\[0\] = 0/);
    // log(0) = -inf, mean -inf; d/dp mean(log p) = 1 / (N p): +inf at 0 and 1/2 at 1.
    expect(lg.status).toBe(0);
    expect(JSON.parse(lg.stdout)).toEqual({ loss: '-Infinity', grads: { p: ['Infinity', 0.5] } });
    expect(JSON.parse(nl.stdout)).toEqual({ loss: 'Infinity' });
    // log(-1) is NaN.
    expect(JSON.parse(nan.stdout)).toEqual({ loss: 'NaN' });
    // Without --json the numbers are printed bare.
    expect(text.stdout).toBe('nl = Infinity\ndnl/dp = [-Infinity,-0.5]\n');
  });

  it.each(['wasm', 'cpu'])('giou_loss of no boxes is 0 on %s, its gradients empty', async (backend) => {
    const inputs = join(dir, `giou-empty-${backend}.json`);
    writeFileSync(inputs, JSON.stringify({ p: { shape: [0, 4], data: [] }, t: { shape: [0, 4], data: [] } }));
    const r = await lossc('eval', 'stdlib/detection.loss', '--loss', 'giou_loss', '--inputs', inputs, '--json', '--grad', '--backend', backend);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ loss: 0, grads: { p: [], t: [] } });
  });

  it('eval --help lists --allow-nonfinite and says how --json writes non-finite numbers', async () => {
    const r = await lossc('eval', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}--allow-nonfinite {2,}\w/m);
    expect(r.stdout).toMatch(/"NaN", "Infinity", "-Infinity"/);
  });
});

describe.concurrent('errors and usage', () => {
  it('a bad file exits 1 with file:line:col: error CODE: message', async () => {
    const file = join(dir, 'bad.loss');
    writeFileSync(file, 'loss f(x: [N]) = mean(y)\nloss g(x: [N]) = sum(x, D)\n');
    const r = await lossc('check', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:1:23: error E2001: unknown name 'y'`);
    expect(r.stderr).toContain(`${file}:2:25: error E4003:`);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('check --json prints the diagnostics as data', async () => {
    const file = join(dir, 'bad2.loss');
    writeFileSync(file, 'loss f(x: [N]) = mean(exp(x, x))\n');
    const r = await lossc('check', file, '--json');
    expect(r.status).toBe(1);
    const ds = JSON.parse(r.stdout) as { code: string; line: number; col: number; severity: string }[];
    expect(ds).toEqual([expect.objectContaining({ code: 'E3001', line: 1, col: 23, severity: 'error' })]);
  });

  it('the stdlib checks clean, exit 0', async () => {
    const r = await lossc('check', 'stdlib');
    expect(r.stderr).toMatch(/0 errors, 0 warnings/);
    expect(r.status).toBe(0);
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [[], /no command given/],
    [['eval', 'stdlib/metric.loss', '--inputs', 'x.json'], /eval needs --loss NAME/],
    [['check', 'stdlib', '--frob'], /Unknown option '--frob'/],
    [['eval', 'stdlib/metric.loss', '--loss', 'triplet', '--inputs', 'x.json', '--backend', 'gpu'], /--backend must be wasm or cpu/],
  ])('bad usage %j exits 2', async (args, message) => {
    const r = await lossc(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage:');
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('lossc compile --help (and -h) prints the usage of compile, every flag explained, exit 0', async () => {
    for (const r of await Promise.all(['--help', '-h'].map((flag) => lossc('compile', flag)))) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage:\n  lossc compile <file\|dir>\.\.\. /);
      for (const line of ['--out DIR', '--js', '--no-opt', '--autodiff', '--target wasm|cpu', '--max-warnings N', '--watch', '-h, --help']) {
        expect(r.stdout).toMatch(new RegExp(`^  ${line.replace(/[|]/g, '\\|')} {2,}\\w`, 'm'));
      }
    }
  });

  it('a missing file exits 1 with E7006', async () => {
    const r = await lossc('check', join(dir, 'nope.loss'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error E7006: cannot read .*nope\.loss/);
  });
});

describe('lossc compile', () => {
  // The stdlib compiled once, as README tells a user to, beside a copy of the examples that
  // type-check against it (test/examples.test.ts compiles into build/stdlib itself); the other
  // tests read this output. A single module printed to stdout is compiled meanwhile: the
  // smallest (generative), as are the two below (generative, multitask) — what the tests check
  // is the same whichever modules, and metric alone costs a dozen times generative's compile.
  const root = join('test', '.tmp', 'examples-types');
  const built = join(root, 'build', 'stdlib');
  let stdlib: ProcessResult;
  let printed: ProcessResult;
  beforeAll(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 'examples'), { recursive: true });
    for (const f of readdirSync('examples').filter((f) => f.endsWith('.ts'))) copyFileSync(join('examples', f), join(root, 'examples', f));
    [stdlib, printed] = await Promise.all([losscLong('compile', 'stdlib', '--out', built), losscLong('compile', 'stdlib/generative.loss')]);
  }, 180_000);

  it('writes one module per file and an index, and refuses to overwrite a file it did not write', async () => {
    const modules = readdirSync('stdlib').filter((f) => f.endsWith('.loss')).length;
    expect(stdlib.stderr).toContain(`wrote ${modules + 1} files`);
    expect(stdlib.status).toBe(0);
    expect(readFileSync(join(built, 'regression.ts'), 'utf8')).toMatch(/export function mse\(/);
    expect(readFileSync(join(built, 'index.ts'), 'utf8')).toContain("export * as metric from './metric.js';");
    expect(readdirSync(built).sort()).toEqual([...readdirSync('stdlib').filter((f) => f.endsWith('.loss')).map((f) => f.replace(/\.loss$/, '.ts')), 'index.ts'].sort());
    // Compiling again over its own output is fine: two of the stdlib's files over a copy of
    // it, their modules and the index rewritten, the other modules left as they were.
    const again = join(dir, 'again');
    mkdirSync(again);
    for (const f of readdirSync(built)) copyFileSync(join(built, f), join(again, f));
    // A file of the user's in the way (the second module's): nothing is written, not even the
    // first module, and the file is untouched.
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'multitask.ts'), 'my own code\n');
    const two = ['stdlib/generative.loss', 'stdlib/multitask.loss'];
    const [r, r2] = await Promise.all([losscLong('compile', ...two, '--out', again), losscLong('compile', ...two, '--out', mine)]);
    expect(r.stderr).toBe(`lossc: wrote 3 files to ${again}\n`);
    expect(r.status).toBe(0);
    expect(readFileSync(join(again, 'index.ts'), 'utf8')).toMatch(/^export \* as generative from '\.\/generative\.js';\nexport \* as multitask from '\.\/multitask\.js';\n$/m);
    expect(readFileSync(join(again, 'index.ts'), 'utf8')).not.toContain('regression');
    for (const f of readdirSync(built)) if (f !== 'index.ts') expect(readFileSync(join(again, f), 'utf8'), f).toBe(readFileSync(join(built, f), 'utf8'));
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/error E7007: .*multitask\.ts exists and was not written by lossc/);
    expect(readFileSync(join(mine, 'multitask.ts'), 'utf8')).toBe('my own code\n');
    expect(readdirSync(mine)).toEqual(['multitask.ts']);
  }, 180_000);

  it('writes modules the examples type-check against, compiled as README tells a user to', () => {
    expect(stdlib.status).toBe(0);
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ extends: '../../../examples/tsconfig.json', include: ['examples/*.ts'] }));
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(root, 'tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 180_000);

  it('prints a single module to stdout without --out, the module it writes with --out', () => {
    expect(printed.status).toBe(0);
    expect(printed.stdout).toMatch(/^\/\/ Generated by lossc/);
    expect(printed.stdout).toContain("import * as tf from '@tensorflow/tfjs';");
    expect(printed.stdout.trimEnd()).toBe(readFileSync(join(built, 'generative.ts'), 'utf8').trimEnd());
  });
});

describe('lossc compile --js', () => {
  it('writes ESM .js and .d.ts that plain Node runs on tfjs and TypeScript type-checks, with an index', async () => {
    // Under the repository, so that the modules' `@tensorflow/tfjs` resolves to its node_modules.
    const root = join('test', '.tmp', `compile-js-${process.pid}`);
    rmSync(root, { recursive: true, force: true });
    const out = join(root, 'out');
    // generative and regression, two of the cheaper modules to compile (metric costs a dozen
    // times generative): their index, a loss with a hyperparameter and one with a reduction.
    const r = await losscLong('compile', 'stdlib/generative.loss', 'stdlib/regression.loss', '--js', '--out', out);
    expect(r.stderr).toBe(`lossc: wrote 6 files to ${out}\n`);
    expect(r.status).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['generative.d.ts', 'generative.js', 'index.d.ts', 'index.js', 'regression.d.ts', 'regression.js']);
    const text = Object.fromEntries(files.map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    for (const f of files) expect(text[f], f).toMatch(/^\/\/ Generated by lossc/);
    expect(text['regression.js']).toMatch(/^export function mse\(pred, target, options = \{\}\) \{$/m);
    expect(text['regression.d.ts']).toMatch(/^export declare function mse\(pred: tf\.Tensor\b/m);

    // A plain Node process, no TypeScript loader: the index and a module, on tfjs's cpu backend.
    const rng = mulberry32(5);
    const [recon, x] = [0, 1].map(() => randomTensor([4, 3], rng, { lo: 0.05, hi: 0.95 }));
    const [mu, logvar] = [0, 1].map(() => randomTensor([4, 2], rng, { lo: -1, hi: 1 }));
    const script = join(root, 'use.mjs');
    writeFileSync(
      script,
      `import * as tf from '@tensorflow/tfjs';
import { generative } from './out/index.js';
import { mse } from './out/regression.js';
const { recon, x, mu, logvar } = JSON.parse(process.argv[2]);
const read = (t) => { const v = t.arraySync(); t.dispose(); return v; };
const vae = read(generative.vae(tf.tensor(recon), tf.tensor(x), tf.tensor(mu), tf.tensor(logvar), { beta: 0.5 }));
const perSample = read(mse(tf.tensor([1, 2, 3]), tf.tensor([1, 1, 1]), { reduction: 'none' }));
console.log('RESULT ' + JSON.stringify({ vae, perSample, tensors: tf.memory().numTensors }));
`,
    );
    const node = await run(process.execPath, [script, JSON.stringify({ recon: toNested(recon!), x: toNested(x!), mu: toNested(mu!), logvar: toNested(logvar!) })]);
    expect(node.status, node.stderr).toBe(0);
    const line = node.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const result = JSON.parse(line!.slice('RESULT '.length)) as { vae: number; perSample: number[]; tensors: number };
    const expected = vae(recon!, x!, mu!, logvar!, { beta: 0.5 });
    expect(Math.abs(result.vae - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
    expect(result.perSample).toEqual([0, 1, 4]);
    // The inputs made by the script, and nothing the losses leaked.
    expect(result.tensors).toBe(6);

    // The declarations type-check a consumer, and are precise enough to refuse a wrong option.
    const consumer = `import * as tf from '@tensorflow/tfjs';
import { generative, regression } from './index.js';
import { mse, type MseOptions } from './regression.js';
const x: tf.Tensor = tf.ones([4, 3]);
const loss: tf.Scalar = generative.vae(x, x, x, x, { beta: 0.5 });
const perSample: tf.Tensor = regression.mse(x, x, { reduction: 'none' });
const options = { reduction: 'sum' } as const satisfies MseOptions;
const summed: tf.Scalar = mse(x, x, options);
// @ts-expect-error: not a reduction
mse(x, x, { reduction: 'avg' });
export { loss, perSample, summed };
`;
    const declarations = Object.fromEntries(files.filter((f) => f.endsWith('.d.ts')).map((f) => [f, text[f]!]));
    expect(await typecheckGenerated({ ...declarations, 'consumer.ts': consumer })).toEqual([]);
  }, 180_000);
});

describe.concurrent('colour', () => {
  let source: string;
  beforeAll(() => {
    source = join(dir, 'colour.loss');
    writeFileSync(source, 'loss f(x: [N]) = mean(y)\n  where a = 2 * x\n');
  });

  it('FORCE_COLOR colours errors red and warnings yellow even piped; without the escapes, the text printed plain', async () => {
    const [plain, forced, zero] = await Promise.all([lossc('check', source), losscEnv({ FORCE_COLOR: '1' }, 'check', source), losscEnv({ FORCE_COLOR: '0' }, 'check', source)]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).not.toMatch(/\x1b\[/);
    expect(plain.stderr).toContain(`${source}:1:23: error E2001: unknown name 'y'`);
    expect(plain.stderr).toContain(`${source}:2:9: warning W2014: 'a' is bound but never used`);
    expect(forced.status).toBe(1);
    expect(forced.stderr).toContain('\x1b[31m\x1b[1merror\x1b[22m\x1b[39m \x1b[31mE2001\x1b[39m');
    expect(forced.stderr).toContain('\x1b[33m\x1b[1mwarning\x1b[22m\x1b[39m \x1b[33mW2014\x1b[39m');
    expect(stripVTControlCharacters(forced.stderr)).toBe(plain.stderr);
    expect(zero.stderr).toBe(plain.stderr);
  });

  // `script` runs the command on a pseudo-terminal: stdout and stderr are TTYs.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('on a terminal: coloured, and not at all with NO_COLOR', async () => {
    const onTerminal = async (env: Record<string, string>): Promise<string> => {
      const command = `${JSON.stringify(process.execPath)} bin/lossc.js check ${JSON.stringify(source)}`;
      const r = await run('script', ['-qec', command, '/dev/null'], { timeoutMs: 60_000, env: plainEnv({ TERM: 'xterm-256color', ...env }) });
      expect(r.status).toBe(1);
      return r.stdout.replace(/\r\n/g, '\n');
    };
    const [coloured, none] = await Promise.all([onTerminal({}), onTerminal({ NO_COLOR: '1' })]);
    expect(coloured).toContain('\x1b[31m\x1b[1merror');
    expect(none).not.toMatch(/\x1b\[/);
    expect(none).toContain(`${source}:1:23: error E2001: unknown name 'y'`);
    expect(stripVTControlCharacters(coloured)).toBe(none);
  });
});

describe.concurrent('lossc explain', () => {
  it('prints the IR before and after optimization', async () => {
    const r = await lossc('explain', 'stdlib/metric.loss', '--loss', 'triplet');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/as written/);
    expect(r.stdout).toMatch(/after optimization/);
    expect(r.stdout).toMatch(/= sum\(%\d+, axes=\[D\]\)/);
  });
});

describe.concurrent('lossc explain --grad', () => {
  it('prints the simplified backward pass: (σ(x) - y)·dy/N for BCE with logits', async () => {
    const r = await lossc('explain', 'stdlib/classification.loss', '--loss', 'bce_with_logits', '--grad');
    expect(r.status).toBe(0);
    const part = r.stdout.split('derived gradients')[1] ?? '';
    expect(part).toMatch(/gradient of %\d+ given %\d+: d\/dx = %\d+, d\/dy = %\d+/);
    // The derivative of softplus is the sigmoid: no softplus is recomputed for the gradient.
    expect(part).toMatch(/= sigmoid\(%\d+\)/);
  });

  it('picks the cheaper of softmax and exp(log_softmax) for the backend named by --target', async () => {
    const [wasm, cpu] = await Promise.all(['wasm', 'cpu'].map((target) => lossc('explain', 'stdlib/classification.loss', '--loss', 'cross_entropy', '--grad', '--target', target)));
    expect(wasm!.status).toBe(0);
    expect(cpu!.status).toBe(0);
    expect(wasm!.stdout).not.toEqual(cpu!.stdout);
  });

  it('says why a loss with a function parameter has no derived gradient', async () => {
    const r = await lossc('explain', 'stdlib/generative.loss', '--loss', 'perceptual', '--grad');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/derived gradients\nnone: .*function parameter 'features'/);
  });
});

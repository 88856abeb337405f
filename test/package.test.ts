// The package as a user gets it: `npm pack`, installed into a fresh app that already has
// @tensorflow/tfjs, then used from plain Node ESM (child processes running `node`, not
// vitest's transform): the compiled stdlib by its package name, a loss, its gradient and a few
// training steps; the compiler API and the CLI, first without the optional ts-morph (compile
// says how to install it), then with it. Offline: the app's tfjs, chevrotain and ts-morph are
// links to the repository's installed copies, and npm gets an empty cache and no registry.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/api.js';
import { packageStdlibDir, STDLIB_DIR } from '../src/check/program.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const REPO = resolve(import.meta.dirname, '..');
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
const NO_TS_MORPH = 'lossc: error E7013: compile needs the ts-morph package, which is not installed: npm install ts-morph';

let work: string;
let app: string;
let installed: string;

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const env = { ...process.env };
  // Settings npm passes to a script it runs (`npm test`) must not leak into these installs.
  for (const key of Object.keys(env)) if (key.toLowerCase().startsWith('npm_config_')) delete env[key];
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.error, `${what}: ${r.error?.message}`).toBeUndefined();
  expect(r.status, `${what} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

/** `npm install` in the app, offline: only tarballs and folders given on the command line. */
function npmInstall(...specs: string[]): void {
  const flags = ['--offline', '--cache', join(work, 'npm-cache'), '--registry', 'http://127.0.0.1:9/', '--no-audit', '--no-fund', '--ignore-scripts', '--no-update-notifier'];
  ok(run('npm', ['install', ...flags, ...specs], app), `npm install ${specs.join(' ')}`);
}

/** A file of the app, run with plain `node`. */
function node(script: string, ...args: string[]): SpawnSyncReturns<string> {
  return run(process.execPath, [script, ...args], app);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(() => {
  // The package's files come from the build; packing does not rebuild them (`--ignore-scripts`
  // skips prepack), since other suites read dist/ while this one runs.
  expect(existsSync(join(REPO, 'dist/stdlib/regression.js')), 'run `npm run build` first (npm test does)').toBe(true);
  work = mkdtempSync(join(tmpdir(), 'lossc-package-'));
  const packed = JSON.parse(ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO), 'npm pack')) as { filename: string }[];
  const tarball = join(work, packed[0]!.filename);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const repoPackage = (name: string): string => join(REPO, 'node_modules', name);
  // The app has tfjs already; lossc brings chevrotain and the language server's two packages.
  // Neither wasm nor ts-morph yet.
  npmInstall(repoPackage('@tensorflow/tfjs'), repoPackage('chevrotain'), repoPackage('vscode-languageserver'), repoPackage('vscode-languageserver-textdocument'), tarball);
  installed = join(app, 'node_modules', 'lossc');

  writeFileSync(join(app, 'my.loss'), [
    'import { cross_entropy } from "lossc/stdlib/classification"',
    '',
    '/// Cross-entropy plus a penalty on large logits.',
    'loss penalised_ce(x: [N, C], t: index[N] of C, beta: real in [0, inf) = 0.01) =',
    '  cross_entropy(x, t) + beta * mean(x^2)',
    '',
  ].join('\n'));
  writeFileSync(join(app, 'stdlib.mjs'), STDLIB_SCRIPT);
  writeFileSync(join(app, 'api.mjs'), API_SCRIPT);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('holds what it should: no test files, no source map without its sources, the license and docs', () => {
    const files = filesUnder(installed).map((f) => relative(installed, f));
    expect(files.filter((f) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\.[cm]?[jt]s/.test(f))).toEqual([]);
    expect([...new Set(files.map((f) => f.split('/')[0]))].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'docs', 'package.json', 'stdlib']);
    expect(files).toEqual(expect.arrayContaining(['docs/language.md', 'stdlib/classification.loss', 'dist/stdlib/regression.js', 'dist/stdlib/regression.d.ts']));
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const dangling: string[] = [];
    for (const map of maps) {
      const { sources, sourcesContent, sourceRoot } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
      sources.forEach((source, i) => {
        const inline = typeof sourcesContent?.[i] === 'string';
        const path = resolve(dirname(join(installed, map)), sourceRoot ?? '', source);
        if (!inline && !(path.startsWith(`${installed}/`) && existsSync(path))) dangling.push(`${map} → ${source}`);
      });
    }
    expect(dangling).toEqual([]);
  });

  it('leaves the one tfjs of the app: no copy of its own, and no compiler packages', () => {
    const tfjs = (from: string): string => realpathSync(join(from, 'node_modules/@tensorflow/tfjs'));
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    expect(tfjs(app)).toBe(realpathSync(join(REPO, 'node_modules/@tensorflow/tfjs')));
    for (const name of ['ts-morph', 'typescript', '@tensorflow/tfjs-backend-wasm']) expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
  });
});

describe('from plain Node ESM', () => {
  it('runs stdlib losses and gradients, and trains a model with one', () => {
    const out = JSON.parse(ok(node('stdlib.mjs'), 'stdlib.mjs')) as Record<string, number | number[]>;
    expect(out.mse).toBeCloseTo(5 / 3, 5);
    expect(out.grad).toEqual([0, 2 / 3, 4 / 3].map((v) => expect.closeTo(v, 5)));
    // -log softmax: [2, 0, 0] at class 0 and [0, 3, 0] at class 1.
    const ce = (row: number[], t: number): number => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[t]!;
    expect(out.ce).toBeCloseTo((ce([2, 0, 0], 0) + ce([0, 3, 0], 1)) / 2, 5);
    expect(out.first).toBeGreaterThan(1);
    expect(out.last).toBeLessThan((out.first as number) / 20);
    expect(out.fitLast).toBeLessThan((out.fitFirst as number) / 20);
  });

  it('checks and evaluates, resolving lossc/stdlib imports; compile names the missing ts-morph', () => {
    const out = JSON.parse(ok(node('api.mjs'), 'api.mjs')) as { check: string[]; losses: string[]; evaluate: { loss: number; backend: string }; compile: string[] };
    expect(out.check).toEqual([]);
    expect(out.losses).toEqual(['penalised_ce']);
    expect(out.evaluate.backend).toBe('cpu'); // the optional wasm backend is not installed
    expect(out.evaluate.loss).toBeGreaterThan(0);
    expect(out.compile).toEqual([NO_TS_MORPH]);
  });

  it('the CLI: check resolves lossc/stdlib, compile without ts-morph fails in one line', () => {
    const lossc = join(app, 'node_modules/.bin/lossc');
    const checked = run(lossc, ['check', 'my.loss'], app);
    expect(checked.stderr).not.toMatch(/(error|warning) [EW]\d{4}/);
    expect(checked.status).toBe(0);
    const compiled = run(lossc, ['compile', 'my.loss'], app);
    expect(compiled.stderr.trim()).toBe(NO_TS_MORPH);
    expect(compiled.stderr).not.toMatch(STACK_TRACE);
    expect(compiled.status).toBe(1);
  });

  it('with ts-morph installed, compiles through the API and the CLI, and the types check', () => {
    npmInstall(join(REPO, 'node_modules/ts-morph'));
    const out = JSON.parse(ok(node('api.mjs'), 'api.mjs')) as { compile: string[]; code: string };
    expect(out.compile).toEqual([]);
    expect(out.code).toContain('export function penalised_ce(');
    const compiled = run(join(app, 'node_modules/.bin/lossc'), ['compile', 'my.loss'], app);
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    expect(compiled.stdout).toContain('export function penalised_ce(');
    // JavaScript for a project without TypeScript: ts-morph's own compiler does it.
    const javascript = run(join(app, 'node_modules/.bin/lossc'), ['compile', '--js', 'my.loss'], app);
    expect(javascript.stderr).toBe('');
    expect(javascript.stdout).toContain('export function penalised_ce(x, t, options = {})');

    // A TypeScript user's view: the declarations behind `lossc` and `lossc/stdlib/<file>`.
    writeFileSync(join(app, 'typed.ts'), TYPED_SOURCE);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: true },
      files: ['typed.ts'],
    }));
    const tsc = run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);
});

describe('lossc/stdlib/<file> imports', () => {
  it('resolve to the stdlib/ beside the compiler, in a checkout and once installed', () => {
    expect(STDLIB_DIR).toBe(join(REPO, 'stdlib'));
    expect(packageStdlibDir('file:///app/node_modules/lossc/dist/src/check/program.js')).toBe('/app/node_modules/lossc/stdlib');
    expect(packageStdlibDir('file:///C:/my%20app/node_modules/lossc/dist/src/check/program.js')).toBe('C:/my app/node_modules/lossc/stdlib');
    // Bundled into a page: no path, so the import keeps its name for the host to serve.
    expect(packageStdlibDir('https://example.org/assets/lang.worker-3f2a.js')).toBeUndefined();
  });

  it('check through the CLI host, from any folder; a file the stdlib lacks is E2008 naming the path', () => {
    const source = 'import { cross_entropy } from "lossc/stdlib/classification"\nimport { ce_dice } from "lossc/stdlib/segmentation"\nloss l(x: [N, C], t: index[N] of C) = cross_entropy(x, t)\n';
    const r = check(source, join(tmpdir(), 'elsewhere', 'l.loss'), { host: fsHost });
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(r.losses.map((l) => l.name)).toEqual(['l']);
    const missing = check('import { x } from "lossc/stdlib/nothing"\n', 'l.loss', { host: fsHost });
    expect(missing.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([`E2008 cannot find module 'lossc/stdlib/nothing' (looked for ${join(REPO, 'stdlib', 'nothing.loss')})`]);
  });
});

const STDLIB_SCRIPT = `
import * as tf from '@tensorflow/tfjs';
import { mse } from 'lossc/stdlib/regression';
import { cross_entropy } from 'lossc/stdlib/classification';

await tf.setBackend('cpu');
const pred = tf.tensor1d([1, 2, 3]);
const target = tf.tensor1d([1, 1, 1]);
const out = {};
out.mse = mse(pred, target).arraySync();
out.grad = tf.grad((p) => mse(p, target))(pred).arraySync();
out.ce = cross_entropy(tf.tensor2d([[2, 0, 0], [0, 3, 0]]), tf.tensor1d([0, 1], 'int32')).arraySync();

// y = 3x + 2 with one dense unit, by Adam on the stdlib's mse.
const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
const xs = tf.tensor2d([[-1], [0], [1], [2], [3]]);
const ys = xs.mul(3).add(2);
const optimizer = tf.train.adam(0.1);
const curve = [];
for (let step = 0; step < 200; step++) {
  const loss = optimizer.minimize(() => mse(model.predict(xs), ys), true);
  curve.push(loss.dataSync()[0]);
  loss.dispose();
}
out.first = curve[0];
out.last = curve[curve.length - 1];

// The same fit through model.fit, with the loss in tfjs-layers' convention.
const fitted = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
fitted.compile({ optimizer: tf.train.adam(0.1), loss: mse.forLayers() });
const history = await fitted.fit(xs, ys, { epochs: 200, verbose: 0 });
out.fitFirst = history.history.loss[0];
out.fitLast = history.history.loss[199];
console.log(JSON.stringify(out));
`;

const API_SCRIPT = `
import { readFileSync } from 'node:fs';
import { check, compile, evaluate, formatDiagnostic } from 'lossc';

// Imports are read through a host; lossc/stdlib/<file> resolves inside the installed package.
const host = { readFile(path) { try { return readFileSync(path, 'utf8'); } catch { return undefined; } } };
const source = readFileSync('my.loss', 'utf8');
const checked = check(source, 'my.loss', { host });
const evaluated = await evaluate(source, 'my.loss', { host, loss: 'penalised_ce', inputs: { x: [[2, 0, 0], [0, 3, 0]], t: [0, 1] } });
const compiled = await compile(source, 'my.loss', { host });
console.log(JSON.stringify({
  check: checked.diagnostics.map((d) => formatDiagnostic(d)),
  losses: checked.losses.map((l) => l.name),
  evaluate: { loss: evaluated.loss, backend: evaluated.backend, diagnostics: evaluated.diagnostics.map((d) => formatDiagnostic(d)) },
  compile: compiled.diagnostics.map((d) => formatDiagnostic(d)),
  code: compiled.code,
}));
`;

const TYPED_SOURCE = `
import * as tf from '@tensorflow/tfjs';
import { mse, type MseOptions } from 'lossc/stdlib/regression';
import { cross_entropy } from 'lossc/stdlib/classification';
import { check, compile, type CompileOptions, type CompileResult, type Diagnostic, type SourceHost } from 'lossc';

const options: MseOptions = { reduction: 'none' };
const loss: tf.Scalar = mse(tf.zeros([2]), tf.ones([2]), { reduction: 'sum' });
const perElement: tf.Tensor = mse(tf.zeros([2]), tf.ones([2]), options);
const perSample: tf.Tensor = cross_entropy(tf.zeros([2, 3]), tf.tensor1d([0, 1], 'int32'), { reduction: 'none' });
const host: SourceHost = { readFile: () => undefined };
const compileOptions: CompileOptions = { host, autodiff: false };
const diagnostics: Diagnostic[] = check('loss l(x: [N]) = mean(x)', 'l.loss').diagnostics;
const result: Promise<CompileResult> = compile('loss l(x: [N]) = mean(x)', 'l.loss', compileOptions);
export { loss, perElement, perSample, diagnostics, result };
`;

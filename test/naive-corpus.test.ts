// The corpus of naive forms users reported in issue trackers (test/fixtures/naive-corpus/: one
// .loss file per form, naming its issue, and a table of expectations with float64 oracles).
// A `repaired` form must give, at the input that broke it, the oracle's loss and gradients
// through the evaluator on wasm and on cpu and through the generated module (all optimized, as
// users run them). A `flagged` form must be reported with its code at the caret comment's place
// (without the optimizer; with it, reported there or covered by a rewrite it reports), its fix
// note must say the replacement, and the program with the fix applied must give the fixed
// oracle's loss and gradients on the same three paths.
//
// Forms the compiler does not handle yet are listed in PENDING: their tests are expected to fail
// (it.fails), so the list shrinks as the compiler is fixed and a stale entry fails the suite.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importModule } from './fuzz/compare.js';
import { carets, covers } from './helpers/carets.js';
import { check, evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import type { IrFunction } from '../src/ir/types.js';
import type { AppliedRewrite } from '../src/opt/index.js';
import { CORPUS, type Flat, type NaiveForm, type Nested, type Oracle } from './fixtures/naive-corpus/expectations.js';
import { useWasm } from './helpers/loss-harness.js';

useWasm();

const DIR = 'test/fixtures/naive-corpus';

/**
 * `<id> <aspect>` of the tests that fail with the compiler as it is (what happens now, in the
 * comment); see docs/naive-forms.md. Remove an entry when the compiler handles the form.
 */
const PENDING = new Set<string>([
  // with the optimizer, W6003 moves to the rewritten divisions at 5:15 and 5:40
  'monai371_generalized_dice flagged',
]);


const source = (f: NaiveForm): string => readFileSync(`${DIR}/${f.id}.loss`, 'utf8');

/** Where the header comments end and the program starts. */
const codeStart = (text: string): number => text.search(/^(?!\/\/)/m);

/** The program with each fix applied as its note says (in the code, never the header comments). */
function fixed(f: NaiveForm): string {
  let text = source(f);
  if (f.expect.kind !== 'flagged') return text;
  for (const fix of f.expect.fixes) {
    const at = text.indexOf(fix.naive, codeStart(text));
    if (at < 0 || text.indexOf(fix.naive, at + 1) >= 0) throw new Error(`${f.id}: '${fix.naive}' must occur once in the program`);
    text = text.slice(0, at) + fix.stable + text.slice(at + fix.naive.length);
  }
  return text;
}

const at = (d: Diagnostic): string => `${d.code} ${d.span!.start.line}:${d.span!.start.col}`;
const stability = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.code.startsWith('W6') && d.span);


// ---------------------------------------------------------------------------------------------
// Numbers

const flatten = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flatten) : [typeof v === 'boolean' ? Number(v) : (v as number)]);
const flat = (x: Readonly<Record<string, Nested>>): Record<string, Float64Array> =>
  Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Float64Array.from(flatten(v))]));

/** Central differences of the float64 oracle. */
function fd(f: (x: Flat) => number, x: Record<string, Float64Array>, name: string): number[] {
  return Array.from(x[name]!, (v, k) => {
    const h = 1e-6 * Math.max(1, Math.abs(v));
    const shifted = (d: number): Flat => ({ ...x, [name]: x[name]!.map((u, j) => (j === k ? u + d : u)) });
    return (f(shifted(h)) - f(shifted(-h))) / (2 * h);
  });
}

function wantGrads(f: NaiveForm, names: readonly string[]): Record<string, number[]> {
  const o: Oracle = f.expect;
  if (o.grads !== 'fd') return Object.fromEntries(names.map((n) => [n, [...(o.grads as Record<string, number[]>)[n]!]]));
  const x = flat(f.inputs);
  return Object.fromEntries(names.map((n) => [n, fd(o.f!, x, n)]));
}

/** Every element finite and within |got - want| <= abs + rel |want|; a message naming the worst one. */
function agree(what: string, got: readonly number[], want: readonly number[], o: Oracle, grad: boolean): void {
  expect(got.length, `${what}: size`).toBe(want.length);
  const abs = grad ? (o.gradAbs ?? o.abs ?? 1e-5) : (o.abs ?? 1e-5);
  const rel = o.rel ?? 2e-4;
  got.forEach((g, i) => {
    const w = want[i]!;
    const ok = Number.isFinite(g) && Math.abs(g - w) <= abs + rel * Math.abs(w);
    expect(ok, `${what}[${i}] = ${g}, oracle ${w}`).toBe(true);
  });
}

/** The real inputs whose gradients are checked. */
function wrtOf(f: NaiveForm, fn: IrFunction): string[] {
  return f.wrt ? [...f.wrt] : fn.inputs.filter((i) => i.elem === 'real').map((i) => i.name);
}

// ---------------------------------------------------------------------------------------------
// The generated modules: one per form, of the program as written (repaired forms) or as fixed
// (flagged forms). One module for all of them takes far longer to emit than the 38 apart.

type ModuleFn = (...args: unknown[]) => tf.Tensor;
const modules = new Map<string, Record<string, ModuleFn>>();
const compileErrors = new Map<string, string[]>();

beforeAll(async () => {
  for (const f of CORPUS) {
    const r = await compile(f.expect.kind === 'repaired' ? source(f) : fixed(f), `${f.id}.loss`);
    compileErrors.set(f.id, r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d)));
    if (!r.code) continue;
    modules.set(f.id, await importModule<Record<string, ModuleFn>>(r.code, 'naive-corpus'));
  }
}, 120_000);

interface Evaluated {
  readonly loss?: unknown;
  readonly grads?: Record<string, unknown>;
  readonly backend?: string;
  readonly errors: string[];
}

async function evaluated(f: NaiveForm, text: string, backend: 'wasm' | 'cpu'): Promise<Evaluated> {
  const r = await evaluate(text, `${f.id}.loss`, { loss: f.loss, inputs: f.inputs, ...(f.hypers ? { set: f.hypers } : {}), backend, grad: true });
  return { loss: r.loss, grads: r.grads, backend: r.backend, errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d)) };
}

async function viaEvaluator(f: NaiveForm, text: string, backend: 'wasm' | 'cpu'): Promise<void> {
  const fn = check(text, `${f.id}.loss`).losses.find((l) => l.name === f.loss)!;
  const r = await evaluated(f, text, backend);
  expect(r.errors).toEqual([]);
  expect(r.backend).toBe(backend);
  agree('loss', flatten(r.loss), [f.expect.value], f.expect, false);
  const names = wrtOf(f, fn);
  const want = wantGrads(f, names);
  for (const n of names) agree(`d/d${n}`, flatten(r.grads![n]), want[n]!, f.expect, true);
}

function viaModule(f: NaiveForm, text: string): void {
  expect(compileErrors.get(f.id)).toEqual([]);
  const fn = check(text, `${f.id}.loss`).losses.find((l) => l.name === f.loss)!;
  const loss = modules.get(f.id)![f.loss]!;
  const dtype = (elem: string): 'float32' | 'int32' | 'bool' => (elem === 'real' ? 'float32' : elem === 'bool' ? 'bool' : 'int32');
  const shape = (v: Nested): number[] => (Array.isArray(v) ? [v.length, ...shape(v[0] as Nested)] : []);
  const tensors = Object.fromEntries(fn.inputs.map((i) => [i.name, tf.tensor(flatten(f.inputs[i.name]!), shape(f.inputs[i.name]!), dtype(i.elem))]));
  const names = wrtOf(f, fn);
  const call = (...ts: tf.Tensor[]): tf.Scalar =>
    loss(...fn.inputs.map((i) => (names.includes(i.name) ? ts[names.indexOf(i.name)]! : tensors[i.name]!)), { ...(f.hypers ?? {}) }) as tf.Scalar;
  const { value, grads } = tf.valueAndGrads(call)(names.map((n) => tensors[n]!));
  const got = { value: Array.from(value.dataSync()), grads: grads.map((g) => Array.from(g.dataSync())) };
  tf.dispose([value, ...grads, ...Object.values(tensors)]);
  agree('loss', got.value, [f.expect.value], f.expect, false);
  const want = wantGrads(f, names);
  names.forEach((n, k) => agree(`d/d${n}`, got.grads[k]!, want[n]!, f.expect, true));
}

// ---------------------------------------------------------------------------------------------

const pendingOr = (name: string) => (PENDING.has(name) ? it.fails : it);

describe('the corpus of naive forms', () => {
  it('has at least 30 forms, each from its own issue, each a file naming the issue, and nothing else', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CORPUS.map((f) => f.issue)).size).toBe(CORPUS.length);
    const files = readdirSync(DIR).filter((f) => f.endsWith('.loss')).map((f) => f.replace('.loss', ''));
    expect(files.sort()).toEqual(CORPUS.map((f) => f.id).sort());
    for (const f of CORPUS) {
      const [owner, rest] = f.issue.split('/');
      const [repo, number] = rest!.split('#');
      expect(source(f), f.id).toMatch(new RegExp(`^// source: ${f.issue} https://github\\.com/${owner}/${repo}/(issues|pull)/${number}`));
      expect(source(f)).toMatch(/\n\/\/ form: .+\n\/\/ breaks at: .+\n/);
    }
  });

  it('every pending entry names a form and an aspect of it', () => {
    const aspects = ['no warning', 'evaluator wasm', 'evaluator cpu', 'module', 'flagged', 'fix says', 'fixed evaluator wasm', 'fixed evaluator cpu', 'fixed module'];
    for (const p of PENDING) {
      const [id, ...rest] = p.split(' ');
      expect(CORPUS.map((f) => f.id)).toContain(id);
      expect(aspects).toContain(rest.join(' '));
    }
  });

  it('every program checks without errors, as written and fixed', () => {
    for (const f of CORPUS) {
      for (const text of [source(f), fixed(f)]) {
        const r = check(text, `${f.id}.loss`);
        expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([]);
        expect(r.losses.map((l) => l.name)).toContain(f.loss);
      }
    }
  });

  it('only flagged forms carry carets, and each has at least one', () => {
    for (const f of CORPUS) expect(carets(source(f)).length > 0, f.id).toBe(f.expect.kind === 'flagged');
  });
});

describe.each(CORPUS.filter((f) => f.expect.kind === 'repaired'))('repaired: $id ($issue)', (f) => {
  pendingOr(`${f.id} no warning`)('check with the optimizer warns of nothing it repaired (a note at most)', () => {
    const warnings = check(source(f), `${f.id}.loss`).diagnostics.filter((d) => d.severity === 'warning' && d.code.startsWith('W6'));
    expect(warnings.filter((d) => !(f.warns ?? []).includes(d.code)).map((d) => formatDiagnostic(d))).toEqual([]);
  });

  pendingOr(`${f.id} evaluator wasm`)('evaluator (wasm): the oracle loss and gradients at the breaking point', () => viaEvaluator(f, source(f), 'wasm'));
  pendingOr(`${f.id} evaluator cpu`)('evaluator (cpu): the oracle loss and gradients at the breaking point', () => viaEvaluator(f, source(f), 'cpu'), 60_000);
  pendingOr(`${f.id} module`)('generated module: the oracle loss and gradients at the breaking point', () => viaModule(f, source(f)));
});

describe.each(CORPUS.filter((f) => f.expect.kind === 'flagged'))('flagged: $id ($issue)', (f) => {
  const text = source(f);
  const expected = carets(text);

  pendingOr(`${f.id} flagged`)('reported at the caret without the optimizer; with it, reported there or covered by a rewrite', () => {
    const raw = stability(check(text, `${f.id}.loss`, { optimize: false }).diagnostics).map(at);
    const r = check(text, `${f.id}.loss`);
    const reported = stability(r.diagnostics).map(at);
    const rewrites = [...((r as { rewrites?: ReadonlyMap<string, readonly AppliedRewrite[]> }).rewrites?.values() ?? [])].flat();
    for (const e of expected) {
      const want = `${e.code} ${e.line}:${e.col}`;
      expect(raw, 'without the optimizer').toContain(want);
      expect(reported.includes(want) || rewrites.some((w) => covers(w, e)), `${want} with the optimizer: reported ${reported.join(', ')}`).toBe(true);
    }
  });

  pendingOr(`${f.id} fix says`)('the fix note says the replacement, in the words of the source', () => {
    if (f.expect.kind !== 'flagged') return;
    const codes = new Set(expected.map((e) => e.code));
    const notes = stability(check(text, `${f.id}.loss`).diagnostics)
      .filter((d) => codes.has(d.code))
      .flatMap((d) => (d.notes ?? []).filter((n) => n.startsWith('fix: ')));
    for (const fix of f.expect.fixes) {
      expect(text).toContain(fix.naive);
      expect(notes.some((n) => n.includes(fix.says)), `a fix note saying ${fix.says}; notes: ${notes.join(' / ')}`).toBe(true);
    }
  });

  pendingOr(`${f.id} fixed evaluator wasm`)('fixed as the note says, evaluator (wasm): the oracle loss and gradients', () => viaEvaluator(f, fixed(f), 'wasm'));
  pendingOr(`${f.id} fixed evaluator cpu`)('fixed as the note says, evaluator (cpu): the oracle loss and gradients', () => viaEvaluator(f, fixed(f), 'cpu'), 60_000);
  pendingOr(`${f.id} fixed module`)('fixed as the note says, generated module: the oracle loss and gradients', () => viaModule(f, fixed(f)));
});

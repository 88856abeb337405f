// Injection safety of the emitter. One loss program, every name in it drawn from JS/TS
// keywords, builtins and globals the generated code itself uses, names the emitter invents,
// and non-ASCII letters; doc comments and comments in the formula full of `*/`, `/*`,
// backticks, `${`, JSDoc tags and invisible characters. The module must type-check, export the
// loss under its own name when that is an identifier, compute exactly the formula (the
// evaluators' values), call nothing but tfjs and its own helpers, and touch no global.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { evaluateTfjs } from '../../src/eval/evaluate.js';
import { typecheckGenerated } from '../../src/emit/typecheck.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';
import { checkAsync, timeout } from './config.js';
import { expectClose, importModule } from './compare.js';
import { exportedNames } from './differential.js';
import { mulberry32 } from './gen-program.js';
import { callModule, sampleInputs, toRef, toTf, type LossFunction } from './inputs.js';
import { HELPER_NAMES, HELPER_SOURCES } from '../../src/runtime/helper-sources.js';

const NAMES = [
  // JavaScript and TypeScript keywords and contextual keywords that the language allows.
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'enum',
  'export', 'extends', 'finally', 'for', 'function', 'instanceof', 'new', 'null', 'return',
  'super', 'switch', 'this', 'throw', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'async',
  'arguments', 'eval', 'get', 'set', 'as', 'type', 'namespace', 'declare', 'abstract', 'readonly',
  'keyof', 'infer', 'is', 'asserts', 'unique', 'never', 'unknown', 'any', 'boolean', 'number',
  'string', 'symbol', 'object', 'undefined', 'bigint', 'NaN', 'Infinity', 'satisfies', 'accessor',
  // Globals and names the generated code uses or invents.
  'globalThis', 'window', 'self', 'process', 'require', 'module', 'exports', 'console', 'Math',
  'JSON', 'Object', 'Array', 'Function', 'Symbol', 'Promise', 'Error', 'RangeError', 'TypeError',
  'Number', 'String', 'Reflect', 'Proxy', 'tf', 'noGrad', 'log1p', 'options', 'rest', 'restAxes',
  'perSample', 'perSampleShape', 'w', 'weighted', 'result', 'v', 'prototype', '__dirname', '_',
  '__', 'iota_i', 'sub5', 'N', 'D', 'C',
  // Letters beyond ASCII: Greek, accented, CJK, titlecase, astral, fullwidth, Cyrillic 'а'.
  'α', 'Ω', 'Ñ', '変数', 'ǅ', '𝑥', 'ＡＢ', 'а', 'ſ', 'ª', 'x²', 'é', 'ß', 'İ', 'ﬁ',
];

/** Text to put in doc comments and comments: everything that could end or open something. */
const HAZARDS = [
  '*/', '/*', '/**', '*/ export const pwned = 1; /*', '`', '```', '${globalThis.pwned = 1}', '\\', '\\`',
  '@param x - evil', '@returns nothing', '{@link tf}', '</script>', "'", '"', '-->', '<!--',
  '\t', '😀', '\u202e', '\u200b', '\u2028', '\u2029', '\ufeff', '// ', '#!', 'import("x")',
];

const program = fc.record({
  names: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 13, maxLength: 13 }),
  docs: fc.array(fc.array(fc.constantFrom(...HAZARDS), { maxLength: 4 }).map((h) => h.join(' x ')), { minLength: 4, maxLength: 4 }),
  seed: fc.nat(),
});

function source({ names, docs }: { names: string[]; docs: string[] }): { text: string; loss: string } {
  const [L, a, b, t, box, k, flag, N, D, K, c1, c2, h] = names as [string, ...string[]];
  const u = `${h}_u`;
  const v = `${h}_v`;
  // A `//` comment ends at a line break; a hazard may contain the JS ones (\u2028), not \n.
  const line = (s: string): string => s.replace(/[\n\r]/g, ' ');
  const text = [
    `/// ${line(docs[0]!)}`,
    `dim ${K} = {${c1}, ${c2}}`,
    `/// ${line(docs[1]!)}`,
    `def ${h}(${u}) = ${u} * ${u}`,
    `/// ${line(docs[2]!)}`,
    `/// ${line(docs[3]!)}`,
    `loss ${L}(${a}: [${N}, ${D}], ${b}: [${D}], ${t}: index[${N}] of ${D}, ${box}: [${N}, ${K}], ${k}: real in (0, inf) = 0.5, ${flag}: bool = true) =`,
    `  mean(${h}(${a} * ${b}) * ${k} + ${a}[${t}] // ${line(docs[0]!)}`,
    `    + ${box}.${c2} - ${box}.${c1} + (if ${flag} then ${v} else 0))`,
    `  where ${v} = sum(${b}, ${D}) / ${D}`,
    '',
  ].join('\n');
  return { text, loss: L };
}

/**
 * Every call in a module, as `tf.<fn>`, `.<method>` (on any value), `<function>` or
 * `new <class>`: what a generated module may do is small and fixed, whatever the names.
 */
function callsOf(code: string): string[] {
  // The module helpers' text is fixed (src/runtime/helpers.ts), whatever the names: only calls
  // written for the losses are looked at. A loss may call itself (TensorLike arguments) and
  // its forLayers adapter calls it: the module's own functions are allowed.
  const written = HELPER_NAMES.reduce((text, name) => text.replace(HELPER_SOURCES[name], ''), code);
  const sf = ts.createSourceFile('m.ts', written, ts.ScriptTarget.ES2022, true);
  const own = new Set(sf.statements.flatMap((st) => (ts.isFunctionDeclaration(st) && st.name ? [st.name.text] : [])));
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && own.has(node.expression.text)) {
      ts.forEachChild(node, visit);
      return;
    }
    if (ts.isCallExpression(node)) {
      const e = node.expression;
      if (ts.isPropertyAccessExpression(e)) out.push(ts.isIdentifier(e.expression) && e.expression.text === 'tf' ? `tf.${e.name.text}` : `.${e.name.text}`);
      else if (ts.isIdentifier(e)) out.push(e.text);
      else if (ts.isCallExpression(e) && e.expression.getText(sf) === 'tf.customGrad') out.push('tf.customGrad()');
      // An arrow called at once (a value chosen by branches): its own calls are visited below.
      else if (ts.isParenthesizedExpression(e) && ts.isArrowFunction(e.expression)) out.push('(() => …)()');
      else out.push(`? ${e.getText(sf)}`);
    }
    if (ts.isNewExpression(node)) out.push(`new ${node.expression.getText(sf)}`);
    // The hazards try to define `pwned`: it may appear in comments only.
    if (ts.isIdentifier(node) && node.text === 'pwned') out.push('? pwned');
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const ALLOWED_CALLS = /^(tf\.\w+|tf\.customGrad\(\)|\.(join|slice|some|map|flatMap|fill|includes|dataSync|every|findIndex|indexOf|push|unshift|from|floor|isInteger|isNaN|isFinite|isArray|reduce)|noGrad|sign|sin|erf|lgamma|digamma|trigamma|tetragamma|takeAlongLast|oneHotReal|broadcastFull|broadcastOperand|matMulT|relu|finiteReduced|firstNonFinite|sortAlongLast|cumsumAlong|save(_\d+)?|log1p|nanAt|outsideAt|mayBeOutside|nonFinite|valueKind|unknownOption|isTensorLike|withTensors|layersLoss|freeVariablePrefix|compute(_\d+)?|\(\(\) => …\)\(\)|Array|String|new (Error|TypeError|RangeError))$/;

describe('the emitter under hostile names and comments', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('emits valid TypeScript that computes exactly the formula and nothing else', async () => {
    const toTypecheck: Record<string, string> = {};
    let k = 0;
    await checkAsync(
      'injection',
      fc.asyncProperty(program, async (p) => {
        const { text, loss } = source(p);
        const compiled = await compile(text, `${p.names[0]}*/\u2028.loss`);
        const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
        // Names the language itself refuses (builtins, reserved option keys) are refused cleanly.
        for (const d of errors) expect(['E2009', 'E2015'], `${formatDiagnostic(d)}\n${text}`).toContain(d.code);
        if (errors.length > 0) return;
        const code = compiled.code!;
        if (k++ % 2 === 0) toTypecheck[`inj${k}.ts`] = code;
        expect(code.match(/^import .*$/gm), text).toEqual(["import * as tf from '@tensorflow/tfjs';"]);
        for (const call of callsOf(code)) expect(ALLOWED_CALLS.test(call), `call of ${call}\n${text}`).toBe(true);

        const globals = Object.getOwnPropertyNames(globalThis).sort();
        const mod = await importModule<Record<string, unknown>>(code, 'injection');
        const fn = compiled.losses.find((l) => l.name === loss)!;
        const exported = Object.values(mod).filter((f) => typeof f === 'function');
        expect(exported.length, text).toBe(Object.keys(mod).length);
        // Under its own name when that is an identifier (Unicode included), else close to it.
        const f = (/^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(loss) ? mod[loss] : mod[exportedNames([fn]).get(loss)!]) as LossFunction;
        expect(typeof f, `loss '${loss}' is not exported under its name\n${text}`).toBe('function');

        const sample = sampleInputs(fn, mulberry32(p.seed), { optional: true });
        const inputs = toTf(sample);
        const got = callModule(fn, f, inputs, sample.hypers);
        const want = evaluateTfjs(fn, inputs, sample.hypers);
        expectClose(got.dataSync(), want.dataSync(), 1e-5, `module vs evaluator\n${text}`);
        expectClose(got.dataSync(), evaluateReference(fn, toRef(sample), sample.hypers).data, 1e-4, `module vs reference\n${text}`);
        tf.dispose([got, want, ...Object.values(inputs)]);
        expect(Object.getOwnPropertyNames(globalThis).sort(), 'a global appeared').toEqual(globals);
      }),
      20,
      ([p]) => ({ text: source(p).text, ext: 'loss' }),
    );
    expect(await typecheckGenerated(toTypecheck)).toEqual([]);
  }, timeout(120_000));
});

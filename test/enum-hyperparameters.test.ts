// Hyperparameters of strings (issue 17, item 8a): `act: 'sigmoid' | 'softmax' | 'none'`.
// Values against a float64 oracle written here from the definition (no compiler code), the
// generated module against the evaluator bit for bit, the generated TypeScript type, the
// run-time refusal of a string not in the list, compile-time folding of a def given a string,
// and each new diagnostic with its exact text.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, evaluate } from '../src/api.js';
import { compile } from './helpers/compile-cache.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { initBackend } from '../src/eval/setup.js';
import { reachable } from '../src/ir/walk.js';
import { formatSource } from '../src/fmt/index.js';
import { compiledModule, type LossModule } from './helpers/compiled.js';
import { parseModule } from '../grammar/index.js';
import { monarchLanguage } from '../grammar/monarch.js';
import * as service from '../src/service/index.js';

export const ACT_SOURCE = `/// Cross-entropy against soft targets after the activation \`act\` (MONAI's other_act).
loss act_ce(x: [N, C], t: [N, C] in [0, 1], act: 'sigmoid' | 'softmax' | 'none' = 'softmax') =
  mean(-sum(t * log(p), C))
  where p = if act == 'softmax' then softmax(x, C) else if act == 'sigmoid' then sigmoid(x) else x
`;

// The float64 oracle: mean over rows of -Σ_c t log p, p the activation of the row.
function oracle(act: string, x: number[][], t: number[][]): number {
  const rows = x.map((row, n) => {
    let p: number[];
    if (act === 'softmax') {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      p = e.map((v) => v / s);
    } else if (act === 'sigmoid') p = row.map((v) => 1 / (1 + Math.exp(-v)));
    else p = row;
    return -p.reduce((acc, pc, c) => acc + t[n]![c]! * Math.log(pc), 0);
  });
  return rows.reduce((a, b) => a + b, 0) / rows.length;
}

const X = [[0.2, 0.3, 0.1], [0.4, 0.1, 0.35]];
const T = [[1, 0, 0], [0, 0.5, 0.5]];

function errors(source: string): string[] {
  return check(source, 'case.loss').diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
}

describe('a hyperparameter of strings', () => {
  let mod: LossModule;
  beforeAll(async () => {
    await initBackend('cpu');
    mod = await compiledModule(ACT_SOURCE, 'act.loss', 'enum-act');
  });

  it.each(['softmax', 'sigmoid', 'none'])("act = '%s': the oracle's value, and the module's equals the evaluator's bit for bit", async (act) => {
    const want = oracle(act, X, T);
    const r = await evaluate(ACT_SOURCE, 'act.loss', { loss: 'act_ce', inputs: { x: X, t: T }, set: { act }, backend: 'cpu' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Math.abs((r.loss as number) - want) / want).toBeLessThan(2e-7);
    const fromModule = mod.act_ce!(tf.tensor2d(X), tf.tensor2d(T), { act }).dataSync()[0]!;
    expect(Object.is(fromModule, r.loss)).toBe(true);
  });

  it("the default is 'softmax' (module and evaluator both)", async () => {
    const r = await evaluate(ACT_SOURCE, 'act.loss', { loss: 'act_ce', inputs: { x: X, t: T }, backend: 'cpu' });
    expect(Math.abs((r.loss as number) - oracle('softmax', X, T))).toBeLessThan(1e-6);
    expect(mod.act_ce!(tf.tensor2d(X), tf.tensor2d(T)).dataSync()[0]).toBe(r.loss);
  });

  it('its gradient along x is the finite-difference slope of the oracle, for each string', async () => {
    for (const act of ['softmax', 'sigmoid']) {
      const r = await evaluate(ACT_SOURCE, 'act.loss', { loss: 'act_ce', inputs: { x: X, t: T }, set: { act }, grad: true, backend: 'cpu' });
      const g = r.grads!.x as number[][];
      const h = 1e-6;
      X.forEach((row, i) => row.forEach((_, j) => {
        const up = X.map((rr, a) => rr.map((v, b) => (a === i && b === j ? v + h : v)));
        const down = X.map((rr, a) => rr.map((v, b) => (a === i && b === j ? v - h : v)));
        const slope = (oracle(act, up, T) - oracle(act, down, T)) / (2 * h);
        expect(Math.abs(g[i]![j]! - slope), `${act} d/dx[${i}][${j}]`).toBeLessThan(1e-5);
      }));
    }
  });

  it('a string not in the list is a RangeError listing the allowed ones; a non-string a TypeError', () => {
    expect(() => mod.act_ce!(tf.tensor2d(X), tf.tensor2d(T), { act: 'softmaxx' })).toThrow(
      new RangeError("act_ce: option 'act' must be one of 'sigmoid' | 'softmax' | 'none', but is 'softmaxx'"),
    );
    expect(() => mod.act_ce!(tf.tensor2d(X), tf.tensor2d(T), { act: 1 })).toThrow(
      new TypeError("act_ce: option 'act' must be a string, one of 'sigmoid' | 'softmax' | 'none', but is 1"),
    );
  });

  it('the evaluator refuses a string not in the list at the declaration, before running', async () => {
    const r = await evaluate(ACT_SOURCE, 'act.loss', { loss: 'act_ce', inputs: { x: X, t: T }, set: { act: 'relu' }, backend: 'cpu' });
    expect(r.loss).toBeUndefined();
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d))).toEqual([
      `act.loss:2:45: error E7015: "relu" for 'act' of loss 'act_ce' is outside its declared domain 'sigmoid' | 'softmax' | 'none'`,
    ]);
  });

  it('the generated TypeScript types the option as the union of its strings', async () => {
    const r = await compile(ACT_SOURCE, 'act.loss');
    expect(r.code).toContain("  /** Hyperparameter `act` (one of 'sigmoid' | 'softmax' | 'none'), default 'softmax'. */\n  act?: 'sigmoid' | 'softmax' | 'none';\n");
  });

  it('a required one (no default) is required in the type and at run time', async () => {
    const src = "loss f(x: [N], mode: 'sum' | 'mean') = if mode == 'sum' then sum(x) else mean(x)\n";
    const r = await compile(src, 'req.loss');
    expect(r.code).toContain("  mode: 'sum' | 'mean';\n");
    const m = await compiledModule(src, 'req.loss', 'enum-req');
    expect(m.f!(tf.tensor1d([1, 2, 4]), { mode: 'sum' }).dataSync()[0]).toBe(7);
    expect(m.f!(tf.tensor1d([1, 2, 4]), { mode: 'mean' }).dataSync()[0]).toBeCloseTo(7 / 3, 6);
    expect(() => m.f!(tf.tensor1d([1, 2, 4]), {})).toThrow(new TypeError("f: option 'mode' is required (it has no default): one of 'sum' | 'mean'"));
  });

  it("'!=' and a string on the left compare as '==' does", async () => {
    const src = "loss f(x: [N], mode: 'a' | 'b' = 'a') = mean(if 'b' != mode then x else 2 * x)\n";
    for (const [mode, want] of [['a', 2], ['b', 4]] as const) {
      const r = await evaluate(src, 'ne.loss', { loss: 'f', inputs: { x: [1, 3] }, set: { mode }, backend: 'cpu' });
      expect(r.loss).toBe(want);
    }
  });
});

describe('a def given a string', () => {
  const SRC = `def activate(x: [N, C], kind: 'sigmoid' | 'softmax') = if kind == 'softmax' then softmax(x, C) else sigmoid(x)
loss with_softmax(x: [N, C], t: [N, C] in [0, 1]) = mean(-sum(t * log(activate(x, 'softmax')), C))
loss passed_on(x: [N, C], t: [N, C] in [0, 1], act: 'softmax' | 'sigmoid' = 'sigmoid') = mean(-sum(t * log(activate(x, act)), C))
`;

  it('folds the branch at compile time: only the branch taken is in the IR', () => {
    const r = check(SRC, 'def.loss');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const fn = r.losses.find((l) => l.name === 'with_softmax')!;
    const live = reachable(fn.nodes, [fn.output]);
    const ops = new Set(fn.nodes.filter((n) => live.has(n.id)).map((n) => n.op));
    expect(ops.has('sigmoid')).toBe(false);
    expect(ops.has('select')).toBe(false);
    expect(fn.hypers).toEqual([]);
  });

  it("maps a hyperparameter of other strings (another order) onto the def's", async () => {
    for (const act of ['softmax', 'sigmoid']) {
      const r = await evaluate(SRC, 'def.loss', { loss: 'passed_on', inputs: { x: X, t: T }, set: { act }, backend: 'cpu' });
      expect(Math.abs((r.loss as number) - oracle(act, X, T)) / oracle(act, X, T), act).toBeLessThan(2e-7);
    }
    const r = await evaluate(SRC, 'def.loss', { loss: 'with_softmax', inputs: { x: X, t: T }, backend: 'cpu' });
    expect(Math.abs((r.loss as number) - oracle('softmax', X, T))).toBeLessThan(1e-6);
  });
});

describe('a loss calling another that has a hyperparameter of strings', () => {
  // act_ce's default is 'softmax'; a def's default of another string in another order too.
  const SRC = `${ACT_SOURCE}
def activate(x: [N, C], kind: 'none' | 'sigmoid' = 'sigmoid') = if kind == 'sigmoid' then sigmoid(x) else x
loss wrapped(x: [N, C], t: [N, C] in [0, 1]) = act_ce(x, t)
loss wrapped_sigmoid(x: [N, C], t: [N, C] in [0, 1]) = act_ce(x, t, act: 'sigmoid')
loss through_def(x: [N, C], t: [N, C] in [0, 1]) = mean(-sum(t * log(activate(x)), C))
`;

  it('left out, the argument is the callee\'s default string; given, the string given', async () => {
    expect(errors(SRC)).toEqual([]);
    const cases = [['wrapped', 'softmax'], ['wrapped_sigmoid', 'sigmoid'], ['through_def', 'sigmoid']] as const;
    for (const [loss, act] of cases) {
      const r = await evaluate(SRC, 'wrap.loss', { loss, inputs: { x: X, t: T }, backend: 'cpu' });
      expect(r.diagnostics.filter((d) => d.severity === 'error'), loss).toEqual([]);
      expect(Math.abs((r.loss as number) - oracle(act, X, T)) / oracle(act, X, T), loss).toBeLessThan(2e-7);
    }
  });
});

describe('diagnostics', () => {
  const head = "loss f(x: [N], act: 'sigmoid' | 'softmax' | 'none' = 'softmax') = ";
  it.each([
    [`${head}mean(if act == 'softmaxx' then x else -x)`, "case.loss:1:82: error E3015: 'softmaxx' is not one of the strings of 'act': 'sigmoid' | 'softmax' | 'none'; did you mean 'softmax'?"],
    [`${head}mean(if act == 'relu' then x else -x)`, "case.loss:1:82: error E3015: 'relu' is not one of the strings of 'act': 'sigmoid' | 'softmax' | 'none'"],
    [`${head}mean(x * act)`, "case.loss:1:76: error E3016: 'act' is one of the strings 'sigmoid' | 'softmax' | 'none': compare it with == or != to one of them, or pass it to a parameter of the same strings"],
    [`${head}mean(if act < 'none' then x else -x)`, "case.loss:1:75: error E3016: 'act' is one of the strings 'sigmoid' | 'softmax' | 'none': compare it with == or != to one of them, or pass it to a parameter of the same strings"],
    [`${head}mean(if x == 'none' then x else -x)`, "case.loss:1:80: error E3017: the string 'none' can only be compared with == or != to a hyperparameter of strings (act: 'sigmoid' | 'softmax'), or passed to a parameter of strings"],
    [`${head}mean(x) * 'none'`, "case.loss:1:77: error E3017: the string 'none' can only be compared with == or != to a hyperparameter of strings (act: 'sigmoid' | 'softmax'), or passed to a parameter of strings"],
    [`${head}act`, "case.loss:1:67: error E3004: the value of loss 'f' must be a number, but it is one of the strings 'sigmoid' | 'softmax' | 'none'"],
    ["loss f(x: [N], act: 'a' | 'b' | 'a' = 'a') = mean(x)", "case.loss:1:33: error E2016: 'a' is listed twice among the strings of 'act'"],
    ["loss f(x: [N], act: 'a' | 'b' = 'c') = mean(x)", "case.loss:1:33: error E3015: 'c' is not one of the strings of 'act': 'a' | 'b'; did you mean 'a'?"],
    ["loss f(x: [N], act: 'a' | 'b' = 1) = mean(x)", "case.loss:1:33: error E5004: the default 1 of 'act' is not one of the strings 'a' | 'b'"],
    ["loss f(x: [N], act: 'a' | 'b' in {0, 1} = 'a') = mean(x)", "case.loss:1:16: error E3010: 'in' on a hyperparameter of strings ('act') is not supported yet"],
    ["def g(x: [N], k: 'a' | 'b') = if k == 'a' then x else -x\nloss f(x: [N]) = mean(g(x, 'c'))", "case.loss:2:28: error E3015: 'c' is not one of the strings of 'k': 'a' | 'b'"],
    ["def g(x: [N], k: 'a' | 'b') = if k == 'a' then x else -x\nloss f(x: [N]) = mean(g(x, 1))", "case.loss:2:28: error E3004: the argument for 'k' must be one of the strings 'a' | 'b', but it is a number or tensor"],
    ["def g(x: [N], k: 'a' | 'b') = if k == 'a' then x else -x\nloss f(x: [N], m: 'a' | 'c' = 'a') = mean(g(x, m))", "case.loss:2:48: error E3015: 'c' is not one of the strings of 'k': 'a' | 'b' (it is one of the strings of 'm')"],
    ["def g(x: [N], k: real) = k * x\nloss f(x: [N], m: 'a' | 'c' = 'a') = mean(g(x, m))", "case.loss:2:48: error E3004: argument 2 of 'g' must be real, but it is one of the strings 'a' | 'c'"],
  ])('%s', (source, message) => {
    expect(errors(source)).toEqual([message]);
  });

  it('a quote left open is E1002', () => {
    expect(errors("loss f(x: [N], act: 'a' | 'b) = mean(x)")[0]).toBe("case.loss:1:27: error E1002: unterminated string: a closing ' is missing on this line");
  });
});

describe('the formatter', () => {
  it('spaces the strings of an enum type and keeps each quote as written', () => {
    const out = formatSource("loss f(x: [N],act:'a'|\"b\"='a')=\n  mean(if act=='b' then x else -x)\n");
    expect(out).toEqual({ text: "loss f(x: [N], act: 'a' | \"b\" = 'a') =\n  mean(if act == 'b' then x else -x)\n" });
  });
});

describe('the syntax', () => {
  it('parses an enum type, keeping its strings (unquoted) and their spans', () => {
    const r = parseModule(`loss f(x: [N], act: 'sigmoid' | "soft max" = 'sigmoid') = mean(x)`, 't.loss');
    expect(r.diagnostics).toEqual([]);
    const type = r.module.definitions[0]!.params[1]!.type!;
    expect(type.kind).toBe('EnumType');
    if (type.kind !== 'EnumType') return;
    expect(type.values.map((v) => [v.value, v.span.start.col, v.span.end.col])).toEqual([['sigmoid', 21, 30], ['soft max', 33, 43]]);
    expect(r.module.definitions[0]!.params[1]!.default).toMatchObject({ kind: 'String', value: 'sigmoid' });
  });

  it('the Monarch grammar colours both quotes as strings and | as an operator', () => {
    const firstRule = (text: string): unknown => {
      for (const [regex, action] of monarchLanguage.tokenizer.root as [RegExp, unknown][]) {
        const m = new RegExp(`^(?:${regex.source})`, regex.flags).exec(text);
        if (m && m[0].length > 0) return [m[0], action];
      }
      return undefined;
    };
    expect(firstRule("'softmax' | 'none'")).toEqual(["'softmax'", 'string']);
    expect(firstRule('"softmax"')).toEqual(['"softmax"', 'string']);
    expect(firstRule("| 'none'")).toEqual(['|', 'operator']);
    expect(firstRule("'open")).toEqual(["'open", 'invalid']);
  });
});

describe('the language service', () => {
  const host: service.ServiceHost = { readFile: () => undefined, stdlib: () => [] };
  const ws: service.Workspace = { host, openFiles: () => [] };
  const text = "loss f(x: [N], act: 'sigmoid' | 'softmax' = 'softmax') = mean(if act == 'so' then x else -x)\n";

  it('completes the strings of the hyperparameter compared with', () => {
    const items = service.completions(service.parsed(text, 'c.loss'), text.indexOf("so'") + 2, host);
    expect(items.map((i) => [i.label, i.detail])).toEqual([
      ['sigmoid', 'one of the strings of act: sigmoid | softmax'],
      ['softmax', 'one of the strings of act: sigmoid | softmax'],
    ]);
  });

  it('hovers a hyperparameter of strings with its strings, not the int that holds it', () => {
    const good = text.replace("'so'", "'softmax'");
    const h = service.hover(ws, service.parsed(good, 'h.loss'), good.indexOf('act =='));
    expect(h?.signature).toBe("(parameter of f) act: 'sigmoid' | 'softmax' = 'softmax'");
    expect(h?.doc).toContain("Value: `one of 'sigmoid' | 'softmax'`");
  });
});

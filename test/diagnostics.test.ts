// One case per code of the diagnostic table (src/diagnostics/codes.ts), in the manner of
// TypeScript's diagnosticMessages and its baselines: the program a user would write, and the
// exact lines lossc prints for it. A code with no case, or a case that does not raise its
// code, fails here, so the table holds no code that is never raised. Stability warnings
// (W6xxx) only need to be raised: their wording belongs to src/stability and its own tests.
// The CLI codes (E7xxx) come from `node bin/lossc.js` run as processes, all at once.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExpression } from '../grammar/index.js';
import { check } from '../src/api.js';
import { checkSource } from '../src/check/module.js';
import { DIAGNOSTICS, type DiagnosticKind } from '../src/diagnostics/codes.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

const FIX = 'test/fixtures/diagnostics';

/** Runs of the CLI, each a process; `$TMP` in an argument is a fresh folder. */
const RUNS = {
  sample: { argv: ['check', '--sample', '8', `${FIX}/nonfinite.loss`, `${FIX}/missing.loss`], status: 1 },
  noSuchLoss: { argv: ['eval', `${FIX}/mse.loss`, '--loss', 'msee', '--inputs', `${FIX}/inputs-good.json`], status: 1 },
  wrongInputs: { argv: ['eval', `${FIX}/mse.loss`, '--loss', 'mse', '--inputs', `${FIX}/inputs-wrong.json`], status: 1 },
  notAnObject: { argv: ['eval', `${FIX}/mse.loss`, '--loss', 'mse', '--inputs', `${FIX}/inputs-not-object.json`], status: 1 },
  mismatched: { argv: ['eval', `${FIX}/mse.loss`, '--loss', 'mse', '--inputs', `${FIX}/inputs-mismatched.json`], status: 1 },
  foreign: { argv: ['compile', `${FIX}/mse.loss`, '--out', '$TMP/foreign'], status: 1 },
  outIsAFile: { argv: ['compile', `${FIX}/mse.loss`, '--out', `${FIX}/mse.loss`], status: 1 },
  cannotWrite: { argv: ['compile', `${FIX}/mse.loss`, '--out', '/proc/self/lossc-cannot-write'], status: 1 },
  twins: { argv: ['compile', `${FIX}/mse.loss`, `${FIX}/twin/mse.loss`, '--out', '$TMP/twins'], status: 1 },
  usage: { argv: ['frobnicate'], status: 2 },
  tooManyWarnings: { argv: ['check', '--max-warnings', '0', `${FIX}/nonfinite.loss`], status: 1 },
  setOutsideDomain: { argv: ['eval', `${FIX}/tempered.loss`, '--loss', 'tempered', '--inputs', `${FIX}/inputs-good.json`, '--set', 'temperature=0'], status: 1 },
} as const;
type RunName = keyof typeof RUNS;

type Case =
  /** Checked alone (`files` are the other modules it may import; an Error is a read that fails). */
  | { readonly source: string; readonly files?: Readonly<Record<string, string | Error>>; readonly expect: string | readonly string[] }
  /** One expression, through the grammar's expression entry. */
  | { readonly expression: string; readonly expect: string }
  /** Through the front end as written (`--no-opt`: a rewrite may remove the hazard): the code is raised. */
  | { readonly stability: string }
  /** Through the front end with the optimizer: these exact lines (a note on a repaired form). */
  | { readonly optimized: string; readonly expect: readonly string[] }
  /** A run of the CLI: stderr holds this line (`$TMP` for its folder), or just the code. */
  | { readonly run: RunName; readonly expect?: string };

const CASES: Record<DiagnosticKind, Case> = {
  // --- syntax
  UnexpectedCharacter: { source: 'loss f(x: [N]) = mean(x) $', expect: "case.loss:1:26: error E1001: unexpected character '$'" },
  UnterminatedString: { source: 'import { mse } from "./regression\nloss f(x: [N]) = mse(x, x)', files: { 'regression.loss': 'loss mse(p: [N], t: [N]) = mean((p - t)^2)' }, expect: 'case.loss:1:21: error E1002: unterminated string: a closing " is missing on this line' },
  UnterminatedComment: { source: 'loss f(x: [N]) = mean(x) /* never closed', expect: "case.loss:1:26: error E1003: unterminated block comment: '*/' is missing" },
  UnexpectedToken: { source: 'loss f(x: [N]) mean(x)', expect: "case.loss:1:16: error E1010: expected '=' but found name 'mean'" },
  UnexpectedEnd: { source: 'loss f(x: [N]) = mean(x', expect: "case.loss:1:24: error E1011: expected ')' to close the call to 'mean' opened at line 1 col 22 but the file ended" },
  ExpectedDefinition: { source: 'mean(x)', expect: "case.loss:1:1: error E1012: expected 'loss', 'def', 'dim' or 'import' at the top level but found name 'mean'" },
  TrailingInput: { expression: 'a b', expect: "<expression>:1:3: error E1013: unexpected name 'b' after the end of the expression" },
  ChainedComparison: { source: 'loss f(x: [N]) = mean(real(0 < x < 1))', expect: "case.loss:1:34: error E1014: comparisons do not chain: write 'a < b and b < c' instead of 'a < b < c'" },
  BadNumber: { source: 'loss f(x: [N]) = mean(x) * 2x', expect: "case.loss:1:28: error E1015: '2x' is not a number" },
  MisplacedDocComment: { source: 'loss f(x: [N]) = mean(x)\n/// dangling', expect: "case.loss:2:1: warning W1016: a '///' doc comment must stand directly above a 'loss', 'def' or 'dim'" },
  BadShapeEntry: { source: 'loss f(b: [N, 2.5]) = mean(b)', expect: "case.loss:1:15: error E1017: '2.5' cannot be a dimension: a shape entry is a name, '...' or a whole number" },
  ListLength: { source: 'loss f(p: list[K, J] of [N]) = mean(p)', expect: "case.loss:1:15: error E1019: a list's length is one dimension, a name or a whole number (list[K] of [N, C]), not [K, J]" },
  ListElement: { source: 'loss f(p: list[K] of real) = mean(p)', expect: "case.loss:1:22: error E1020: a list's elements are tensors of one shape ([N, C], int[N], bool[N], index[N] of C), not a scalar real (write list[K] of [] for rank-0 tensors)" },
  TooDeeplyNested: { source: `loss f(x: [N]) = mean(${'('.repeat(20_000)}x${')'.repeat(20_000)})`, expect: 'case.loss:1:20022: error E1018: this expression nests too deeply to parse; split it with where-bindings' },

  // --- names and definitions
  UnknownName: { source: 'loss f(pred: [N]) = mean(prd)', expect: "case.loss:1:26: error E2001: unknown name 'prd'; did you mean 'pred'?" },
  UnknownFunction: { source: 'loss f(x: [N]) = meen(x)', expect: "case.loss:1:18: error E2002: unknown function 'meen'; did you mean 'mean'?" },
  DuplicateDefinition: { source: 'loss f(x: [N]) = mean(x)\nloss f(x: [N]) = sum(x)', expect: "case.loss:2:6: error E2003: 'f' is already defined at line 1" },
  DuplicateParameter: { source: 'loss f(x: [N], x: [N]) = mean(x)', expect: "case.loss:1:16: error E2004: parameter 'x' is declared twice" },
  DuplicateBinding: { source: 'loss f(x: [N]) = mean(a)\n  where a = x\n        a = 2 * x', expect: "case.loss:3:9: error E2005: 'a' is already bound in this scope at line 2" },
  CyclicDefinition: { source: 'loss f(x: [N]) = mean(a)\n  where a = b + x\n        b = a * 2', expect: "case.loss:2:9: error E2006: 'a' depends on itself: a is used in its own definition (line 3)" },
  UnknownImport: { source: 'import { msee } from "./regression"\nloss f(x: [N]) = mean(x)', files: { 'regression.loss': 'loss mse(p: [N], t: [N]) = mean((p - t)^2)' }, expect: "case.loss:1:10: error E2007: module './regression' has no definition named 'msee'" },
  ModuleNotFound: { source: 'import { mse } from "./nowhere"\nloss f(x: [N]) = mse(x, x)', expect: "case.loss:1:21: error E2008: cannot find module './nowhere' (looked for nowhere.loss)" },
  ShadowsBuiltin: { source: 'def exp(x) = x\nloss f(x: [N]) = mean(exp(x))', expect: "case.loss:1:5: error E2009: 'exp' is a builtin function and cannot be redefined" },
  UnknownDimension: { source: 'loss f(x: [N, C], t: index[N] of K) = mean(x)', expect: "case.loss:1:34: error E2010: unknown dimension 'K': it is not in any parameter's shape" },
  UnknownComponent: { source: 'dim Box = {x1, y1, x2, y2}\nloss f(b: [N, Box]) = mean(b.z)', expect: "case.loss:2:30: error E2011: 'z' is not a component of dimension Box (components: x1, y1, x2, y2)" },
  NotAFunction: { source: 'loss f(x: [N]) = mean(x(1))', expect: "case.loss:1:23: error E2012: 'x' is a value, not a function" },
  FunctionAsValue: { source: 'def g(x) = x\nloss f(x: [N]) = mean(x) + g', expect: "case.loss:2:28: error E2013: 'g' is a function; call it with arguments" },
  UnusedBinding: { source: 'loss f(x: [N]) = mean(x)\n  where unused = 2 * x', expect: "case.loss:2:9: warning W2014: 'unused' is bound but never used" },
  DuplicateEnumValue: { source: "loss f(x: [N], act: 'a' | 'b' | 'a' = 'a') = mean(x)", expect: "case.loss:1:33: error E2016: 'a' is listed twice among the strings of 'act'" },
  ReservedName: { source: 'loss f(x: [N], reduction: real = 1) = mean(x)', expect: "case.loss:1:16: error E2015: 'reduction' is reserved in generated code and cannot name a hyperparameter or optional input: the options of every generated loss have that key" },

  // --- types and calls
  WrongArity: { source: 'def sq(x, y) = (x - y)^2\nloss f(x: [N]) = mean(sq(x))', expect: "case.loss:2:23: error E3001: 'sq' takes 2 arguments but was given 1" },
  UnknownNamedArgument: { source: 'loss f(x: [N]) = mean(x, when: x > 0)', expect: "case.loss:1:26: error E3002: 'mean' has no argument named 'when' (it takes 'where:', 'empty:', 'by:')" },
  DuplicateArgument: { source: 'def g(x) = x\nloss f(x: [N]) = mean(g(x, x: x))', expect: "case.loss:2:28: error E3003: argument 'x' is given twice" },
  TypeMismatch: { source: 'loss f(x: [N, C], y: [N]) = mean(x[y])', expect: "case.loss:1:36: error E3004: an index into a tensor must be class indices ('index[...] of C') or index variables, but it is real[N]" },
  IndexExpected: { source: 'def nll(lp: [N, C], t: index[N] of C) = -mean(lp[t])\nloss f(x: [N, C], y: [N, C]) = nll(x, y)', expect: "case.loss:2:39: error E3005: 'nll' expects class indices index[N] of C, but was given a real[N, C] tensor: pass the class index of each sample (argmax of a one-hot target), not the one-hot encoding" },
  FlagNotConstant: { source: 'loss f(x: [N], d: bool = true) = sum(sort(x, N, descending: d) * x)', expect: "case.loss:1:61: error E3019: 'descending:' of sort must be true or false, written out: the order is fixed when the loss is compiled" },
  NotAnAxis: { source: 'loss f(x: [N]) = mean(sum(x, 1))', expect: 'case.loss:1:30: error E3006: the axis argument of sum must name an axis of the operand (one of N)' },
  PositionalAfterNamed: { source: 'loss f(x: [N], m: bool[N]) = mean(x, where: m, N)', expect: 'case.loss:1:48: error E3007: a positional argument cannot follow a named one' },
  NotBoolean: { source: 'loss f(x: [N]) = mean(if x then 1 else 0)', expect: 'case.loss:1:26: error E3008: the condition of if must be a condition (bool), but it is real[N]' },
  IntegerExpected: { source: 'def top(x: [N], k: int) = mean(x * k)\nloss f(x: [N]) = top(x, 2.5)', expect: "case.loss:2:25: error E3009: argument 2 of 'top' (an int) must be a whole number, but it is 2.5" },
  ListUnsupported: { source: 'loss f(x: [N], p: list[K] of [N] = 0) = mean(x)', expect: "case.loss:1:19: error E3018: 'p' cannot be a list: a list is a required input (it has no default); give it, or write two losses over one def" },
  UnsupportedConstruct: { source: 'loss f(x: [N], features: fn([N], [N]) -> [N]) = mean(x)', expect: 'case.loss:1:26: error E3010: a function parameter taking other than one tensor is not supported yet' },
  LossNotScalar: { source: 'loss f(x: [N]) = x', expect: "case.loss:1:18: warning W3011: loss 'f' returns a tensor with axes [N], not a single number: reduce it with mean or sum if a scalar is meant" },
  BadTuple: { source: 'loss f(x: [N]) = mean((x, x))', expect: 'case.loss:1:23: error E3012: a tuple can only list axes of a reduction or be compared with another tuple of the same length' },
  MissingType: { source: 'loss f(x) = mean(x)', expect: "case.loss:1:8: error E3013: parameter 'x' of loss 'f' needs a type, e.g. 'x: [N]' or 'x: real = 1'" },
  NotNumeric: { source: 'loss f(x: [N]) = mean((x > 0) + 1)', expect: "case.loss:1:23: error E3014: the left operand of '+' must be a number, but it is bool[N]" },
  UnknownEnumValue: { source: "loss f(x: [N], act: 'sigmoid' | 'softmax' = 'softmax') = mean(if act == 'softmaxx' then x else -x)", expect: "case.loss:1:73: error E3015: 'softmaxx' is not one of the strings of 'act': 'sigmoid' | 'softmax'; did you mean 'softmax'?" },
  EnumMisuse: { source: "loss f(x: [N], act: 'sigmoid' | 'softmax' = 'softmax') = mean(x * act)", expect: "case.loss:1:67: error E3016: 'act' is one of the strings 'sigmoid' | 'softmax': compare it with == or != to one of them, or pass it to a parameter of the same strings" },
  StringMisuse: { source: "loss f(x: [N]) = mean(x) * 'none'", expect: "case.loss:1:28: error E3017: the string 'none' can only be compared with == or != to a hyperparameter of strings (act: 'sigmoid' | 'softmax'), or passed to a parameter of strings" },

  // --- shapes and axes
  AxisSizeMismatch: { source: 'loss f(x: [N], y: [M]) = mean(a + b)\n  where a[i] = x[i]\n        b[i] = y[i]', expect: "case.loss:1:33: error E4001: the operands of '+': dimension i (N) and dimension i (M) would have to be the same size, but they are different dimensions" },
  ArgumentShapeMismatch: { source: 'def sq(x: [..., D], y: [..., D]) = sum((x - y)^2, D)\nloss f(a: [N, D], b: [N, E]) = mean(sq(a, b))', expect: "case.loss:2:43: error E4002: argument 2 of 'sq' has axes [N, E] but parameter 'y' expects [..., D]" },
  RestPlaceUnknown: {
    source: 'def ext(e: [..., L]) = max(e, L)\nloss f(x: [B, ...], y: [..., B]) = sum(ext(flatten(x * y, ..., S)))',
    expect: "case.loss:2:44: error E4035: S, made by flatten(..., ..., S) of a value whose order does not place the '...' dims (its operands place them differently, or none has all its axes), has no place among the axes [S, B], but they are taken by position here: name them (a binding's left side), or pass the operand of flatten through a def whose pattern places its '...'",
  },
  SortKeyAxes: { source: 'loss f(x: [N, D], k: [D]) = sum(sort(x, N, by: k))', expect: "case.loss:1:48: error E4034: sort: the 'by:' key has no axis N, so it would order nothing (its axes are [D])" },
  AxisNotPresent: { source: 'loss f(x: [N, D], y: [N]) = mean(sum(y, D))', expect: 'case.loss:1:41: error E4003: sum: the operand has no axis D (its axes are [N])' },
  TooManyIndices: { source: 'loss f(x: [N]) = mean(x[i, j])', expect: 'case.loss:1:23: error E4004: 2 indices for a tensor with 1 axis' },
  IndexVariableClash: { source: 'loss f(x: [N], y: [M]) = mean(s)\n  where s[i] = x[i] * y[i]', expect: "case.loss:2:25: error E4005: index variable 'i' already ranges over N, not M" },
  UnboundIndexVariable: { source: 'loss f(x: [N]) = mean(s)\n  where s[i, k] = x[i]', expect: "case.loss:2:14: error E4006: index variable 'k' on the left is not an axis of the right-hand side (its axes are [i:N])" },
  ExtraAxisInBinding: { source: 'loss f(x: [N]) = mean(s)\n  where s[i] = x[i] * x[j]', expect: "case.loss:2:16: error E4007: the right-hand side has axes [j] that are not listed on the left in 's[i]'" },
  GatherAxisMissing: { source: 'loss f(x: [N, D], t: index[N] of C, y: [N, C]) = mean(x[t])', expect: 'case.loss:1:57: error E4008: cannot gather by a class index of C: the tensor has no axis C (its axes are [N, D])' },
  RestDimPosition: { source: 'loss f(x: [..., N, ...]) = mean(x)', expect: "case.loss:1:20: error E4009: '...' may come only once in a shape: two groups of any number of dims could split the dims either way" },
  IndexVariableWithoutSize: { source: 'loss f(x: [N]) = mean(x) + sum(s)\n  where s[i] = real(i)', expect: "case.loss:2:21: error E4012: index variable 'i' has no size yet: index a tensor with it (e.g. 'x[i]') before using it as a value, or declare the dim it ranges over on the binding's left side ('keep[i: C] = ...')" },
  DiagonalIndex: { source: 'loss f(t: index[C] of C) = sum(onehot(t))', expect: "case.loss:1:32: error E4013: 'C' indexes two axes of the same tensor (a diagonal)" },
  DuplicateDim: { source: 'loss f(x: [N, N]) = mean(x)', expect: "case.loss:1:15: error E4011: dimension 'N' appears twice in one shape; use index variables for a square matrix" },
  MaskAddsAxes: {
    source: 'loss pairs(e: [N, D], labels: int[N]) = mean(l, where: same)\n  where same[i, j] = labels[i] == labels[j] and i != j\n        l[a, p]    = norm(e[a] - e[p], D)',
    expect: "case.loss:1:56: error E4014: the 'where:' mask of mean has axes [i:N, j:N] that its operand [a:N, p:N] does not have: a mask selects among the operand's elements and cannot add axes: index the operand with the mask's variables (i, j) if they are the same positions",
  },
  DenominatorAddsAxes: { source: 'loss f(x: [N], w: [N, C]) = mean(x, by: w)', expect: "case.loss:1:41: error E4040: the 'by:' denominator of mean has axes [C] that its operand [N] does not have: each element adds its own denominator, so it cannot have more of them" },
  OuterProductOfCopies: {
    source: 'loss f(e: [N, D], label: int[N]) = mean(d * m)\n  where d[i, j] = norm(e[i] - e[j], D)\n        m[a, p] = real(label[a] == label[p])',
    expect: "case.loss:1:43: warning W4015: '*' combines [i, j] with [a, p], copies of N that share no index variable: the result has all of them, an outer product: did you mean to index one with the other's variables (a, p as i, j)?",
  },
  OrderNotDeclared: {
    source: 'loss f(x: [N], y: [M]) = sum(p)\n  where p[i, j] = x * y',
    expect: 'case.loss:2:19: warning W4016: axes N, M of [N, M] are taken by position, but no declaration orders them (the value combines several operands): they are taken in the order the loss declares their dims; index the operands themselves instead',
  },
  ResultShapeMismatch: {
    source: 'loss b(x: [B, C]) -> [B] = sum(x, B)',
    expect: "case.loss:1:22: error E4018: the value of 'b' has axes [C], but its declared result is [B]",
  },
  OptionalInputUnsized: {
    source: 'def scaled(x: [N], w: [K] = 2.0) = mean(x) * sum(w)\nloss f(x: [N]) = scaled(x)',
    expect: "case.loss:2:18: error E4019: optional input 'w' is left out, but no argument given fixes its dimension K: pass 'w'",
  },
  DefLocalAxis: {
    source: 'def pd(e: [N, D]) = norm(e[i] - e[j], D)\nloss f(e: [N, D]) = mean(pd(e))',
    expect: "case.loss:2:26: error E4017: 'pd' would return axis j, a copy of N made inside it: a def's result has the axes of its arguments; reduce j, or make it one of the arguments' axes",
  },
  FlattenRepeatedAxis: { source: 'loss f(x: [B, H, W]) = mean(flatten(x, (H, H), S))', expect: 'case.loss:1:44: error E4030: flatten lists axis H twice: each axis is merged once' },
  FlattenDimClash: {
    source: 'loss f(x: [B, H, W]) = mean(flatten(x, (H, W), S)) + mean(flatten(x, (B, H), S))',
    expect: 'case.loss:1:78: error E4031: the merged axis S would have size B·H, but S is already the merged axis of (H, W): give the merged axis a name of its own',
  },
  FlattenRest: {
    source: 'loss f(x: [B, C, H]) = mean(flatten(x, (C, ...), S))',
    expect: "case.loss:1:44: error E4032: flatten(x, (C, ...), S) merges the '...' axes (alone or beside named axes) only of an operand that has them, and unflatten(x, S, (C, ...)) splits into them only an S merged from them or in a loss whose inputs have '...', never an operand that still has them, and never the '...' group itself (the operand's axes are [B, C, H])",
  },
  FlattenRestTwice: { source: 'loss f(x: [B, C, ...]) = mean(flatten(x, (..., C, ...), S))', expect: "case.loss:1:51: error E4041: flatten lists '...' twice: it stands for all the rest axes, one block in the merged order, so it is written once" },
  RaggedListUse: {
    source: 'loss f(p: list[K] of ragged [B, ...]) = mean(p)',
    expect: "case.loss:1:41: error E4036: this cannot be computed one element of a ragged list at a time: it combines elements of the ragged list 'p' (a reduction over its axis, or an element picked by position), whose '...' dims differ: compute a value per element without those dims first (l[k] = f(p[k], ...)), then combine those",
  },
  ResizeUse: {
    source: 'loss f(x: [B, ...], y: [B, ...]) = mean(x - resize(y, like: x))',
    expect: "case.loss:1:45: error E4037: resize(x, like: z): resize brings a tensor to the '...' dims of an element of a ragged list (like: preds[k] of preds: list[K] of ragged [B, C, ...]), and this loss has no ragged list; inputs of one loss share their '...' dims",
  },
  UnflattenUnsized: {
    source: 'loss f(x: [B, S]) = mean(unflatten(x, S, (H, W)))',
    expect: "case.loss:1:43: error E4033: unflatten cannot split S into H: the size of H is not known here (it must be a dim of the loss's inputs, a literal size, or made by flatten or stack)",
  },

  // --- domains and defaults
  DefaultNotConstant: { source: 'loss f(x: [N], m: real = x) = mean(x + m)', expect: "case.loss:1:26: error E5001: the default of 'm' must be a constant number" },
  DefaultOutsideDomain: { source: 'loss f(x: [N], m: real in (0, inf) = 0) = mean(x + m)', expect: "case.loss:1:38: error E5002: the default 0 of 'm' is outside its domain (0, inf)" },
  DefaultOnTensor: { source: 'loss f(x: [N], y: [N] = 2 * x) = mean(x + y)', expect: "case.loss:1:25: error E5003: the default of tensor parameter 'y' must be a constant number, which fills it, or an input declared before it" },
  DefaultWrongType: { source: 'loss f(x: [N], w: int[N] = 0.5) = mean(x * w)', expect: "case.loss:1:28: error E5004: the default 0.5 of 'w' is not a whole number" },
  EmptyDomain: { source: 'loss f(x: [N], m: real in (1, 0) = 1) = mean(x + m)', expect: 'case.loss:1:27: error E5005: the domain (1, 0) is empty' },
  DomainNotConstant: { source: 'loss f(x: [N], m: real in (0, x) = 1) = mean(x + m)', expect: 'case.loss:1:27: error E5006: the bounds of a domain must be constant numbers' },
  ArgumentOutsideDomain: { source: 'def bce(p: [N] in [0, 1], y: [N]) = -mean(y * log(p) + (1 - y) * log(1 - p))\nloss f(x: [N], y: [N] in {0, 1}) = bce(x, y)', expect: "case.loss:2:40: warning W5007: argument for 'p' of 'bce' may lie outside its domain [0, 1]: it ranges over (-inf, inf), as logits do, where a probability is expected\n  note: if it holds logits, pass sigmoid(x) (or softmax(x, C)), or use the logits form of the loss; if it holds probabilities, declare its input 'in [0, 1]'" },
  ProbabilityAsLogits: { source: 'def logit_loss(x: [N], y: [N] in [0, 1]) = mean(softplus(x) - y * x)\nloss f(z: [N], y: [N] in [0, 1]) = logit_loss(sigmoid(z), y)', expect: "case.loss:2:47: warning W5011: argument for 'x' of 'logit_loss' is a probability (it ranges over [0, 1]), but 'logit_loss' takes logits there: it applies softplus to it\n  note: fix: pass the logits themselves (x rather than sigmoid(x) or softmax(x, C)), or use the form of the loss that takes probabilities (bce rather than bce_with_logits)" },
  BroadcastDimUnfixed: { source: 'loss f(x: [N], broadcast m: [N, K]) = mean(x * sum(m, K))', expect: "case.loss:1:26: error E5011: dimension K of broadcast input 'm' must also be in the shape of an input that does not broadcast, which fixes its size" },
  BroadcastWithRest: { source: 'loss f(x: [..., N], broadcast m: [..., N]) = mean(x * m)', expect: "case.loss:1:31: error E5012: broadcast input 'm' cannot have '...' dims: write its dims out" },
  DimOnlyInOptional: { source: 'loss f(x: [N], w: [M] = 1) = mean(x) + sum(w)', expect: "case.loss:1:16: error E5009: dimension M of 'w' must also be in the shape of a required input, which fixes its size" },
  IgnoreNotHyper: { source: 'loss f(x: [N, C], t: index[N] of C ignore h) = mean(x)', expect: "case.loss:1:43: error E5013: 'ignore h' of 't' must name an int hyperparameter of the loss (e.g. 'h: int = -100'), but the loss has no parameter of that name" },
  IgnoreMismatch: {
    source: 'def g(x, t: index[...] of C ignore h, h: int) = mean(-x[t], where: t != h)\nloss f(x: [N, C], t: index[N] of C ignore ii, ii: int = -100) = g(x, t, 0)',
    expect: "case.loss:2:65: error E5014: the class indices given for 't' of 'g' ignore a value of their own, and 't' ignores 'h': pass that value as 'h' so both ignore the same positions",
  },
  UnionShapes: { source: 'loss f(x: [N, C], y: index[N] of C | [N, D]) = mean(x) + mean(y)', expect: "case.loss:1:19: error E5020: the two forms of 'y' do not fit: its probabilities [N, D] must be the shape of its class indices [N] with one axis of C added" },
  UnionUnsupported: { source: 'loss f(x: [N, C], y: index[N] of C | [N, C] = 0) = mean(x) + mean(y)', expect: "case.loss:1:19: error E5021: 'y' cannot be class indices or probabilities here: a union input is required and given whole (not optional with a default)" },
  DefaultInputUnfit: { source: 'loss f(x: [N], y: [N] in [0, 1] = x) = mean(x * y)', expect: "case.loss:1:35: error E5023: optional input 'y' cannot default to 'x': 'x' has no domain, and 'y' takes values in [0, 1] only: declare 'x' in [0, 1] (or a domain inside it), or pass 'y'" },
  DefaultInputOrder: { source: 'loss f(x: [N], y: [N] = z, z: [N] = y) = mean(x * y * z)', expect: "case.loss:1:25: error E5024: optional input 'y' cannot default to 'z': the defaults form a cycle (y = z, z = y); a default may name only an input declared before it" },
  UnionOneClass: { source: 'loss f(x: [N, 1], y: index[N] of 1 | [N, 1] in [0, 1]) = mean(x * y)', expect: "case.loss:1:34: error E5025: 'y' cannot be class indices of 1: with one class every index is 0 and its one-hot row all 1, so the labels would be lost and only the probabilities form means anything; declare 'y: [N, 1] in [0, 1]' alone (0/1 labels given as numbers), or labels of two classes as 'of 2' with two channels" },
  UnionDimUnfixed: { source: 'loss f(x: [C], y: index[N] of C | [N, C]) = mean(x) + mean(y)', expect: "case.loss:1:16: error E5022: dimension N of 'y' must also be in the shape of an input of one type, which fixes its size ('y' comes as class indices or as probabilities, of two shapes)" },
  LearnableWithoutInit: { source: 'loss f(x: [N], param s: [N]) = mean(x * s)', expect: "case.loss:1:22: error E5010: learnable parameter 's' needs an initial value, e.g. 'param s: [T] = 0'" },
  RequiredAfterDefault: { source: 'def lerp(a, w = 0.5, b) = a + w * (b - a)\nloss f(x: [N], y: [N]) = mean(lerp(x, 0.1, y))', expect: "case.loss:1:22: error E5008: parameter 'b' has no default but follows 'w', which has one, so no call could give it by position: move it before 'w'" },

  // --- numeric stability
  LogOfZero: { stability: 'loss f(p: [N] in [0, 1]) = -mean(log(p))' },
  OutsideOpDomain: { stability: 'loss f(x: [N]) = mean(log(x))' },
  DivisionByZero: { stability: 'loss f(x: [N], y: [N]) = mean(x / y)' },
  EmptyMask: { stability: 'loss f(l: [N], m: bool[N]) = sum(l * real(m)) / count(m)' },
  Float32Overflow: { stability: 'loss f(x: [N]) = mean(exp(x))' },
  Cancellation: { stability: 'loss f(x: [N], w: [N] in [0, 1]) = mean(w * (1 - sigmoid(x)))' },
  LogOfOnePlusSmall: { stability: 'loss f(x: [N] in [0, inf)) = mean(log(1 + x))' },
  ProbabilityFromUnbounded: { stability: 'loss f(x: [N], y: [N] in {0, 1}) = -mean(y * log(clamp(x, 1e-7, 1 - 1e-7)))' },
  SqrtGradientAtZero: { stability: 'loss f(x: [N] in [0, inf)) = mean(sqrt(x))' },
  // Both only where tfjs's autodiff differentiates (a function parameter): the derived gradient is 0 there.
  PowGradientAtZero: { stability: 'loss f(p: [N] in [0, 1], h: fn([N]) -> [N], gamma: real in [0, inf) = 0.5) = mean((1 - p)^gamma) + mean(h(p))' },
  GuardedGradient: { stability: 'loss f(p: [N] in [0, 1], h: fn([N]) -> [N]) = mean(if p > 0 then log(p) else 0) + mean(h(p))' },
  InfTimesZero: { stability: 'loss f(x: [N], y: [N] in {0, 1}) = mean(y * exp(x))' },
  GammaPole: { stability: 'loss f(n: [N] in [0, inf)) = mean(lgamma(n))' },
  IgnoredReachesLoss: { stability: 'loss f(x: [N, C], t: index[N] of C ignore ii, ii: int = -100) = mean(-x[t])' },
  SampledNonFinite: { run: 'sample' },
  RepairedNaiveForm: { optimized: 'loss f(x: [N, C], t: index[N] of C) = -mean(log(exp(x)[t] / sum(exp(x), C)))', expect: ['case.loss:1:45: info I6030: log(exp(x)[t] / sum(exp(x), C)) is computed as log_softmax(x, C)[t], its stable form: written so, it stays stable under --no-opt too (softmax-gather, log-gather-softmax)\n  note: e^x[t] / Σ e^x = softmax(x)[t], computed from x - max x'] },

  // --- evaluation and command line
  NoSuchLoss: { run: 'noSuchLoss', expect: "lossc: error E7001: no loss named 'msee' in test/fixtures/diagnostics/mse.loss; did you mean 'mse'?" },
  MissingInput: { run: 'wrongInputs', expect: "lossc: error E7002: no value given for input 'target' of loss 'mse' (expected real[N])" },
  InputShape: { run: 'wrongInputs', expect: `lossc: error E7003: input 'pred' of loss 'mse': "two" is not a number` },
  BadInputsFile: { run: 'notAnObject', expect: 'lossc: error E7004: test/fixtures/diagnostics/inputs-not-object.json must hold a JSON object from input name to value' },
  UnknownInput: { run: 'wrongInputs', expect: "lossc: error E7005: loss 'mse' has no input or hyperparameter named 'targte' (did you mean 'target'?); the inputs are pred, target" },
  FileNotFound: { run: 'sample', expect: 'lossc: error E7006: cannot read test/fixtures/diagnostics/missing.loss: no such file or directory' },
  OutputConflict: { run: 'foreign', expect: 'lossc: error E7007: $TMP/foreign/mse.ts exists and was not written by lossc; refusing to overwrite it' },
  EvaluationFailed: { run: 'mismatched', expect: "lossc: error E7008: evaluation failed: mse: dimension N of input 'target' is 3, but it is 2 in 'pred' (shape [N])" },
  OutputFolder: { run: 'outIsAFile', expect: 'lossc: error E7010: cannot write into test/fixtures/diagnostics/mse.loss: it exists and is not a directory; --out needs a directory' },
  WriteFailed: { run: 'cannotWrite', expect: 'lossc: error E7011: cannot write /proc/self/lossc-cannot-write/mse.ts: no such file or directory' },
  DuplicateOutput: { run: 'twins', expect: 'lossc: error E7012: test/fixtures/diagnostics/mse.loss and test/fixtures/diagnostics/twin/mse.loss would both be compiled to $TMP/twins/mse.ts; compile them in separate runs or rename one' },
  BadUsage: { run: 'usage', expect: "lossc: error E7013: unknown command 'frobnicate'" },
  TooManyWarnings: { run: 'tooManyWarnings', expect: 'lossc: error E7014: 1 warning found, more than --max-warnings 0 allows' },
  OptionOutsideDomain: { run: 'setOutsideDomain', expect: "test/fixtures/diagnostics/tempered.loss:2:39: error E7015: 0 for 'temperature' of loss 'tempered' is outside its declared domain (0, inf)" },

  // --- internal
  InternalError: { source: 'import { mse } from "./regression"\nloss f(x: [N]) = mse(x, x)', files: { 'regression.loss': new Error('the disk is on fire') }, expect: ['lossc: error E9001: internal compiler error while checking definitions: the disk is on fire (please report this with the source that caused it)', "lossc: error E9001: internal compiler error while checking loss 'f': the disk is on fire (please report this with the source that caused it)"] },
};

/** What the checker prints for a source, one formatted diagnostic (with its notes) each. */
function checked(source: string, files: Readonly<Record<string, string | Error>> = {}): string[] {
  const host = {
    readFile(path: string): string | undefined {
      const f = files[path];
      if (f instanceof Error) throw f;
      return f;
    },
  };
  return checkSource(source, 'case.loss', host).diagnostics.map((d) => formatDiagnostic(d));
}

interface RunResult {
  readonly status: number | null;
  readonly stderr: string;
}

function lossc(argv: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/lossc.js', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const runs = new Map<RunName, RunResult>();
let tmp = '';

beforeAll(async () => {
  expect(existsSync('dist/src/cli/main.js'), 'run `npm run build` first (npm test does)').toBe(true);
  tmp = mkdtempSync(join(tmpdir(), 'lossc-diagnostics-'));
  mkdirSync(join(tmp, 'foreign'));
  writeFileSync(join(tmp, 'foreign', 'mse.ts'), '// my own module, not written by lossc\n');
  const names = Object.keys(RUNS) as RunName[];
  const results = await Promise.all(names.map((name) => lossc(RUNS[name].argv.map((a) => a.replace('$TMP', tmp)))));
  names.forEach((name, i) => runs.set(name, { ...results[i]!, stderr: results[i]!.stderr.replaceAll(tmp, '$TMP') }));
}, 60_000);

const codeOf = (kind: DiagnosticKind): string => DIAGNOSTICS[kind].code;
const raises = (line: string, code: string): boolean => new RegExp(`^\\S+: (error|warning|info) ${code}: `).test(line);

describe('every diagnostic code', () => {
  it('has exactly one case, and no case names a code the table lacks', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(DIAGNOSTICS).sort());
  });

  it('is unique, and its letter is its severity: E an error, W a warning, I a note', () => {
    const codes = Object.values(DIAGNOSTICS).map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [kind, d] of Object.entries(DIAGNOSTICS)) {
      expect(`${kind} ${d.code}`).toMatch(d.severity === 'error' ? / E\d{4}$/ : d.severity === 'info' ? / I\d{4}$/ : / W\d{4}$/);
      if (d.code[1] === '6') expect(d.severity, kind).not.toBe('error');
    }
  });

  it('is listed in docs/diagnostics.md with its severity', () => {
    const doc = readFileSync('docs/diagnostics.md', 'utf8');
    const listed = [...doc.matchAll(/^\| ([EWI]\d{4}) \| (error|warning|info) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(listed.sort()).toEqual(Object.values(DIAGNOSTICS).map((d) => `${d.code} ${d.severity}`).sort());
  });
});

describe.each(Object.entries(CASES) as [DiagnosticKind, Case][])('%s', (kind, c) => {
  const code = codeOf(kind);
  it(`raises ${code}`, () => {
    if ('source' in c) {
      const lines = checked(c.source, c.files);
      expect(lines, lines.join('\n')).toEqual(typeof c.expect === 'string' ? [c.expect] : c.expect);
      expect(lines.some((l) => raises(l, code))).toBe(true);
    } else if ('expression' in c) {
      const lines = parseExpression(c.expression).diagnostics.map((d) => formatDiagnostic(d));
      expect(lines).toEqual([c.expect]);
      expect(raises(lines[0]!, code)).toBe(true);
    } else if ('optimized' in c) {
      const lines = check(c.optimized, 'case.loss').diagnostics.map((d) => formatDiagnostic(d));
      expect(lines, lines.join('\n')).toEqual(c.expect);
      expect(lines.some((l) => raises(l, code))).toBe(true);
    } else if ('stability' in c) {
      const lines = check(c.stability, 'case.loss', { optimize: false }).diagnostics.map((d) => formatDiagnostic(d));
      expect(lines.filter((l) => l.includes(': error ')), lines.join('\n')).toEqual([]);
      expect(lines.some((l) => raises(l, code)), lines.join('\n')).toBe(true);
    } else {
      const r = runs.get(c.run)!;
      const lines = r.stderr.split('\n');
      expect(r.status, r.stderr).toBe(RUNS[c.run].status);
      if (c.expect !== undefined) expect(lines, r.stderr).toContain(c.expect);
      expect(lines.some((l) => raises(l, code)), r.stderr).toBe(true);
    }
  });
});

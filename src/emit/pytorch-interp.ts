// The Python source interpreter of the lowering: each operation becomes Python text for a
// PyTorch module. The third reading of the one lowering (beside the TypeScript source and the
// live tfjs interpreters): tfjs kernels through the table of pytorch-kernels.ts, module
// helpers through their Python versions (src/runtime/python/lossc_torch.py, imported as
// `rt`), JavaScript operations through PY_JS_OPS (pytorch-js-ops.ts). Statements accumulate in blocks; an
// arrow function with statements becomes a nested `def`, one that is a single expression a
// lambda. A value is the text of an expression and its precedence.

import { type ErrorKind, type Interp, type Item, type Kernel, type LetOptions, type Param, Spread } from '../lower/interp.js';
import type { JsOp } from '../lower/js-ops.js';
import type { HelperName } from '../runtime/helper-sources.js';
import { type Scope } from './names.js';
import { PY, PY_JS_OPS } from './pytorch-js-ops.js';
import { LAST_AXIS_KERNELS, TORCH_KERNELS } from './pytorch-kernels.js';

/** A Python expression. */
export interface PyCode {
  readonly text: string;
  readonly prec: number;
  /** The block whose code computes it (names and literals: none). */
  readonly at?: PyBlock;
  /** A dict of options: `get` reads a key of it. */
  readonly dict?: boolean;
  /** The literal None. */
  readonly none?: boolean;
}

interface PyBlock {
  readonly lines: string[];
  readonly scope: Scope;
  readonly finishers: (() => void)[];
}

const DROPPED = '\u0000';
const atom = (text: string): PyCode => ({ text, prec: PY.primary });
/** A local or parameter of generated code, by name. */
export const pyName = (name: string, dict = false): PyCode => ({ text: name, prec: PY.primary, ...(dict ? { dict } : {}) });
/** A Python identifier (PEP 3131: unicode letters too). */
const NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

/** A Python string literal (JSON's escapes are Python's). */
export const pyString = (s: string): string => JSON.stringify(s);

/** A number as a Python expression. */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'math.nan';
  if (n === Infinity) return 'math.inf';
  if (n === -Infinity) return '-math.inf';
  if (Object.is(n, -0)) return '-0.0';
  return String(n);
}

/** Tensor properties the lowering reads, by their tfjs names. */
const TENSOR_PROPERTIES: Readonly<Record<string, string>> = { rank: 'rt.rank', shape: 'rt.shape', size: 'rt.size', dtype: 'rt.dtype' };

const ERRORS: Record<ErrorKind, string> = { Error: 'ValueError', TypeError: 'TypeError', RangeError: 'ValueError' };

/** A message written for tfjs, for a torch user: the tensor type is torch's. */
export const torchMessage = (text: string): string => text.replace(/\btf\.Tensor\b/g, 'torch.Tensor');

/** A nested function's name, by its first parameter's (the lowering's arrows are few). */
const ARROW_NAMES: Readonly<Record<string, string>> = { args: 'forward', dy: 'grad_func', check: 'compute', options: 'again' };

const indent = (lines: readonly string[]): string[] => lines.map((l) => `    ${l}`);

export class PythonInterp implements Interp<PyCode> {
  private readonly blocks: PyBlock[];
  private readonly tracked = new WeakMap<PyCode, { used: boolean }>();
  private finished = false;

  constructor(scope: Scope) {
    this.blocks = [{ lines: [], scope, finishers: [] }];
  }

  /** The statements written at the outermost level (complete: nothing may be added after). */
  get lines(): readonly string[] {
    if (!this.finished) {
      this.finish(this.blocks[0]!);
      this.finished = true;
    }
    return this.blocks[0]!.lines;
  }

  private finish(block: PyBlock): void {
    for (const f of [...block.finishers].reverse()) f();
    const kept = block.lines.filter((l) => l !== DROPPED);
    block.lines.splice(0, block.lines.length, ...kept);
  }

  private get top(): PyBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  private emit(...lines: string[]): void {
    this.top.lines.push(...lines);
  }

  private use(c: PyCode): PyCode {
    if (c.at !== undefined && c.at !== this.top) {
      throw new Error(`internal: \`${c.text.slice(0, 80)}\` is used in a function other than the one that makes it`);
    }
    const counted = this.tracked.get(c);
    if (counted) counted.used = true;
    return c;
  }

  private paren(c: PyCode, min: number): string {
    const text = this.use(c).text;
    return c.prec < min ? `(${text})` : text;
  }

  private made(text: string, prec: number = PY.primary): PyCode {
    return { text, prec, at: this.top };
  }

  private nested<T>(body: () => T): { lines: string[]; result: T } {
    const block: PyBlock = { lines: [], scope: this.top.scope.fork(), finishers: [] };
    this.blocks.push(block);
    try {
      const result = body();
      this.finish(block);
      return { lines: block.lines, result };
    } finally {
      this.blocks.pop();
    }
  }

  private args(args: readonly PyCode[]): string {
    return args.map((a) => this.paren(a, PY.lambda + 1)).join(', ');
  }

  num(n: number): PyCode {
    const text = pyNumber(n);
    return { text, prec: text.startsWith('-') ? PY.unary : PY.primary };
  }

  str(s: string): PyCode {
    return atom(pyString(s));
  }

  bool(b: boolean): PyCode {
    return atom(b ? 'True' : 'False');
  }

  undef(): PyCode {
    return { text: 'None', prec: PY.primary, none: true };
  }

  list(items: readonly Item<PyCode>[]): PyCode {
    return this.made(`[${items.map((i) => (i instanceof Spread ? `*${this.paren(i.spread, PY.primary)}` : this.paren(i, PY.lambda + 1))).join(', ')}]`);
  }

  obj(fields: readonly (readonly [string, PyCode])[]): PyCode {
    return { ...this.made(`{${fields.map(([k, v]) => `${pyString(k)}: ${this.paren(v, PY.lambda + 1)}`).join(', ')}}`), dict: true };
  }

  js(op: JsOp, ...args: readonly PyCode[]): PyCode {
    // None is compared by identity (a tensor's == None is elementwise).
    if ((op === 'eq' || op === 'ne') && args.some((a) => a.none)) {
      const other = args.find((a) => !a.none) ?? args[0]!;
      return this.made(`${this.paren(other, PY.comparison + 1)} ${op === 'eq' ? 'is' : 'is not'} None`, PY.comparison);
    }
    const row = PY_JS_OPS[op];
    const texts = args.map((a, i) => this.paren(a, row.operands[Math.min(i, row.operands.length - 1)]!));
    return this.made(row.source(texts), row.prec);
  }

  and(a: PyCode, b: () => PyCode): PyCode {
    return this.made(`${this.paren(a, PY.and)} and ${this.paren(b(), PY.and + 1)}`, PY.and);
  }

  or(a: PyCode, b: () => PyCode): PyCode {
    return this.made(`${this.paren(a, PY.or)} or ${this.paren(b(), PY.or + 1)}`, PY.or);
  }

  get(object: PyCode, key: string): PyCode {
    if (object.dict) return this.made(`${this.paren(object, PY.primary)}.get(${pyString(key)})`);
    if (key === 'length') return this.made(`len(${this.paren(object, PY.lambda + 1)})`);
    const property = TENSOR_PROPERTIES[key];
    if (property) return this.made(`${property}(${this.paren(object, PY.lambda + 1)})`);
    // A helper's result record (outsideAt's value, at, flat).
    return this.made(`${this.paren(object, PY.primary)}[${pyString(key)}]`);
  }

  at(list: PyCode, index: number | PyCode): PyCode {
    return this.made(`${this.paren(list, PY.primary)}[${typeof index === 'number' ? index : this.paren(index, PY.lambda + 1)}]`);
  }

  as(value: PyCode): PyCode {
    return value;
  }

  tf(kernel: Kernel, ...args: readonly PyCode[]): PyCode {
    const row = TORCH_KERNELS[kernel];
    if (!row) throw new Error(`internal: the PyTorch target has no equivalent of tf.${kernel} (src/emit/pytorch-kernels.ts)`);
    if (LAST_AXIS_KERNELS.has(kernel)) return this.made(`${row.callee}(${this.args(args)}, -1)`);
    return this.made(`${row.callee}(${this.args(args)})`);
  }

  helper(name: HelperName, ...args: readonly PyCode[]): PyCode {
    return this.made(`rt.${name}(${this.args(args)})`);
  }

  call(f: PyCode, ...args: readonly PyCode[]): PyCode {
    return this.made(`${this.paren(f, PY.primary)}(${this.args(args)})`);
  }

  let(hint: string, value: PyCode, options: LetOptions = {}): PyCode {
    // A shadowing local whose value reads the outer name (`saved = saved[0]`) would make
    // Python read the new, unbound local: it gets a fresh name instead.
    const readsItself = options.shadow === true && this.nameIn(hint, value.text);
    const name = options.shadow && !readsItself ? this.top.scope.claimShadowing(hint) : this.top.scope.claim(hint);
    this.emit(`${name} = ${this.use(value).text}`);
    const dict = value.dict === true;
    if (options.dropIfUnused !== true) return pyName(name, dict);
    const block = this.top;
    const at = block.lines.length - 1;
    const local = pyName(name, dict);
    const use = { used: false };
    this.tracked.set(local, use);
    block.finishers.push(() => {
      if (!use.used) block.lines[at] = DROPPED;
    });
    return local;
  }

  /** Whether `text` mentions the identifier `name` (outside string literals, roughly: a whole word). */
  private nameIn(name: string, text: string): boolean {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'u').test(text);
  }

  once(hint: string, value: PyCode): PyCode {
    if (NAME.test(value.text) || /^-?[\d.]+(e[+-]?\d+)?$/.test(value.text) || /^"[^"\\]*"$/.test(value.text)) return value;
    return this.let(hint, value);
  }

  destructure(list: PyCode, hints: readonly string[]): PyCode[] {
    const names = hints.map((h) => this.top.scope.claimShadowing(h));
    // The first items only: a tf.customGrad forward gets its `save` after the inputs.
    this.emit(`${names.join(', ')}${names.length === 1 ? ',' : ''} = ${this.paren(list, PY.primary)}[:${names.length}]`);
    return names.map((n) => pyName(n));
  }

  throwIf(cond: PyCode, kind: ErrorKind, message: () => readonly (string | PyCode)[]): void {
    const c = this.use(cond).text;
    const parts = message().map((p) => (typeof p === 'string' ? pyString(torchMessage(p)) : `rt.js_str(${this.use(p).text})`));
    this.emit(`if ${c}:`, ...indent([`raise ${ERRORS[kind]}(${parts.join(' + ')})`]));
  }

  when(cond: PyCode, body: () => void): void {
    const { lines } = this.nested(body);
    if (lines.length > 0) this.emit(`if ${this.use(cond).text}:`, ...indent(lines));
  }

  forOf(list: PyCode, hint: string, body: (item: PyCode) => void): void {
    let item = '';
    const { lines } = this.nested(() => {
      item = this.top.scope.claim(hint);
      body(pyName(item));
    });
    this.emit(`for ${item} in ${this.use(list).text}:`, ...indent(lines.length > 0 ? lines : ['pass']));
  }

  forRange(count: PyCode, hint: string, body: (k: PyCode) => void): void {
    let k = '';
    const { lines } = this.nested(() => {
      k = this.top.scope.claim(hint);
      body(pyName(k));
    });
    this.emit(`for ${k} in range(${this.use(count).text}):`, ...indent(lines.length > 0 ? lines : ['pass']));
  }

  fold(count: PyCode, hint: string, init: PyCode, body: (k: PyCode, acc: PyCode) => PyCode): PyCode {
    const acc = this.top.scope.claim(hint);
    this.emit(`${acc} = ${this.use(init).text}`);
    let k = '';
    const { lines } = this.nested(() => {
      k = this.top.scope.claim('k');
      const next = this.use(body(pyName(k), pyName(acc)));
      this.emit(`${acc} = ${next.text}`);
    });
    this.emit(`for ${k} in range(${this.use(count).text}):`, ...indent(lines));
    return pyName(acc);
  }

  stmt(value: PyCode): void {
    this.emit(this.use(value).text);
  }

  comment(text: string): void {
    for (const line of text.split('\n')) this.emit(`# ${line}`);
  }

  nameOf(value: PyCode): string | undefined {
    return NAME.test(value.text) && value.text !== 'None' && value.text !== 'True' && value.text !== 'False' ? value.text : undefined;
  }

  arrow(params: readonly Param[], body: (args: readonly PyCode[]) => PyCode): PyCode {
    // Claimed first, so that no function nested in this one takes the name.
    const name = this.top.scope.claim(ARROW_NAMES[params[0]?.name ?? ''] ?? 'thunk');
    let names: string[] = [];
    const { lines, result } = this.nested(() => {
      names = params.map((p) => this.top.scope.claim(p.name));
      return this.use(body(names.map((n) => pyName(n))));
    });
    const declared = params.map((p, i) => `${p.rest ? '*' : ''}${names[i]}`).join(', ');
    if (lines.length === 0) return this.made(`lambda${declared ? ` ${declared}` : ''}: ${result.text}`, PY.lambda);
    this.emit(`def ${name}(${declared}):`, ...indent([...lines, `return ${result.text}`]), '');
    return pyName(name);
  }

  branches(cases: readonly (readonly [cond: () => PyCode, body: () => PyCode])[], otherwise: () => PyCode): PyCode {
    for (const [cond, body] of cases) {
      const c = this.use(cond());
      const { lines, result } = this.nested(() => this.use(body()));
      this.emit(`if ${c.text}:`, ...indent([...lines, `return ${result.text}`]));
    }
    return otherwise();
  }
}

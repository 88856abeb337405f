// The source interpreter of the lowering: each operation becomes TypeScript text. Statements
// accumulate in blocks (the function body, an `if`, an arrow function), each with a scope of
// its own so that generated names never collide; a value is the text of an expression and its
// precedence, so operands are parenthesized only where JavaScript needs it.

import { type ErrorKind, type Interp, type Item, type Kernel, type LetOptions, type Param, Spread } from '../lower/interp.js';
import { JS_OPS, PREC, type JsOp } from '../lower/js-ops.js';
import type { HelperName } from '../runtime/helper-sources.js';
import { code, numberLiteral, propertyAccess, propertyKey, template, type Scope } from './names.js';

/** An expression of generated code. */
export interface Code {
  readonly text: string;
  readonly prec: number;
  /** The block whose code computes it, when it calls anything (names and literals: none). */
  readonly at?: Block;
}

interface Block {
  readonly lines: string[];
  readonly scope: Scope;
  /** Run when the block is complete, every use of its names known: they drop what is unused. */
  readonly finishers: (() => void)[];
}

/** Marks a line a finisher removed. */
const DROPPED = '\u0000';

const atom = (text: string): Code => ({ text, prec: PREC.member });
/** A local or parameter of generated code, by name. */
export const codeOf = (name: string): Code => atom(name);
const NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
/** A call argument or list item takes any expression but a comma list. */
const ARG = PREC.arrow;

/** A string literal, in single quotes when nothing in it needs escaping. */
function quote(s: string): string {
  return /^[\w .,:;()[\]{}<>=+\-*/!?@#%^&|~"]*$/.test(s) ? `'${s}'` : JSON.stringify(s);
}

export class SourceInterp implements Interp<Code> {
  /** The module helpers the code calls. */
  readonly helpers = new Set<HelperName>();
  private readonly blocks: Block[];

  /** Names whose uses are counted, so that code never read is left out (noUnusedLocals). */
  private readonly tracked = new WeakMap<Code, { used: boolean }>();
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

  private finish(block: Block): void {
    // Last first: a dropped local's own operands are then already decided (no cascade).
    for (const f of [...block.finishers].reverse()) f();
    const kept = block.lines.filter((l) => l !== DROPPED);
    block.lines.splice(0, block.lines.length, ...kept);
  }

  /** A name whose uses are counted. */
  private name(text: string): { code: Code; use: { used: boolean } } {
    const code = atom(text);
    const use = { used: false };
    this.tracked.set(code, use);
    return { code, use };
  }

  private get top(): Block {
    return this.blocks[this.blocks.length - 1]!;
  }

  private emit(line: string): void {
    this.top.lines.push(line);
  }

  private paren(c: Code, min: number): string {
    return c.prec < min ? `(${this.use(c).text})` : this.use(c).text;
  }

  /** `c`, which must be computed by the current block (see interp.ts). */
  private use(c: Code): Code {
    if (c.at !== undefined && c.at !== this.top) {
      throw new Error(`internal: \`${c.text.slice(0, 80)}\` is used in a function other than the one that makes it`);
    }
    const counted = this.tracked.get(c);
    if (counted) counted.used = true;
    return c;
  }

  /** A computed expression, made by the current block. */
  private made(text: string, prec: number = PREC.member): Code {
    return { text, prec, at: this.top };
  }

  /** Runs `body` in a nested block with a forked scope; its lines and result. */
  private nested<T>(body: () => T): { lines: string[]; result: T } {
    const block: Block = { lines: [], scope: this.top.scope.fork(), finishers: [] };
    this.blocks.push(block);
    try {
      const result = body();
      this.finish(block);
      return { lines: block.lines, result };
    } finally {
      this.blocks.pop();
    }
  }

  private blockText(lines: readonly string[]): string {
    return lines.join('\n');
  }

  num(n: number): Code {
    const text = numberLiteral(n);
    return { text, prec: text.startsWith('-') ? PREC.unary : PREC.member };
  }

  str(s: string): Code {
    return atom(quote(s));
  }

  bool(b: boolean): Code {
    return atom(String(b));
  }

  undef(): Code {
    return atom('undefined');
  }

  list(items: readonly Item<Code>[]): Code {
    return this.made(`[${items.map((i) => (i instanceof Spread ? `...${this.paren(i.spread, PREC.member)}` : this.paren(i, ARG))).join(', ')}]`);
  }

  obj(fields: readonly (readonly [string, Code])[]): Code {
    if (fields.length === 0) return atom('{}');
    return this.made(`{\n${fields.map(([k, v]) => (k === v.text ? `${this.use(v).text},` : `${propertyKey(k)}: ${this.paren(v, ARG)},`)).join('\n')}\n}`);
  }

  js(op: JsOp, ...args: readonly Code[]): Code {
    const row = JS_OPS[op];
    const texts = args.map((a, i) => this.paren(a, row.operands[Math.min(i, row.operands.length - 1)]!));
    return this.made(row.source(texts), row.prec);
  }

  and(a: Code, b: () => Code): Code {
    return this.made(`${this.paren(a, PREC.and)} && ${this.paren(b(), PREC.and + 1)}`, PREC.and);
  }

  or(a: Code, b: () => Code): Code {
    return this.made(`${this.paren(a, PREC.or)} || ${this.paren(b(), PREC.or + 1)}`, PREC.or);
  }

  get(object: Code, key: string): Code {
    return this.made(propertyAccess(this.paren(object, PREC.member), key));
  }

  at(list: Code, index: number | Code): Code {
    return this.made(`${this.paren(list, PREC.member)}[${typeof index === 'number' ? index : this.use(index).text}]!`);
  }

  as(value: Code, type: string): Code {
    return this.made(`${this.paren(value, PREC.relational + 1)} as ${type}`, PREC.relational);
  }

  tf(kernel: Kernel, ...args: readonly Code[]): Code {
    return this.made(`tf.${kernel}(${args.map((a) => this.paren(a, ARG)).join(', ')})`);
  }

  helper(name: HelperName, ...args: readonly Code[]): Code {
    this.helpers.add(name);
    return this.made(`${name}(${args.map((a) => this.paren(a, ARG)).join(', ')})`);
  }

  call(f: Code, ...args: readonly Code[]): Code {
    return this.made(`${this.paren(f, PREC.member)}(${args.map((a) => this.paren(a, ARG)).join(', ')})`);
  }

  let(hint: string, value: Code, options: LetOptions = {}): Code {
    const name = options.shadow ? this.top.scope.claimShadowing(hint) : this.top.scope.claim(hint);
    this.emit(`const ${name}${options.type ? `: ${options.type}` : ''} = ${this.use(value).text};`);
    if (options.dropIfUnused !== true) return atom(name);
    const block = this.top;
    const at = block.lines.length - 1;
    const local = this.name(name);
    block.finishers.push(() => {
      if (!local.use.used) block.lines[at] = DROPPED;
    });
    return local.code;
  }

  once(hint: string, value: Code): Code {
    // A name, a number or a string is as cheap to repeat as a local.
    if (NAME.test(value.text) || /^-?[\d.]+(e[+-]?\d+)?$/.test(value.text) || /^'[^']*'$/.test(value.text)) return value;
    return this.let(hint, value);
  }

  destructure(list: Code, hints: readonly string[], types: readonly string[]): Code[] {
    // The arguments of a tf.customGrad are the tensors passed in: the names they had outside
    // are rebound to them.
    const names = hints.map((h) => this.top.scope.claimShadowing(h));
    const locals = names.map((n) => this.name(n));
    const block = this.top;
    block.lines.push(DROPPED);
    const at = block.lines.length - 1;
    // Written once the uses are known: an element nothing reads is a hole, and with none read
    // the list is not read either (a customGrad's `...args` of a loss that reads no input).
    block.finishers.push(() => {
      const bound = names.map((n, i) => (locals[i]!.use.used ? n : ''));
      while (bound.length > 0 && bound[bound.length - 1] === '') bound.pop();
      if (bound.length > 0) block.lines[at] = `const [${bound.join(', ')}] = ${this.paren(list, PREC.relational + 1)} as [${types.join(', ')}];`;
    });
    return locals.map((l) => l.code);
  }

  throwIf(cond: Code, kind: ErrorKind, message: () => readonly (string | Code)[]): void {
    const text = template(...message().map((p) => (typeof p === 'string' ? p : code(this.use(p).text))));
    this.emit(`if (${this.use(cond).text}) {\nthrow new ${kind}(${text});\n}`);
  }

  when(cond: Code, body: () => void): void {
    const { lines } = this.nested(body);
    if (lines.length > 0) this.emit(`if (${this.use(cond).text}) {\n${this.blockText(lines)}\n}`);
  }

  forOf(list: Code, hint: string, body: (item: Code) => void): void {
    let item = '';
    const { lines } = this.nested(() => {
      item = this.top.scope.claim(hint);
      body(atom(item));
    });
    this.emit(`for (const ${item} of ${this.use(list).text}) {\n${this.blockText(lines)}\n}`);
  }

  forRange(count: Code, hint: string, body: (k: Code) => void): void {
    let k = '';
    const { lines } = this.nested(() => {
      k = this.top.scope.claim(hint);
      body(atom(k));
    });
    this.emit(`for (let ${k} = 0; ${k} < ${this.paren(count, PREC.relational + 1)}; ${k}++) {\n${this.blockText(lines)}\n}`);
  }

  fold(count: Code, hint: string, init: Code, body: (k: Code, acc: Code) => Code, type?: string): Code {
    const acc = this.top.scope.claim(hint);
    this.emit(`let ${acc}${type ? `: ${type}` : ''} = ${this.use(init).text};`);
    let k = '';
    const { lines } = this.nested(() => {
      k = this.top.scope.claim('k');
      const next = this.use(body(atom(k), atom(acc)));
      this.emit(`${acc} = ${next.text};`);
    });
    this.emit(`for (let ${k} = 0; ${k} < ${this.paren(count, PREC.relational + 1)}; ${k}++) {\n${this.blockText(lines)}\n}`);
    return atom(acc);
  }

  stmt(value: Code): void {
    this.emit(`${this.use(value).text};`);
  }

  comment(text: string): void {
    for (const line of text.split('\n')) this.emit(`// ${line}`);
  }

  nameOf(value: Code): string | undefined {
    return NAME.test(value.text) ? value.text : undefined;
  }

  arrow(params: readonly Param[], body: (args: readonly Code[]) => Code, options: { readonly returnType?: string; readonly block?: boolean } = {}): Code {
    const returnType = options.returnType;
    let names: { code: Code; use: { used: boolean } }[] = [];
    const { lines, result } = this.nested(() => {
      names = params.map((p) => this.name(this.top.scope.claim(p.name)));
      return this.use(body(names.map((n) => n.code)));
    });
    // Parameters nothing reads: left off at the end, marked `_` before one that is read.
    let count = params.length;
    while (count > 0 && !names[count - 1]!.use.used) count--;
    const declared = params.slice(0, count).map((p, i) => `${p.rest ? '...' : ''}${names[i]!.use.used ? '' : '_'}${names[i]!.code.text}${p.type ? `: ${p.type}` : ''}`);
    const head = `(${declared.join(', ')})${returnType ? `: ${returnType}` : ''} =>`;
    if (lines.length === 0 && options.block !== true) {
      // An object literal as the body would read as a block.
      const value = result.text.startsWith('{') ? `(${result.text})` : result.prec < ARG ? `(${result.text})` : result.text;
      return this.made(`${head} ${value}`, PREC.arrow);
    }
    return this.made(`${head} {\n${this.blockText([...lines, `return ${result.text};`])}\n}`, PREC.arrow);
  }

  branches(cases: readonly (readonly [cond: () => Code, body: () => Code])[], otherwise: () => Code): Code {
    for (const [cond, body] of cases) {
      const c = this.use(cond());
      const { lines, result } = this.nested(() => this.use(body()));
      this.emit(`if (${c.text}) {\n${this.blockText([...lines, `return ${result.text};`])}\n}`);
    }
    return otherwise();
  }
}

// Identifiers and literal text for the TypeScript emitter: every name that reaches generated
// code passes through here, so user names can never break the syntax or shadow what the
// generated code itself relies on (`tf`, `Error`, the helper functions).

const KEYWORDS = [
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do',
  'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in',
  'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try',
  'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface',
  'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval',
  // Not keywords, but type names or globals a binding must not take over.
  'any', 'boolean', 'number', 'string', 'symbol', 'never', 'unknown', 'object', 'undefined',
  'NaN', 'Infinity',
];

/** Globals and module-level names the generated code uses; user names are kept off them. */
const USED_BY_GENERATED = [
  'tf', 'Error', 'RangeError', 'TypeError', 'Number', 'Array', 'Math', 'Object', 'String',
  'JSON', 'Symbol', 'Promise',
];

export const RESERVED: ReadonlySet<string> = new Set([...KEYWORDS, ...USED_BY_GENERATED]);

// Unicode, as JavaScript and TypeScript allow: a loss named `αβ` is exported as `αβ`. A
// language name may still hold what no identifier can (`x²`: ² is a number, not ID_Continue).
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const ID_START = /^[\p{ID_Start}$_]/u;
const NOT_ID_PART = /[^\p{ID_Continue}$\u200c\u200d]/gu;

/** An IdentifierName (reserved words included): what `export { x as NAME }` accepts. */
export function isIdentifierName(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** A valid, non-reserved binding name close to `name`. */
export function toIdentifier(name: string): string {
  let id = name.replace(NOT_ID_PART, '_');
  if (!ID_START.test(id)) id = `_${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/** `foo_bar` / `foo-bar` → `FooBar`. */
export function pascalCase(name: string): string {
  const parts = name.split(/[^\p{L}\p{N}]+/u).filter((p) => p !== '');
  const joined = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return toIdentifier(joined === '' ? 'Loss' : joined);
}

/** Hands out distinct identifiers within one scope, preferring the name asked for. */
export class Scope {
  private readonly taken: Set<string>;
  /** Names no binding may take, here or in a nested scope: reserved words, globals, helpers. */
  private readonly fixed: ReadonlySet<string>;
  /** Names claimed in this scope itself (not inherited from an enclosing one). */
  private readonly own = new Set<string>();

  constructor(taken: Iterable<string> = [], fixed?: ReadonlySet<string>) {
    this.fixed = fixed ?? new Set([...RESERVED, ...taken]);
    this.taken = new Set([...RESERVED, ...taken]);
  }

  claim(preferred: string): string {
    const base = toIdentifier(preferred);
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    this.own.add(name);
    return name;
  }

  /**
   * `preferred` itself even when an enclosing scope has it (the new binding shadows the old
   * one), unless this scope has it already or it is fixed: for a nested function that rebinds
   * an outer name to the same value (a gradFunc's saved copy of a forward local).
   */
  claimShadowing(preferred: string): string {
    const base = toIdentifier(preferred);
    if (this.own.has(base) || this.fixed.has(base)) return this.claim(preferred);
    this.taken.add(base);
    this.own.add(base);
    return base;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /**
   * A scope for a nested function: it avoids every name taken here so far (so nothing the
   * nested code reads from outside is shadowed), and what it claims stays its own.
   */
  fork(): Scope {
    return new Scope(this.taken, this.fixed);
  }
}

/** A property key: bare when it is an identifier name, quoted otherwise. */
export function propertyKey(name: string): string {
  return isIdentifierName(name) ? name : JSON.stringify(name);
}

/** `options.m`, or `options["m-1"]` for a key that is not an identifier. */
export function propertyAccess(object: string, name: string): string {
  return isIdentifierName(name) ? `${object}.${name}` : `${object}[${JSON.stringify(name)}]`;
}

/**
 * Text safe inside a block comment: `*\/` would end it early, and ts-morph's writer takes a
 * `/*` inside a JSDoc for a nested comment and closes it in the wrong place.
 */
export function commentText(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\/\*/g, '/\\*');
}

/** A number as a JS expression (`Infinity`, `-0` and exponents included). */
export function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** A part of a generated template literal: fixed text, or a JS expression to interpolate. */
export type TemplatePart = string | { readonly code: string };

export function code(expr: string): { readonly code: string } {
  return { code: expr };
}

/**
 * Builds a JS template literal from fixed text and interpolated expressions, escaping the
 * fixed text (a user name with a backtick or `${` cannot end or open anything).
 */
export function template(...parts: readonly TemplatePart[]): string {
  const body = parts
    .map((p) => (typeof p === 'string' ? p.replace(/[\\`]/g, (c) => `\\${c}`).replace(/\$\{/g, '\\${') : `\${${p.code}}`))
    .join('');
  return `\`${body}\``;
}

// How a list of strings (an enum hyperparameter's values) is written in messages, generated
// TypeScript types and docs: `'sigmoid' | 'softmax' | 'none'`. One spelling everywhere.

/** A string in single quotes, escaped as JavaScript and Python both read it. */
export function quoted(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `'sigmoid' | 'softmax'`: also a TypeScript string-literal union type. */
export function enumText(values: readonly string[]): string {
  return values.map(quoted).join(' | ');
}

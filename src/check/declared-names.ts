// Inputs and hyperparameters given by name (an inputs file, the playground's fields, the
// records the evaluators take): a name the loss does not declare is refused, never ignored,
// since an optional input or a hyperparameter misspelt would silently run at its default.
// The words follow the generated module's for an unknown option: `'wieght' (did you mean
// 'weight'?); the inputs are ...`.

import { closest } from './values.js';
import { LOSSC_OPTION_KEYS } from '../ir/option-keys.js';
import type { IrFunction } from '../ir/types.js';

export type NameKind = 'input' | 'hyperparameter';

/** The `lossc eval` flags of the call's own options. */
const OPTION_FLAGS: Readonly<Record<string, string>> = { weights: '--weights FILE.json', reduction: '--reduction MODE' };

const list = (names: readonly string[]): string => (names.length > 0 ? names.join(', ') : 'none');

/** The names of these kinds the loss declares, in words: `the inputs are x, t and the hyperparameters k`. */
export function declaredNames(fn: IrFunction, kinds: readonly NameKind[]): string {
  const parts: string[] = [];
  if (kinds.includes('input')) parts.push(`the inputs are ${list(fn.inputs.map((i) => i.name))}`);
  if (kinds.includes('hyperparameter') && (fn.hypers.length > 0 || !kinds.includes('input'))) parts.push(`the hyperparameters ${kinds.includes('input') ? '' : 'are '}${list(fn.hypers.map((h) => h.name))}`);
  return parts.join(' and ');
}

/**
 * What an undeclared `name` was most likely meant as, in parentheses (or ''): the nearest
 * declared name, or for `weights`, `reduction` and the other keys of a loss's own options
 * that they are options of the call, not inputs (the nearest name, a class `weight`, would be
 * another thing).
 */
export function meantName(fn: IrFunction, name: string, kinds: readonly NameKind[]): string {
  if (LOSSC_OPTION_KEYS.includes(name)) return ` ('${name}' is an option of the call, not of the loss: evaluate's own ${OPTION_FLAGS[name] ? `option, lossc eval ${OPTION_FLAGS[name]}` : 'option'})`;
  const candidates = [...(kinds.includes('input') ? fn.inputs.map((i) => i.name) : []), ...(kinds.includes('hyperparameter') ? fn.hypers.map((h) => h.name) : [])];
  const near = closest(name, candidates);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}

/** The first name of `given` the loss does not declare among `kinds`, or undefined. */
export function firstUnknown(fn: IrFunction, given: Iterable<string>, kinds: readonly NameKind[]): string | undefined {
  const known = new Set([...(kinds.includes('input') ? fn.inputs.map((i) => i.name) : []), ...(kinds.includes('hyperparameter') ? fn.hypers.map((h) => h.name) : [])]);
  for (const name of given) if (!known.has(name)) return name;
  return undefined;
}

/**
 * The message of an evaluator given a record holding an undeclared name, or undefined when
 * every name is declared: `cross_entropy: unknown input 'wieght' (did you mean 'weight'?);
 * the inputs are x, t, weight`. A hyperparameter given among the inputs (or the reverse) is
 * named as such.
 */
export function unknownNameMessage(fn: IrFunction, given: Iterable<string>, kind: NameKind): string | undefined {
  const name = firstUnknown(fn, given, [kind]);
  if (name === undefined) return undefined;
  const other: NameKind = kind === 'input' ? 'hyperparameter' : 'input';
  if (firstUnknown(fn, [name], [other]) === undefined) return `${fn.name}: '${name}' is ${other === 'input' ? 'an input' : 'a hyperparameter'} of the loss, given among its ${kind}s; ${declaredNames(fn, [kind])}`;
  return `${fn.name}: unknown ${kind} '${name}'${meantName(fn, name, [kind])}; ${declaredNames(fn, [kind])}`;
}

// Run-time checks of what a JavaScript caller may pass that the TypeScript types do not stop:
// something other than a tensor, an options value that is not an object, hyperparameters of
// the wrong type or NaN, and NaN inside a real input or the weights. Every check runs before
// `tf.tidy` and leaves no tensor behind, so a throw leaks nothing.

import type { IrFunction, IrHyper, IrInput } from '../ir/types.js';
import type { PlannedProperty } from './emit-function.js';
import { code, template } from './emit-names.js';

const throwIf = (cond: string, kind: 'TypeError' | 'RangeError', message: string): string =>
  `if (${cond}) {\nthrow new ${kind}(${message});\n}`;

/** What a JavaScript value is, in words (the `valueKind` helper): `undefined`, `an array`. */
export const describeValue = (v: string): string => `valueKind(${v})`;

/** `options` must be an object (a JavaScript caller may pass null or a number). */
export function optionsGuard(fn: IrFunction, optionsVar: string): string {
  return throwIf(
    `typeof ${optionsVar} !== 'object' || ${optionsVar} === null`,
    'TypeError',
    template(`${fn.name}: the options must be an object, but they are `, code(describeValue(optionsVar))),
  );
}

/** A tensor argument must be a tf.Tensor (undefined when a caller passes too few). */
export function tensorGuard(fn: IrFunction, input: IrInput, p: string, expected: string): string {
  return throwIf(
    `!(${p} instanceof tf.Tensor)`,
    'TypeError',
    template(`${fn.name}: input '${input.name}' must be a tf.Tensor of shape ${expected}, but is `, code(describeValue(p))),
  );
}

/**
 * A hyperparameter of the wrong JavaScript type, or NaN, which every comparison lets through
 * (a domain check, when there is one, already says NaN is outside it).
 */
export function hyperGuard(fn: IrFunction, h: IrHyper, local: string, domainChecked: boolean): string {
  if (h.elem === 'bool') {
    return throwIf(`typeof ${local} !== 'boolean'`, 'TypeError', template(`${fn.name}: option '${h.name}' must be true or false, but is `, code(`String(${local})`)));
  }
  return throwIf(
    `typeof ${local} !== 'number'${domainChecked ? '' : ` || Number.isNaN(${local})`}`,
    'TypeError',
    template(`${fn.name}: option '${h.name}' must be a number, but is `, code(`String(${local})`)),
  );
}

/**
 * NaN in a real input (or in the weights) would only come out the other end as a NaN loss:
 * name it here. One flag per tensor is read back, so `checkValues: false` skips the scan in a
 * hot loop once the inputs are known to be clean.
 */
export function nanChecks(fn: IrFunction, tensors: readonly { what: string; local: string; optional: boolean }[], checkValues: string): string[] {
  if (tensors.length === 0) return [];
  const lines = tensors.map(({ what, local, optional }) => {
    const at = `nanAt(${local})`;
    return throwIf(
      `${optional ? `${local} !== undefined && ` : ''}${at} !== undefined`,
      'RangeError',
      template(`${fn.name}: ${what} holds NaN at `, code(at), ', but must hold numbers (float32 values that are not NaN)'),
    );
  });
  return [`if (${checkValues}) {\n${lines.join('\n')}\n}`];
}

/** The options every generated loss takes for its run-time checks. */
export function validationOptions(finite: boolean): PlannedProperty[] {
  return [
    {
      key: 'checkValues',
      type: 'boolean',
      optional: true,
      doc: 'Scan the inputs for NaN and class indices out of range (default true). Each scan reads a tensor back from the backend; pass false in a hot loop once the inputs are known to be clean.',
    },
    ...(finite
      ? [{
          key: 'checkFinite',
          type: 'boolean',
          optional: true,
          doc: 'Throw when the loss holds NaN or an infinity, saying where it first appears and which input values lead there (default false: it reads every intermediate back, for debugging).',
        }]
      : []),
  ];
}

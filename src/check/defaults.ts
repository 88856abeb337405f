// A parameter list on its own, before any call: domains must be constant and non-empty,
// defaults constant, of the parameter's element type and inside its domain, and no parameter
// without a default may follow one with a default (a call could never give it by position).
// Losses and defs share these rules; a loss's defaults also become its IR hyperparameters.

import type { Definition, Param } from '../../grammar/ast.js';
import type { DomainInfo } from '../ir/types.js';
import { constantValue, domainInfo, domainIsEmpty, inDomain } from './constants.js';
import type { DiagnosticSink } from './context.js';
import { enumDefault, enumValues } from './enums.js';

/** The element type a parameter declares, when it declares one. */
export function paramElement(param: Param): 'real' | 'int' | 'bool' | 'index' | undefined {
  const type = param.type;
  if (!type || type.kind === 'FunctionType' || type.kind === 'EnumType') return undefined;
  return type.kind === 'IndexType' ? 'index' : type.element;
}

/** The parameter's domain; `null` after a report when it is not usable. */
export function paramDomain(report: DiagnosticSink, param: Param): DomainInfo | undefined | null {
  if (!param.domain) return undefined;
  const domain = domainInfo(param.domain);
  if (!domain) {
    report.report('DomainNotConstant', param.domain.span);
    return null;
  }
  if (domainIsEmpty(domain)) {
    report.report('EmptyDomain', param.domain.span, { domain: domain.text });
    return null;
  }
  return domain;
}

/**
 * The value of a parameter's default; `null` after a report when it is not usable: not a
 * constant, not of the element type (2.5 for an int silently became 2), or outside the domain.
 */
export function paramDefault(report: DiagnosticSink, param: Param, domain: DomainInfo | undefined): number | undefined | null {
  const dflt = param.default;
  if (!dflt) return undefined;
  if (param.type?.kind === 'EnumType') {
    const values = enumValues(report, param.type, param.name.name);
    return values && enumDefault(report, param, values);
  }
  const name = param.name.name;
  const value = constantValue(dflt);
  const tensor = param.type?.kind === 'IndexType' || (param.type?.kind === 'TensorType' && (param.type.shape !== undefined || param.learnable));
  if (value === undefined && tensor && dflt.kind === 'Name') {
    // `y_hat: [N] = x`: another parameter, not a value to fill with.
    report.report('DefaultIsParameter', dflt.span, { name, other: dflt.name });
    return null;
  }
  if (value === undefined) {
    report.report(tensor ? 'DefaultOnTensor' : 'DefaultNotConstant', dflt.span, { name });
    return null;
  }
  const text = dflt.kind === 'Number' ? dflt.text : String(value);
  const elem = paramElement(param);
  const expected =
    elem === 'bool' && value !== 0 && value !== 1 ? 'true or false'
    : (elem === 'int' || elem === 'index') && !Number.isInteger(value) ? 'a whole number'
    : elem === 'index' && value < 0 ? 'a class index (a whole number from 0)'
    : undefined;
  if (expected) {
    report.report('DefaultWrongType', dflt.span, { name, value: text, expected });
    return null;
  }
  if (domain && !inDomain(value, domain)) {
    report.report('DefaultOutsideDomain', dflt.span, { name, value: text, domain: domain.text });
    return null;
  }
  return value;
}

/**
 * Rules of the list as a whole. For a `def` this is the only place its defaults and domains
 * are checked (a loss's are checked with its signature, in params.ts).
 */
export function checkParamList(report: DiagnosticSink, def: Definition): void {
  let defaulted: Param | undefined;
  for (const param of def.params) {
    if (param.default) defaulted ??= param;
    else if (defaulted) report.report('RequiredAfterDefault', param.name.span, { name: param.name.name, after: defaulted.name.name });
    if (def.defKind === 'def') {
      const domain = paramDomain(report, param);
      if (domain !== null) paramDefault(report, param, domain);
    }
  }
}

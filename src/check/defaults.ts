// A parameter list on its own, before any call: domains must be constant and non-empty,
// defaults constant, of the parameter's element type and inside its domain, and no parameter
// without a default may follow one with a default (a call could never give it by position).
// An optional tensor input may instead default to an input declared before it (`y_hat: [N] =
// x`): of the same shape and element type, with a domain inside its own, so that the tensor
// given for the other is a value it could have been given. Losses and defs share these rules;
// a loss's defaults also become its IR hyperparameters and inputs' defaults.

import type { Definition, DimExpr, Expr, Param } from '../../grammar/ast.js';
import type { DomainInfo, InputDefault } from '../ir/types.js';
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
export function paramDefault(report: DiagnosticSink, param: Param, domain: DomainInfo | undefined, params: readonly Param[]): number | InputDefault | undefined | null {
  const dflt = param.default;
  if (!dflt) return undefined;
  if (param.type?.kind === 'EnumType') {
    const values = enumValues(report, param.type, param.name.name);
    return values && enumDefault(report, param, values);
  }
  const name = param.name.name;
  const value = constantValue(dflt);
  const tensor = param.type?.kind === 'IndexType' || (param.type?.kind === 'TensorType' && (param.type.shape !== undefined || param.learnable));
  if (value === undefined && tensor && dflt.kind === 'Name' && params.some((p) => p.name.name === dflt.name)) {
    // `y_hat: [N] = x`: left out, it is the tensor given for another parameter.
    return inputDefault(report, param, dflt, params, domain);
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
      if (domain !== null) paramDefault(report, param, domain, def.params);
    }
  }
}

/**
 * `y: [N] = x`: the default names parameter `x` of the same list. It must come before `y`
 * (which rules out cycles), be a tensor input given whole (not a hyperparameter, a function,
 * a learnable, broadcast or union input), have `y`'s shape and element type, and a domain
 * inside `y`'s: the tensor given for `x` then passes every check `y` makes. `null` after a report.
 */
function inputDefault(report: DiagnosticSink, param: Param, dflt: Extract<Expr, { kind: 'Name' }>, params: readonly Param[], domain: DomainInfo | undefined): InputDefault | null {
  const name = param.name.name;
  const other = dflt.name;
  const at = params.indexOf(param);
  const k = params.findIndex((p) => p.name.name === other);
  if (k >= at) {
    const why = k === at ? 'that is itself' : cycleThrough(params, k, param) ?? `'${other}' is declared after it`;
    report.report('DefaultInputOrder', dflt.span, { name, other, why });
    return null;
  }
  const refuse = (why: string): null => {
    report.report('DefaultInputUnfit', dflt.span, { name, other, why });
    return null;
  };
  const target = params[k]!;
  // A union input with a default is refused by its own check (E5021).
  if (param.type?.kind === 'TensorType' && param.type.orIndices) return null;
  if (param.learnable) return refuse(`the initial value of learnable parameter '${name}' is a number`);
  if (param.broadcasts) return refuse(`'${name}' broadcasts (its dims may be 1), and a default is the other input's tensor, of its full shape: declare '${name}' without 'broadcast'`);
  const kind = inputKind(target);
  if (kind) return refuse(`'${other}' is ${kind}, not a tensor input given whole`);
  const mine = shapeOf(param);
  const theirs = shapeOf(target);
  if (!mine || !theirs) return null; // reported with the types
  if (mine.map(dimText).join() !== theirs.map(dimText).join()) return refuse(`'${other}' has shape [${theirs.map(dimText).join(', ')}], and '${name}' [${mine.map(dimText).join(', ')}]: they must be the same dims`);
  const elemText = (p: Param): string => (p.type?.kind === 'IndexType' ? `class indices of ${p.type.of.name}${p.type.ignore ? ` ignoring ${p.type.ignore.name}` : ''}` : String(paramElement(p)));
  const sameElem = paramElement(param) === paramElement(target) && (param.type?.kind !== 'IndexType' || (target.type?.kind === 'IndexType' && target.type.of.name === param.type.of.name));
  // Indices that may hold the ignore value are no default of indices that may not.
  const ignore = target.type?.kind === 'IndexType' && target.type.ignore !== undefined && (param.type?.kind !== 'IndexType' || param.type.ignore?.name !== target.type.ignore.name);
  if (!sameElem || ignore) return refuse(`'${other}' holds ${elemText(target)}, and '${name}' ${elemText(param)}`);
  if (!domain) return { input: other };
  if (!target.domain) return refuse(`'${other}' has no domain, and '${name}' takes values in ${domain.text} only: declare '${other}' in ${domain.text} (or a domain inside it), or pass '${name}'`);
  const inner = domainInfo(target.domain);
  if (!inner) return null; // reported with its parameter
  if (!domainWithin(inner, domain)) return refuse(`'${other}' takes values in ${inner.text}, not all inside ${domain.text} of '${name}'`);
  return { input: other };
}

/** What parameter `p` is when it is not a tensor input a default can name. */
function inputKind(p: Param): string | undefined {
  const type = p.type;
  if (!type) return 'an untyped parameter';
  if (type.kind === 'FunctionType') return 'a function';
  if (type.kind === 'EnumType') return 'a hyperparameter';
  if (p.learnable) return 'a learnable parameter';
  if (p.broadcasts) return 'a broadcast input (its dims may be 1)';
  if (type.kind === 'TensorType' && type.orIndices) return 'a union input (class indices or probabilities)';
  if (type.kind === 'TensorType' && !type.shape) return 'a hyperparameter';
  return undefined;
}

function shapeOf(p: Param): readonly DimExpr[] | undefined {
  const type = p.type;
  if (type?.kind === 'IndexType') return type.shape;
  return type?.kind === 'TensorType' ? type.shape : undefined;
}

const dimText = (d: DimExpr): string => (d.kind === 'NamedDim' ? d.name : d.kind === 'RestDim' ? '...' : String(d.size));

/** `y = z, z = y`: the cycle through `params[k]` back to `param`, as text, if the defaults make one. */
function cycleThrough(params: readonly Param[], k: number, param: Param): string | undefined {
  const path = [param];
  for (let p: Param | undefined = params[k]; p && !path.includes(p); ) {
    path.push(p);
    const d = p.default;
    p = d?.kind === 'Name' ? params.find((q) => q.name.name === d.name) : undefined;
    if (p === param) return `the defaults form a cycle (${path.map((q, i) => `${q.name.name} = ${(path[i + 1] ?? param).name.name}`).join(', ')})`;
  }
  return undefined;
}

/** Every value of `inner` is in `outer`. */
function domainWithin(inner: DomainInfo, outer: DomainInfo): boolean {
  if (inner.kind === 'set') return (inner.values ?? []).every((v) => inDomain(v, outer));
  if (outer.kind === 'set') return false;
  const lo = inner.lo! > outer.lo! || (inner.lo === outer.lo && (outer.loClosed === true || inner.loClosed !== true));
  const hi = inner.hi! < outer.hi! || (inner.hi === outer.hi && (outer.hiClosed === true || inner.hiClosed !== true));
  return lo && hi;
}

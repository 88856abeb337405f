// Compile-time constants: defaults and domain bounds must be numbers known before any input
// is seen. A tiny folder over the AST: literals, inf, true/false, unary minus and arithmetic.

import type { Domain, Expr } from '../../grammar/ast.js';
import type { DomainInfo } from '../ir/types.js';
import { formatNumber } from '../ir/print.js';

export function constantValue(e: Expr): number | undefined {
  switch (e.kind) {
    case 'Number':
      return e.value;
    case 'Name':
      return e.name === 'true' ? 1 : e.name === 'false' ? 0 : undefined;
    case 'Unary': {
      const v = constantValue(e.operand);
      if (v === undefined) return undefined;
      return e.op === '-' ? -v : e.op === '+' ? v : undefined;
    }
    case 'Binary': {
      const a = constantValue(e.lhs);
      const b = constantValue(e.rhs);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '^': return a ** b;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** Undefined when a bound is not constant (the caller reports it). */
export function domainInfo(d: Domain): DomainInfo | undefined {
  if (d.kind === 'IntervalDomain') {
    const lo = constantValue(d.lo);
    const hi = constantValue(d.hi);
    if (lo === undefined || hi === undefined) return undefined;
    const text = `${d.loClosed ? '[' : '('}${formatNumber(lo)}, ${formatNumber(hi)}${d.hiClosed ? ']' : ')'}`;
    return { kind: 'interval', lo, hi, loClosed: d.loClosed, hiClosed: d.hiClosed, text };
  }
  const values: number[] = [];
  for (const v of d.values) {
    const c = constantValue(v);
    if (c === undefined) return undefined;
    values.push(c);
  }
  return { kind: 'set', values, text: `{${values.map(formatNumber).join(', ')}}` };
}

export function domainIsEmpty(d: DomainInfo): boolean {
  if (d.kind === 'set') return d.values!.length === 0;
  if (d.lo! > d.hi!) return true;
  return d.lo === d.hi && !(d.loClosed && d.hiClosed);
}

export function inDomain(v: number, d: DomainInfo): boolean {
  if (d.kind === 'set') return d.values!.includes(v);
  const aboveLo = d.loClosed ? v >= d.lo! : v > d.lo!;
  const belowHi = d.hiClosed ? v <= d.hi! : v < d.hi!;
  return aboveLo && belowHi;
}

// The checker's entry: a module's definitions and imports, then each loss elaborated into an
// IrFunction. Never throws: an internal failure becomes an E9001 diagnostic for that loss.

import { checkRaggedUse } from './lists.js';
import type { Definition, Expr, Module, Span } from '../../grammar/ast.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatAxes } from '../ir/axes.js';
import { IrBuilder } from '../ir/graph.js';
import { findReduction } from '../ir/reduction.js';
import { fullMask } from './full-mask.js';
import { REST, REST_AXIS, type Axis, type IrFunction, type NodeId } from '../ir/types.js';
import { isBuiltin } from './builtins.js';
import { defKey, DiagnosticSink, type ElabContext } from './context.js';
import { bindAll, elabExpr, finishBindings } from './expr.js';
import { checkParamList } from './defaults.js';
import { checkArgumentDomains } from './domains.js';
import { lossSignature } from './params.js';
import { ModuleLoader, resolveImport, type ModuleInfo, type SourceHost } from './program.js';
import type { Scope } from './scope.js';
import { describeType, type Elem, type TensorVal } from './values.js';
import { boundaryOrder, matchDeclared, perSampleOrder, placeRest } from './order.js';
import { shapeText } from './params.js';
import { enumText } from '../ir/enum-text.js';

export interface CheckResult {
  readonly module: Module;
  /** Every loss that checked without errors, lowered to IR. */
  readonly losses: IrFunction[];
  readonly diagnostics: Diagnostic[];
}

const NO_FILES: SourceHost = { readFile: () => undefined };

export function checkSource(text: string, file: string, host: SourceHost = NO_FILES): CheckResult {
  const loader = new ModuleLoader(host);
  const info = loader.add(file, text);
  return checkModule(info, loader);
}

export function checkModule(info: ModuleInfo, loader: ModuleLoader): CheckResult {
  const sink = new DiagnosticSink();
  info.parseDiagnostics.forEach((d) => sink.add(d));
  const instantiated = new Set<string>();
  guard(sink, 'checking definitions', () => {
    checkDefinitions(info, sink);
    checkImports(info, loader, sink);
    checkCallCycles(info, sink);
  }, info.ast.span);
  const losses: IrFunction[] = [];
  const dropped: Definition[] = [];
  for (const def of info.ast.definitions) {
    if (def.defKind !== 'loss' || info.definitions.get(def.name.name) !== def || info.broken.has(def.name.name)) continue;
    const fn = guard(sink, `checking loss '${def.name.name}'`, () => elaborateLoss(info, loader, sink, instantiated, def), def.body.span);
    if (fn) losses.push(fn);
    else dropped.push(def);
  }
  for (const def of info.ast.definitions) {
    if (def.defKind === 'def' && !info.broken.has(def.name.name) && !instantiated.has(defKey(info.file, def.name.name))) {
      guard(sink, `checking def '${def.name.name}'`, () => checkDefAlone(info, loader, sink, def), def.body.span);
    }
  }
  // A loss left out must have an error saying why: never a module silently missing a loss.
  if (sink.errorCount() === 0) {
    for (const def of dropped) sink.report('InternalError', def.name.span, { phase: `checking loss '${def.name.name}'`, reason: 'it was not lowered, yet no error says why' });
  }
  return { module: info.ast, losses, diagnostics: sortDiagnostics(sink.list) };
}

function guard<T>(sink: DiagnosticSink, phase: string, work: () => T, span?: Span): T | undefined {
  try {
    return work();
  } catch (err) {
    // Out of stack: an expression thousands of operators long (the checker recurses on it).
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      sink.report('TooDeeplyNested', span);
      return undefined;
    }
    sink.report('InternalError', undefined, { phase, reason: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

function checkDefinitions(info: ModuleInfo, sink: DiagnosticSink): void {
  const first = new Map<string, Definition>();
  for (const def of info.ast.definitions) {
    const name = def.name.name;
    if (!info.broken.has(name)) checkParamList(sink, def);
    if (isBuiltin(name)) sink.report('ShadowsBuiltin', def.name.span, { name });
    const prior = first.get(name);
    if (prior) sink.report('DuplicateDefinition', def.name.span, { name, line: prior.name.span.start.line });
    else first.set(name, def);
  }
  const dims = new Map<string, number>();
  for (const dim of info.ast.dims) {
    const line = dims.get(dim.name.name);
    if (line !== undefined) sink.report('DuplicateDefinition', dim.name.span, { name: dim.name.name, line });
    else dims.set(dim.name.name, dim.name.span.start.line);
  }
}

function checkImports(info: ModuleInfo, loader: ModuleLoader, sink: DiagnosticSink): void {
  const seen = new Map<string, number>();
  for (const imp of info.ast.imports) {
    const path = resolveImport(info.file, imp.from);
    const target = path === info.file ? undefined : loader.load(path);
    if (!target) {
      sink.report('ModuleNotFound', imp.fromSpan, { module: imp.from, path });
      continue;
    }
    target.parseDiagnostics.forEach((d) => sink.add(d));
    for (const name of imp.names) {
      if (!target.definitions.has(name.name)) sink.report('UnknownImport', name.span, { module: imp.from, name: name.name });
      const local = info.definitions.get(name.name);
      const line = seen.get(name.name) ?? local?.name.span.start.line;
      if (line !== undefined) sink.report('DuplicateDefinition', name.span, { name: name.name, line });
      seen.set(name.name, name.span.start.line);
    }
  }
}

/** Definitions calling each other in a ring can never be inlined; report each ring once. */
function checkCallCycles(info: ModuleInfo, sink: DiagnosticSink): void {
  const calls = new Map<string, string[]>();
  for (const [name, def] of info.definitions) {
    const out: string[] = [];
    const locals = new Set([...def.params.map((p) => p.name.name), ...def.bindings.map((b) => b.name.name)]);
    visitCalls([def.body, ...def.bindings.map((b) => b.value)], (callee) => {
      if (!locals.has(callee) && info.definitions.has(callee)) out.push(callee);
    });
    for (const b of def.bindings) {
      if (b.value.kind === 'Name' && info.definitions.has(b.value.name)) out.push(b.value.name);
    }
    calls.set(name, out);
  }
  const state = new Map<string, 'busy' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'busy') {
      const ring = [...stack.slice(stack.indexOf(name)), name];
      sink.report('CyclicDefinition', info.definitions.get(name)!.name.span, { name, cycle: ring.join(' -> ') });
      return;
    }
    state.set(name, 'busy');
    stack.push(name);
    for (const callee of calls.get(name) ?? []) visit(callee);
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of calls.keys()) visit(name);
}

function visitCalls(exprs: readonly Expr[], onCall: (callee: string) => void): void {
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'Call':
        onCall(e.callee.name);
        e.args.forEach((a) => walk(a.value));
        return;
      case 'Unary':
        return walk(e.operand);
      case 'Binary':
        walk(e.lhs);
        return walk(e.rhs);
      case 'Index':
        walk(e.target);
        return e.indices.forEach(walk);
      case 'Member':
        return walk(e.target);
      case 'Tuple':
        return e.items.forEach(walk);
      case 'Conditional':
        walk(e.cond);
        walk(e.then);
        return walk(e.else);
      case 'Let':
        e.bindings.forEach((b) => walk(b.value));
        return walk(e.body);
      default:
        return;
    }
  };
  exprs.forEach(walk);
}

function newContext(loader: ModuleLoader, sink: DiagnosticSink, instantiated: Set<string>): ElabContext {
  return { b: new IrBuilder(), loader, diagnostics: sink, callStack: [], instantiated, madeDims: new Map(), productDims: new Map(), productChecks: [], domainChecks: [], dimOrder: [], orders: new Map(), reduced: new Map(), dividedMeans: new Map(), mapped: [] };
}

function elaborateLoss(info: ModuleInfo, loader: ModuleLoader, sink: DiagnosticSink, instantiated: Set<string>, def: Definition): IrFunction | undefined {
  const ctx = newContext(loader, sink, instantiated);
  const errorsBefore = sink.errorCount();
  const sig = lossSignature(ctx, def, info.componentDims);
  if (!sig) return undefined;
  const dims = new Set(sig.inputs.flatMap((i) => i.axes.map((a) => a.dim)));
  const scope: Scope = { module: info, entries: new Map(), dimVars: new Map(), indexVars: new Map(), dims };
  for (const [name, val] of sig.values) scope.entries.set(name, { kind: 'val', val });
  const key = defKey(info.file, def.name.name);
  ctx.callStack.push(key);
  bindAll(ctx, scope, def.bindings);
  const result = elabExpr(ctx, scope, def.body);
  finishBindings(ctx, scope);
  ctx.callStack.pop();
  if (!result || sink.errorCount() > errorsBefore) return undefined;
  if (result.kind !== 'tensor' || result.elem === 'bool' || result.enumOf) {
    const actual = result.kind !== 'tensor' ? 'a function' : result.enumOf ? `one of the strings ${enumText(result.enumOf.values)}` : describeType(result);
    sink.report('TypeMismatch', def.body.span, { what: `the value of loss '${def.name.name}'`, expected: 'a number', actual });
    return undefined;
  }
  // A declared result (`-> [B, C]`) is checked, and is the order callers see.
  const declared = def.result ? matchDeclared(result.axes, def.result) : undefined;
  if (def.result && !declared) {
    sink.report('ResultShapeMismatch', def.resultSpan, { name: def.name.name, actual: formatAxes(result.axes), declared: shapeText(def.result).slice(1, -1) });
    return undefined;
  }
  if (result.axes.length > 0 && !def.result) sink.report('LossNotScalar', def.body.span, { name: def.name.name, axes: formatAxes(result.axes) });
  const output = result.elem === 'real' ? result.id : ctx.b.op('to_real', [result.id], {}, def.body.span);
  const end = def.bindings.length > 0 ? def.bindings[def.bindings.length - 1]!.span.end.offset : def.body.span.end.offset;
  const start = def.body.span.start.offset;
  const formula = info.text.slice(start, end).replace(/\s+$/, '');
  // Where `...` goes in what callers see: as the declared result has it, else as the first input with it.
  const inputRest = def.params.map((p) => sig.inputs.find((i) => i.name === p.name.name)?.axes).find((axes) => axes?.some((a) => a.name === REST));
  const declaredRest = def.result?.some((d) => d.kind === 'RestDim') ? def.result.map((d): Axis => (d.kind === 'RestDim' ? REST_AXIS : { name: '', dim: d.kind === 'NamedDim' ? d.name : String(d.size) })) : undefined;
  // With a function returning several tensors the loss is a mean over them: no per-sample view.
  const divided = ctx.dividedMeans.get(output);
  const reduction = sig.functions.length > 0 ? undefined : divided && ctx.b.type(divided.perSample).axes.length > 0 && ctx.b.type(output).axes.length === 0 ? { kind: 'mean' as const, ...divided } : findReduction(ctx.b.nodes, output, (l, m) => maskedPerSample(ctx, l, m));
  const fn: IrFunction = {
    name: def.name.name,
    ...(def.doc ? { doc: def.doc } : {}),
    formula,
    file: info.file,
    span: def.span,
    inputs: sig.inputs,
    hypers: sig.hypers,
    dims: [...sig.dims, ...[...ctx.madeDims].map(([dim, size]) => ({ dim, size })), ...[...ctx.productDims].map(([dim, product]) => ({ dim, product })), ...ctx.productChecks],
    ...(sig.functions.length > 0 ? { functions: sig.functions, order: sig.order } : {}),
    nodes: ctx.b.nodes,
    output,
    ...(reduction ? { reduction } : {}),
    // What callers see, whatever the layout inside (order.ts).
    layout: {
      output: declared ?? result.positional ? placeRest(result.axes, declared ?? result.positional!, declaredRest ?? inputRest) : boundaryOrder(ctx, result.id, declaredRest ?? inputRest),
      ...(reduction ? { perSample: perSampleOrder(ctx, reduction.perSample, result.id, declaredRest ?? inputRest) } : {}),
    },
  };
  checkArgumentDomains(ctx, fn);
  if (!checkRaggedUse(sink, fn)) return undefined;
  return fn;
}

/**
 * The per-sample losses of a masked outer reduction, select(m, l, 0), and m broadcast to l's
 * axes (where it lacks some, and with iota (position >= 0) for each: true everywhere along it).
 */
function maskedPerSample(ctx: ElabContext, l: NodeId, m: NodeId): { perSample: NodeId; mask: NodeId } | undefined {
  const b = ctx.b;
  const mask = fullMask(b, l, m);
  return { perSample: b.op('select', [mask, l, b.constant(0)], {}), mask };
}

/** A def no loss uses is still checked: with its declared types when all are given. */
function checkDefAlone(info: ModuleInfo, loader: ModuleLoader, sink: DiagnosticSink, def: Definition): void {
  const ctx = newContext(loader, sink, new Set());
  const scope: Scope = { module: info, entries: new Map(), dimVars: new Map(), indexVars: new Map() };
  for (const param of def.params) {
    const type = param.type;
    if (!type || type.kind === 'FunctionType') return;
    if (type.kind === 'EnumType') {
      const values = type.values.map((v) => v.value);
      const val: TensorVal = { kind: 'tensor', id: ctx.b.input(param.name.name, { dtype: 'int', axes: [] }), elem: 'int', axes: [], enumOf: { what: `'${param.name.name}'`, values } };
      scope.entries.set(param.name.name, { kind: 'val', val });
      continue;
    }
    const shape = type.shape ?? [];
    const axes: Axis[] = shape.map((d) => (d.kind === 'RestDim' ? REST_AXIS : d.kind === 'NamedDim' ? { name: d.name, dim: d.name } : { name: String(d.size), dim: String(d.size) }));
    const elem: Elem = type.kind === 'IndexType' ? { index: type.of.name } : type.element;
    const val: TensorVal = { kind: 'tensor', id: ctx.b.input(param.name.name, { dtype: typeof elem === 'string' ? elem : 'int', axes }), elem, axes };
    scope.entries.set(param.name.name, { kind: 'val', val });
    for (const a of axes) scope.dimVars.set(a.name, a);
  }
  ctx.callStack.push(defKey(info.file, def.name.name));
  bindAll(ctx, scope, def.bindings);
  elabExpr(ctx, scope, def.body);
  finishBindings(ctx, scope);
}

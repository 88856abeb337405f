// Lexical scopes of the elaborator. Bindings (`where`, `let`) are lazy: each is checked on
// first use, so they may be written in any order, and a binding that reaches itself is a
// cycle, not an endless loop.

import type { Binding, Span } from '../../grammar/ast.js';
import type { Axis } from '../ir/types.js';
import type { ModuleInfo } from './program.js';
import type { Val } from './values.js';

export type Entry =
  | { readonly kind: 'val'; readonly val: Val; readonly span?: Span }
  | {
      readonly kind: 'lazy';
      readonly binding: Binding;
      /** The scope the binding's right-hand side is checked in. */
      readonly scope: Scope;
      state: 'todo' | 'busy' | 'done';
      val: Val | null;
    };

export interface IndexVar {
  readonly name: string;
  /** The dimension it ranges over, fixed by the first tensor it indexes. */
  dim?: string;
  /** Declared over a dim that does not exist (reported there): its uses say nothing more. */
  readonly unknownDim?: true;
}

export interface Scope {
  readonly parent?: Scope;
  readonly module: ModuleInfo;
  readonly entries: Map<string, Entry>;
  /** Inside a `def`: its shape variables mapped to the caller's axes (`D` ↦ axis `E`). */
  readonly dimVars: Map<string, Axis>;
  /** Index variables of this binding (or of the body), created by first use in an index. */
  readonly indexVars?: Map<string, IndexVar>;
  /** Dimension names usable as numbers here (the loss's own dims). */
  readonly dims?: ReadonlySet<string>;
  /**
   * A def's scope, inlined where a binding maps over index variables (`l[k] = g(p[k])`):
   * those variables, which the def's own bindings map over too (context.ts `mapped`).
   */
  readonly mapped?: readonly string[];
  /**
   * Inside a def whose pattern's `...` took concrete axes of the arguments (`[B, C, ...]` of
   * [B, C, H, W]): those axes, in order, which `...` then names (null: the parameters' `...`
   * took different axes, or the argument's own rest group, and it stays unresolved).
   */
  restAxes?: readonly Axis[] | null;
}

/** The index variables a binding checked in `scope` maps over before its own (see `mapped`). */
export function inheritedMapped(scope: Scope): readonly string[] {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.mapped) return s.mapped;
  return [];
}

export function childScope(parent: Scope, opts: { indexVars?: boolean } = {}): Scope {
  return {
    parent,
    module: parent.module,
    entries: new Map(),
    dimVars: new Map(),
    ...(opts.indexVars ? { indexVars: new Map<string, IndexVar>() } : {}),
  };
}

export function findEntry(scope: Scope, name: string): Entry | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const e = s.entries.get(name);
    if (e) return e;
  }
  return undefined;
}

export function findIndexVar(scope: Scope, name: string): IndexVar | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.indexVars?.get(name);
    if (v) return v;
  }
  return undefined;
}

/** The nearest scope that owns index variables (a binding or a body). */
export function indexScope(scope: Scope): Scope | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.indexVars) return s;
  return undefined;
}

export function findDimVar(scope: Scope, name: string): Axis | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const a = s.dimVars.get(name);
    if (a) return a;
  }
  return undefined;
}

/** The concrete axes a def's `...` stands for here, if its pattern bound them (see `restAxes`). */
export function findRestAxes(scope: Scope): readonly Axis[] | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.restAxes !== undefined) return s.restAxes ?? undefined;
  return undefined;
}

export function hasDim(scope: Scope, name: string): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.dims?.has(name)) return true;
  return false;
}

/** Every name visible from here, for "did you mean" hints. */
export function visibleNames(scope: Scope): string[] {
  const names: string[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    names.push(...s.entries.keys(), ...(s.indexVars?.keys() ?? []));
  }
  names.push(...scope.module.definitions.keys());
  return names;
}

import type { ElabContext } from './context.js';
import { isBuiltin } from './builtins.js';
import { resolveImport } from './program.js';
import type { Scope } from './scope.js';
import type { FnVal } from './values.js';

/**
 * A function name seen from a module: its own definitions, then its imports, then builtins.
 * A broken import was already reported by the module check, so it resolves to `null` here
 * (no second "unknown name").
 */
export function lookupFunction(ctx: ElabContext, scope: Scope, name: string): FnVal | null | undefined {
  const own = scope.module.definitions.get(name);
  if (own) return scope.module.broken.has(name) ? null : { kind: 'def', def: own, module: scope.module };
  for (const imp of scope.module.ast.imports) {
    if (!imp.names.some((n) => n.name === name)) continue;
    const target = ctx.loader.load(resolveImport(scope.module.file, imp.from));
    const def = target?.definitions.get(name);
    return target && def && !target.broken.has(name) ? { kind: 'def', def, module: target } : null;
  }
  if (isBuiltin(name)) return { kind: 'builtin', name };
  return undefined;
}

/** Every function name callable from a module, for hints and completion. */
export function callableNames(scope: Scope): string[] {
  return [...scope.module.definitions.keys(), ...scope.module.ast.imports.flatMap((i) => i.names.map((n) => n.name))];
}

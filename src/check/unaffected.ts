// Whether the errors of a file leave one of its losses intact, so that it can still run (a
// half-written loss in the playground should not stop its neighbour). Asked only of a loss
// the checker lowered (a loss whose own text, or a definition or import it uses, has an error
// is not lowered). Conservative on top: every error must be in this file and outside the loss
// and every definition it reaches by name (a definition the parser dropped for a syntax error
// is reached by nothing that was lowered: a loss using it fails on the unknown name).

import type { Module } from '../../grammar/ast.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/gu;

/** The definitions `loss` reaches: itself and, transitively, every one named in their text. */
function reached(module: Module, text: string, loss: string): Set<string> {
  const byName = new Map(module.definitions.map((d) => [d.name.name, d]));
  const seen = new Set<string>();
  const queue = [loss];
  while (queue.length > 0) {
    const name = queue.pop()!;
    const def = byName.get(name);
    if (!def || seen.has(name)) continue;
    seen.add(name);
    for (const word of text.slice(def.span.start.offset, def.span.end.offset).match(IDENTIFIER) ?? []) {
      if (byName.has(word) && !seen.has(word)) queue.push(word);
    }
  }
  return seen;
}

/** True when every error of `diagnostics` is inside a definition of `module` that `loss` does not reach. */
export function errorsLeaveLossIntact(module: Module, text: string, diagnostics: readonly Diagnostic[], loss: string): boolean {
  const reach = reached(module, text, loss);
  if (!reach.has(loss)) return false;
  // Two definitions of one name: which one runs is not for the evaluator to guess.
  if (module.definitions.filter((d) => d.name.name === loss).length !== 1) return false;
  return diagnostics
    .filter((d) => d.severity === 'error')
    .every((d) => {
      const at = d.span;
      if (!at || at.file !== module.file) return false;
      return !module.definitions.some((def) => reach.has(def.name.name) && def.span.start.offset <= at.end.offset && at.start.offset <= def.span.end.offset);
    });
}

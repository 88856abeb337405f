// Results computed from an IR object alone, kept with that object: the evaluator lowers a loss
// on every call, and the plans the lowering derives (tiling, value layouts, what a backward
// pass saves) would otherwise be derived again each time. An IR is never changed once built,
// so a plan made from it stays right; kept in a WeakMap, it goes when the IR does.

const kept = new WeakMap<object, Map<unknown, unknown>>();

/**
 * `compute()`, made once per `owner` and `key`: `key` must name everything else the result
 * depends on (a string of the arguments, or an object the owner holds). The result is shared
 * between callers, who must not change it.
 */
export function memoized<R>(owner: object, key: unknown, compute: () => R): R {
  let table = kept.get(owner);
  if (!table) kept.set(owner, (table = new Map()));
  if (table.has(key)) return table.get(key) as R;
  const value = compute();
  table.set(key, value);
  return value;
}

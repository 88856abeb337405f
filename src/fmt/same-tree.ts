// Whether two syntax trees are the same program: equal once the places (spans) are left out.
// The formatter's guarantee, checked on every file it formats and by its property tests.

const PLACES = new Set(['span', 'opSpan', 'fromSpan', 'resultSpan', 'file']);

/** Whether `v` is a place itself ({start, end} of lines and columns). */
function isSpan(v: unknown): boolean {
  const at = (p: unknown): boolean => !!p && typeof p === 'object' && 'line' in p && 'col' in p;
  return !!v && typeof v === 'object' && 'start' in v && 'end' in v && at((v as { start: unknown }).start) && at((v as { end: unknown }).end);
}

/** The tree without spans or file names, as plain data. */
export function withoutPlaces(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPlaces);
  // A word's place kept as the mark that it is there (`ragged` in a list type): present, nothing more.
  if (isSpan(node)) return true;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (!PLACES.has(k)) out[k] = withoutPlaces(v);
    return out;
  }
  return node;
}

export function sameTree(a: unknown, b: unknown): boolean {
  return JSON.stringify(withoutPlaces(a)) === JSON.stringify(withoutPlaces(b));
}

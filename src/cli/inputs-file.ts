// The `--inputs FILE.json` of `lossc eval`: read, parsed and shape-checked before anything
// else sees it, so a bad file is one E7004/E7006 line, never a crash.

import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { readText } from './files.js';

/** Deeper nesting than any tensor has; past it the file is not a set of tensors. */
const MAX_DEPTH = 64;

/** How deeply arrays and objects nest in `value`, counted without recursion. */
function depth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d + 1);
    if (deepest > MAX_DEPTH) break;
    for (const item of Array.isArray(v) ? v : Object.values(v)) if (item !== null && typeof item === 'object') stack.push([item, d + 1]);
  }
  return deepest;
}

export function readInputsFile(path: string): { readonly inputs: Record<string, unknown> } | { readonly problem: Diagnostic } {
  const read = readText(path);
  if ('reason' in read) return { problem: diagnostic('FileNotFound', undefined, { path, reason: read.reason }) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch (err) {
    return { problem: diagnostic('BadInputsFile', undefined, { problem: `${path} is not valid JSON: ${(err as Error).message}` }) };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { problem: diagnostic('BadInputsFile', undefined, { problem: `${path} must hold a JSON object from input name to value` }) };
  }
  if (depth(parsed) > MAX_DEPTH) {
    return { problem: diagnostic('BadInputsFile', undefined, { problem: `${path} nests lists more than ${MAX_DEPTH} deep, deeper than any tensor` }) };
  }
  return { inputs: parsed as Record<string, unknown> };
}

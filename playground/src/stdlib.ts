// The standard library, bundled as text: every stdlib/*.loss file, found by glob so a new
// file shows up without touching the playground. Also the SourceHost that lets the editor's
// file import them (`import { huber } from "./regression"`).
import type { SourceHost } from '../../src/index.js';

const files = import.meta.glob('../../stdlib/*.loss', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** File name (`regression.loss`) → source text, sorted by name. */
export const STDLIB: ReadonlyMap<string, string> = new Map(
  Object.entries(files)
    .map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);

/** The editor's file sits beside the stdlib files, so relative imports resolve to them. */
export const EDITOR_FILE = 'playground.loss';

export const stdlibHost: SourceHost = {
  readFile(path: string): string | undefined {
    // Imports resolve against the editor file's folder, so a stdlib file is a bare name; in a
    // browser, `lossc/stdlib/<file>` imports come as that name (src/check/program.ts STDLIB_DIR).
    return STDLIB.get(path.replace(/^(?:\.\/|lossc\/stdlib\/)/, ''));
  },
};

// .loss files compiled for a bench run by this checkout's compiler, at every run: from its
// source (src/, through tsx, so a compiler change shows without a build) or from dist/ through
// the lossc command (as the last `npm run build` left it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compile } from '../src/api.js';
import { fsHost } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';

export type Compiler = 'src' | 'dist';

/**
 * Compiles each `source` to `dir/<name>.ts`. Throws an Error saying which file and why (the
 * diagnostics, or the compiler's internal error) when one does not compile.
 */
export async function compileFresh(files: readonly (readonly [source: string, name: string])[], dir: string, compiler: Compiler): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [source, name] of files) {
    let code: string | undefined;
    let problem = '';
    if (compiler === 'dist') {
      const r = spawnSync(process.execPath, ['bin/lossc.js', 'compile', source], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status === 0) code = r.stdout;
      else problem = r.stderr || `exit code ${r.status} (npm run build first?)`;
    } else {
      try {
        const r = await compile(readFileSync(source, 'utf8'), source, { host: fsHost });
        code = r.code;
        problem = r.diagnostics.map((d) => formatDiagnostic(d)).join('\n');
      } catch (e) {
        // An internal error of the compiler as src/ stands now (an edit in progress, say).
        problem = `internal error: ${(e as Error).message}\n(with the compiler as the last npm run build left it: --compiler dist)`;
      }
    }
    if (code === undefined) throw new Error(`lossc (${compiler}) could not compile ${source}:\n${problem}`);
    writeFileSync(resolve(dir, `${name}.ts`), code);
  }
}

// The compiled standard library the package ships: every stdlib/<file>.loss compiled as
// `lossc compile` does, then turned into ESM JavaScript and declarations, written to
// dist/stdlib/<file>.js and .d.ts (the package's `lossc/stdlib/<file>`). Runs on the built
// compiler: `npm run build` runs tsc first.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, formatDiagnostic, hasErrors } from '../dist/src/index.js';
import { fsHost } from '../dist/src/cli/files.js';
// `lossc compile --js`'s conversion.
import { toJavaScript } from '../dist/src/emit/javascript.js';

// Paths relative to the package root: they name the source in each module's first line.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const OUT = 'dist/stdlib';

const sources = readdirSync('stdlib').filter((f) => f.endsWith('.loss')).sort();
const outputs = new Map();
let failed = false;
for (const name of sources) {
  const file = `stdlib/${name}`;
  const result = await compile(readFileSync(file, 'utf8'), file, { host: fsHost });
  // Warnings are the checker's advice to whoever edits the stdlib; `lossc check stdlib` shows them.
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  errors.forEach((d) => console.error(formatDiagnostic(d)));
  if (hasErrors(result.diagnostics) || result.code === undefined) {
    failed = true;
    continue;
  }
  const base = name.replace(/\.loss$/, '');
  const { js, dts } = await toJavaScript(result.code, `${base}.ts`);
  outputs.set(`${base}.js`, js);
  outputs.set(`${base}.d.ts`, dts);
}
if (failed) {
  console.error('build-stdlib: the stdlib has errors; dist/stdlib left as it was');
  process.exit(1);
}
// Only this script writes here: a file whose source was removed goes too.
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const [name, text] of outputs) writeFileSync(`${OUT}/${name}`, text);
console.log(`build-stdlib: ${sources.length} modules in ${OUT}`);

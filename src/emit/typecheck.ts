// Type-checks generated modules with the TypeScript compiler under strict options: the files
// live in memory, everything else (lib files, @tensorflow/tfjs declarations) is read from
// disk. `typescript` is loaded lazily: it is large and only the emitter's users need it.

import { createRequire } from 'node:module';
import * as path from 'node:path';

type Ts = typeof import('typescript');
let typescript: Promise<Ts> | undefined;

async function loadTs(): Promise<Ts> {
  const mod = (await (typescript ??= import('typescript'))) as Ts & { default?: Ts };
  // CommonJS package: under ESM its API may sit on `default`.
  return mod.default ?? mod;
}

/** The directory whose node_modules holds @tensorflow/tfjs (the repository or the project). */
function packageRoot(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs/package.json');
  return path.resolve(path.dirname(pkg), '..', '..', '..');
}

/**
 * Diagnostics of `files` (name → TypeScript source), one formatted string each:
 * `name(line,col): error TS2322: message`. Empty when every file type-checks.
 */
export async function typecheckGenerated(files: Readonly<Record<string, string>>): Promise<string[]> {
  const ts = await loadTs();
  const root = packageRoot();
  // Virtual files sit inside the root so that module resolution finds its node_modules.
  const dir = path.join(root, '.lossc-typecheck');
  const byPath = new Map<string, { name: string; text: string }>();
  for (const [name, text] of Object.entries(files)) {
    byPath.set(path.resolve(dir, name.endsWith('.ts') ? name : `${name}.ts`), { name, text });
  }

  const options: import('typescript').CompilerOptions = {
    strict: true,
    // What a project with the strictest settings would report in the generated code.
    noUnusedLocals: true,
    noUnusedParameters: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options, true);
  const virtual = (fileName: string): { name: string; text: string } | undefined => byPath.get(path.resolve(fileName));
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const v = virtual(fileName);
    return v
      ? ts.createSourceFile(fileName, v.text, languageVersion, true)
      : getSourceFile.call(host, fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => virtual(fileName) !== undefined || fileExists.call(host, fileName);
  host.readFile = (fileName) => virtual(fileName)?.text ?? readFile.call(host, fileName);
  // The virtual folder exists too, so the modules can import each other (an index module).
  const { directoryExists } = host;
  host.directoryExists = (d) => path.resolve(d) === dir || (directoryExists?.call(host, d) ?? true);

  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host });
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...byPath.keys()].flatMap((p) => {
      const sf = program.getSourceFile(p);
      return sf ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)] : [];
    }),
  ];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const category = ts.DiagnosticCategory[d.category].toLowerCase();
    if (!d.file || d.start === undefined) return `${category} TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const name = virtual(d.file.fileName)?.name ?? d.file.fileName;
    return `${name}(${line + 1},${character + 1}): ${category} TS${d.code}: ${message}`;
  });
}

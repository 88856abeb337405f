// A generated TypeScript module as ESM JavaScript and its declarations, for projects without
// a TypeScript toolchain (`lossc compile --js`) and for the compiled stdlib the package ships.
// Generated modules declare the type of everything they export, so both come from the text
// alone (isolated declarations): no type-checking program, no tfjs types needed here.

import { loadTsMorph } from './module.js';

type Ts = typeof import('typescript');
let typescript: Promise<Ts> | undefined;

async function loadTs(): Promise<Ts> {
  return (typescript ??= (async () => {
    // ts-morph, which compiling needs anyway, carries a TypeScript compiler: one with
    // transpileDeclaration (5.5 and later) does; else the project's own typescript package.
    try {
      const { ts } = await loadTsMorph();
      if (typeof ts.transpileDeclaration === 'function') return ts as unknown as Ts;
    } catch {
      // not installed: try typescript
    }
    const mod = (await import('typescript')) as Ts & { default?: Ts };
    // CommonJS package: under ESM its API may sit on `default`.
    return mod.default ?? mod;
  })());
}

export interface JavaScriptModule {
  /** The module as ESM JavaScript (ES2022). */
  readonly js: string;
  /** Its declarations (`.d.ts`). */
  readonly dts: string;
}

/**
 * Raised on `<loss>.forLayers = …`: under isolated declarations TypeScript wants such a
 * property declared in a `namespace`, which linters refuse in source code. The declaration it
 * emits for the assignment is the same (`declare namespace <loss> { var forLayers: … }`), and
 * the assignment's type is written out, so nothing is inferred across files.
 */
const EXPANDO_PROPERTY = 9023;

/** `ts`, a module lossc generated, as JavaScript and declarations. */
export async function toJavaScript(ts: string, fileName = 'module.ts'): Promise<JavaScriptModule> {
  const t = await loadTs();
  const base = { module: t.ModuleKind.ESNext, target: t.ScriptTarget.ES2022 };
  const js = t.transpileModule(ts, { compilerOptions: base, fileName, reportDiagnostics: true });
  // transpileDeclaration works as isolated declarations do (that option would make
  // transpileModule refuse every input: it turns `declaration` off there).
  const dts = t.transpileDeclaration(ts, { compilerOptions: { ...base, declaration: true, isolatedDeclarations: true }, fileName, reportDiagnostics: true });
  const problems = [...(js.diagnostics ?? []), ...(dts.diagnostics ?? [])].filter((d) => d.code !== EXPANDO_PROPERTY);
  if (problems.length > 0) {
    throw new Error(`internal: generated code could not be turned into JavaScript: ${problems.map((d) => t.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  }
  return { js: js.outputText, dts: dts.outputText };
}

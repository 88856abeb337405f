// The compile worker: `compile` loads ts-morph (and the TypeScript compiler inside it) on its
// first call. Keeping it here keeps several megabytes of parsing off the page and the editor.
import { compile } from '../../src/index.js';
import type { CompileReply } from './protocol.js';
import { serve } from './rpc.js';
import { stdlibHost } from './stdlib.js';

async function run(params: { text: string; file: string; version: number }): Promise<CompileReply> {
  const t0 = performance.now();
  const { code, diagnostics } = await compile(params.text, params.file, { host: stdlibHost });
  return { version: params.version, ...(code !== undefined ? { code } : {}), diagnostics, ms: performance.now() - t0 };
}

serve({ compile: run });

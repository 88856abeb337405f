// `lossc compile --js`: a generated module as ESM JavaScript (.js) and declarations (.d.ts),
// by the emitter's conversion. Both files begin with the generated-by-lossc line (TypeScript
// drops it from declarations), so the no-overwrite rule of --out knows them as lossc's own.

import { toJavaScript, type JavaScriptModule } from '../emit/javascript.js';
import { GENERATED_MARK } from './files.js';

/** `ts`, a module lossc generated (or the index it writes), as JavaScript and declarations. */
export async function javascriptModule(ts: string, fileName: string): Promise<JavaScriptModule> {
  const { js, dts } = await toJavaScript(ts, fileName);
  return { js: marked(js, ts), dts: marked(dts, ts) };
}

/** `text`, beginning with the first line of `source` (the generated mark) if it lost it. */
function marked(text: string, source: string): string {
  if (text.startsWith(GENERATED_MARK)) return text;
  const end = source.indexOf('\n');
  const first = source.startsWith(GENERATED_MARK) ? source.slice(0, end < 0 ? undefined : end) : `${GENERATED_MARK}.`;
  return `${first}\n${text}`;
}

// Generates grammar/generated/cst.ts, the TypeScript types of the parser's CST, from the
// grammar itself (test/grammar.test.ts checks it is current; LOSSC_UPDATE=1 rewrites it).
import { generateCstDts } from './chevrotain.js';
import { parser } from './parser.js';

export const CST_TYPES_PATH = 'grammar/generated/cst.ts';

export function cstTypesSource(): string {
  const dts = generateCstDts(parser.getGAstProductions(), { includeVisitorInterface: false });
  // Error recovery can leave out any child, so every child is optional here.
  const optional = dts
    .replace(/(CstChildren = \{\n)([\s\S]*?)(\n\};)/g, (_, open: string, body: string, close: string) =>
      open + body.replace(/^( +\w+)\??: /gm, '$1?: ') + close)
    .replace(', ICstVisitor', '');
  return [
    '// GENERATED from grammar/parser.ts by grammar/cst-types.ts: do not edit.',
    '// Every child is optional: a node rebuilt by error recovery may lack any of them.',
    optional.trimEnd(),
    '',
  ].join('\n');
}

// Writes the editor files derived from the token table: the TextMate grammar (to
// grammar/generated/ and to the VS Code extension) and VS Code's language configuration.
// Run after changing grammar/tokens.ts: `npx tsx grammar/textmate-write.ts`
// (test/textmate.test.ts fails while the written files are not current).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lossLanguageConfiguration } from './monarch.js';
import { textmateJson, vscodeLanguageConfiguration } from './textmate.js';
import { Equals, Where } from './tokens.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each derived file: its path from the repository's root, and its text. */
export function derivedEditorFiles(): Record<string, string> {
  const grammar = textmateJson();
  const configuration = vscodeLanguageConfiguration(lossLanguageConfiguration, Where.PATTERN as string, Equals.PATTERN as string);
  return {
    'grammar/generated/loss.tmLanguage.json': grammar,
    'editors/vscode/syntaxes/loss.tmLanguage.json': grammar,
    'editors/vscode/language-configuration.json': `${JSON.stringify(configuration, null, 2)}\n`,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of Object.entries(derivedEditorFiles())) {
    writeFileSync(join(ROOT, path), text);
    console.log(`wrote ${path}`);
  }
}
